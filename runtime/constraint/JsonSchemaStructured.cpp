//===- JsonSchemaStructured.cpp - Objects and arrays of a schema ----------===//
//
// The object and array parts of a conjunction: ObjectRule and ArrayRule
// specs built from the member schemas (whose keywords combine per member:
// one member's additionalProperties covers the keys another member names),
// anyOf/oneOf distributed over the alternatives that allow objects or arrays,
// and `not` where its object/array part is all or nothing.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/JsonSchemaCompiler.h"

#include <algorithm>
#include <map>
#include <set>

namespace dec::cons {

bool JsonSchemaCompiler::structuredParts(Facts &f, std::vector<Symbol> &parts) {
  if (!applyStructuredNots(f))
    return false;
  if (f.haveEnum) {
    for (const Json &v : f.enumValues) {
      if (!((v.is_object() && (f.types & kTypeObject)) || (v.is_array() && (f.types & kTypeArray))))
        continue;
      if (f.hasObjectKeywords() || f.hasArrayKeywords())
        return fail("unsupported keyword 'enum' (object or array values under other keywords) at " +
                    where(f.objectMembers.empty() ? (f.arrayMembers.empty() ? 0 : f.arrayMembers[0])
                                                  : f.objectMembers[0]));
      parts.push_back(constSymbol(v));
    }
    return true;
  }
  if (f.types & kTypeObject) {
    Symbol s;
    if (!objectSymbol(f, s))
      return false;
    if (s != kNoSymbol)
      parts.push_back(s);
  }
  if (f.types & kTypeArray) {
    Symbol s;
    if (!arraySymbol(f, s))
      return false;
    if (s != kNoSymbol)
      parts.push_back(s);
  }
  return true;
}

bool JsonSchemaCompiler::alternativeParts(const Conj &flat, const Facts &f, std::vector<Symbol> &parts) {
  const Facts::Group &group = f.groups[0];
  Conj base;
  uint32_t done = group.oneOf ? kOneOfDone : kAnyOfDone;
  for (ConjElem e : flat)
    base.push_back(elemSchema(e) == group.owner ? e | done : e);
  std::sort(base.begin(), base.end());
  std::vector<Conj> alternatives;
  for (SchemaId alt : group.alternatives) {
    Conj c = unionOf(base, {conjElem(alt)});
    Symbol s;
    if (!symbolFor(c, s, /*structuredOnly=*/true))
      return false;
    if (s == kNoSymbol)
      continue;
    if (group.oneOf)
      for (const Conj &other : alternatives) {
        bool disjoint;
        if (!provablyDisjoint(c, other, 3, disjoint))
          return false;
        if (!disjoint)
          return fail("unsupported keyword 'oneOf' (object or array alternatives that may overlap) at " +
                      where(group.owner));
      }
    alternatives.push_back(c);
    parts.push_back(s);
  }
  return true;
}

bool JsonSchemaCompiler::applyStructuredNots(Facts &f) {
  for (SchemaId n : f.nots) {
    Structured st;
    if (!structuredStatus({conjElem(n)}, st))
      return false;
    if (st.objects == Status::All)
      f.types &= static_cast<uint8_t>(~kTypeObject);
    if (st.arrays == Status::All)
      f.types &= static_cast<uint8_t>(~kTypeArray);
    if (st.arrays == Status::Complex && (f.types & kTypeArray))
      return fail("unsupported keyword 'not' (with array keywords) at " + where(n));
    if (st.objects != Status::Complex || !(f.types & kTypeObject))
      continue;
    // not {required: [p]} (with nothing else about objects): p is absent.
    Conj flat;
    Facts nf;
    bool contradiction;
    if (!factsOf({conjElem(n)}, flat, nf, contradiction))
      return false;
    bool onlyRequired = nf.groups.empty() && nf.nots.empty() && nf.objectMembers.empty() &&
                        nf.required.size() == 1 && nf.minProperties == 0 && nf.maxProperties == kNoLimit &&
                        nf.propertyNames.empty() && nf.dependentRequired.empty() && !nf.haveEnum;
    if (!onlyRequired)
      return fail("unsupported keyword 'not' (with object keywords) at " + where(n));
    f.forbidden.insert(*nf.required.begin());
  }
  return true;
}

/// Exactly `v`, with object members in any order and numbers in any
/// spelling of their value (JSON Schema compares values, not text).
Symbol JsonSchemaCompiler::constSymbol(const Json &v) {
  if (v.is_object()) {
    ObjectSpec spec;
    spec.open = b.addLexeme(terms.openBrace());
    spec.close = b.addLexeme(terms.closeBrace());
    for (auto it = v.begin(); it != v.end(); ++it) {
      RegexId name = rx.literal(JsonTerminals::escape(it.key()));
      ObjectSpec::Named p;
      p.keyFirst = b.addLexeme(terms.key(name, true));
      p.keyNext = b.addLexeme(terms.key(name, false));
      p.value = constSymbol(it.value());
      p.required = true;
      spec.named.push_back(std::move(p));
    }
    uint32_t nt = g.addNonterminal("const-object");
    g.setRule(nt, std::make_unique<ObjectRule>(std::move(spec)));
    return static_cast<Symbol>(nt);
  }
  if (v.is_array()) {
    ArraySpec spec;
    spec.open = b.addLexeme(terms.openBracket());
    spec.close = b.addLexeme(terms.closeBracket());
    spec.comma = b.addLexeme(terms.comma());
    for (const Json &item : v)
      spec.prefix.push_back(constSymbol(item));
    spec.minItems = spec.maxItems = v.size();
    uint32_t nt = g.addNonterminal("const-array");
    g.setRule(nt, std::make_unique<ArrayRule>(std::move(spec)));
    return static_cast<Symbol>(nt);
  }
  return b.addLexeme(terms.valueLiteral(v));
}

/// The schemas member `m` applies to the value of key `name`.
bool JsonSchemaCompiler::memberSchemasFor(SchemaId m, const std::string &name, Conj &out) {
  // properties[name] and every matching patternProperties apply;
  // additionalProperties only when neither does. Where regex dialects
  // disagree on a match (narrow vs wide), both readings' schemas apply.
  const Json &s = doc.node(m);
  auto props = s.find("properties");
  bool surelyCovered = false;
  if (props != s.end() && props->contains(name)) {
    out.push_back(conjElem(doc.child(m, "properties", name)));
    surelyCovered = true;
  }
  std::string spelled = JsonTerminals::escape(name);
  auto pats = s.find("patternProperties");
  if (pats != s.end())
    for (auto it = pats->begin(); it != pats->end(); ++it) {
      RegexId narrow, wide;
      if (!patternRegex(it.key(), m, false, narrow) || !patternRegex(it.key(), m, true, wide))
        return false;
      if (rx.matches(wide, spelled))
        out.push_back(conjElem(doc.child(m, "patternProperties", it.key())));
      if (rx.matches(narrow, spelled))
        surelyCovered = true;
    }
  if (!surelyCovered && s.contains("additionalProperties"))
    out.push_back(conjElem(doc.child(m, "additionalProperties")));
  return true;
}

bool JsonSchemaCompiler::propertyNamesRegex(const Facts &f, RegexId &out) {
  out = rx.star(terms.anyChar());
  for (SchemaId pn : f.propertyNames) {
    Conj flat;
    Facts nf;
    bool contradiction;
    if (!factsOf({conjElem(pn)}, flat, nf, contradiction))
      return false;
    if (contradiction || !(nf.types & kTypeString)) {
      out = kNothing;
      return true;
    }
    if (!nf.groups.empty() || !nf.nots.empty())
      return fail("unsupported keyword 'propertyNames' (with anyOf/oneOf/not) at " + where(pn));
    RegexId body;
    if (!stringBody(nf, false, body))
      return false;
    if (nf.haveEnum) {
      std::vector<RegexId> names;
      for (const Json &v : nf.enumValues)
        if (v.is_string())
          names.push_back(rx.literal(JsonTerminals::escape(v.get<std::string>())));
      body = rx.intersect(body, rx.alt(names));
    }
    out = rx.intersect(out, body);
  }
  return true;
}

bool JsonSchemaCompiler::objectSymbol(const Facts &f, Symbol &out) {
  out = kNoSymbol;
  RegexId allowedKeys;
  if (!propertyNamesRegex(f, allowedKeys))
    return false;
  // Named properties: those any member names, required, or depended on.
  std::set<std::string> names(f.required.begin(), f.required.end());
  names.insert(f.forbidden.begin(), f.forbidden.end());
  for (const auto &[a, c] : f.dependentRequired) {
    names.insert(a);
    names.insert(c);
  }
  for (SchemaId m : f.objectMembers) {
    auto props = doc.node(m).find("properties");
    if (props != doc.node(m).end())
      for (auto it = props->begin(); it != props->end(); ++it)
        names.insert(it.key());
  }
  ObjectSpec spec;
  spec.open = b.addLexeme(terms.openBrace());
  spec.close = b.addLexeme(terms.closeBrace());
  spec.minProperties = f.minProperties;
  spec.maxProperties = f.maxProperties;
  std::map<std::string, uint32_t> indexOf;
  std::vector<RegexId> nameSpellings;
  for (const std::string &name : names) {
    std::string spelled = JsonTerminals::escape(name);
    RegexId literal = rx.literal(spelled);
    nameSpellings.push_back(literal);
    ObjectSpec::Named p;
    p.keyFirst = b.addLexeme(terms.key(literal, true));
    p.keyNext = b.addLexeme(terms.key(literal, false));
    p.required = f.required.count(name) > 0;
    p.value = kNoSymbol;
    if (!f.forbidden.count(name) && rx.matches(allowedKeys, spelled)) {
      Conj values;
      for (SchemaId m : f.objectMembers)
        if (!memberSchemasFor(m, name, values))
          return false;
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      if (!symbolFor(values, p.value))
        return false;
    }
    if (p.required && p.value == kNoSymbol)
      return true; // a required property that cannot appear
    indexOf[name] = static_cast<uint32_t>(spec.named.size());
    spec.named.push_back(std::move(p));
  }
  for (const auto &[a, c] : f.dependentRequired)
    spec.named[indexOf[a]].dependencies.push_back(indexOf[c]);
  if (!keyRegions(f, allowedKeys, rx.alt(nameSpellings), spec.regions))
    return false;
  uint32_t nt = g.addNonterminal("object");
  g.setRule(nt, std::make_unique<ObjectRule>(std::move(spec)));
  out = static_cast<Symbol>(nt);
  return true;
}

/// Keys not named: one region per combination of matching patterns.
bool JsonSchemaCompiler::keyRegions(const Facts &f, RegexId allowedKeys, RegexId named, std::vector<ObjectSpec::Region> &regions) {
  std::vector<std::string> distinct;
  for (SchemaId m : f.objectMembers) {
    auto pats = doc.node(m).find("patternProperties");
    if (pats != doc.node(m).end())
      for (auto it = pats->begin(); it != pats->end(); ++it)
        if (std::find(distinct.begin(), distinct.end(), it.key()) == distinct.end())
          distinct.push_back(it.key());
  }
  if (distinct.size() > 8)
    return fail("unsupported keyword 'patternProperties' (more than 8 patterns) at " +
                where(f.objectMembers[0]));
  // A region's keys match its patterns in every regex dialect (narrow) and
  // the others in none (outside wide): keys whose classification depends on
  // the dialect are never generated.
  std::vector<RegexId> narrow, wide;
  for (const std::string &p : distinct) {
    RegexId n, w;
    if (!patternRegex(p, f.objectMembers[0], false, n) || !patternRegex(p, f.objectMembers[0], true, w))
      return false;
    narrow.push_back(n);
    wide.push_back(w);
  }
  RegexId base = rx.intersect(allowedKeys, rx.complement(named));
  for (uint32_t subset = 0; subset < (1u << distinct.size()); ++subset) {
    std::vector<RegexId> parts{base};
    for (size_t i = 0; i < distinct.size(); ++i)
      parts.push_back((subset >> i) & 1 ? narrow[i] : rx.complement(wide[i]));
    RegexId key = rx.intersect(parts);
    if (key == kNothing || (distinct.size() > 0 && rx.emptiness(key, 500) == RegexBuilder::Emptiness::Empty))
      continue;
    Conj values;
    for (SchemaId m : f.objectMembers) {
      const Json &s = doc.node(m);
      bool matched = false;
      auto pats = s.find("patternProperties");
      if (pats != s.end())
        for (auto it = pats->begin(); it != pats->end(); ++it) {
          size_t i = static_cast<size_t>(std::find(distinct.begin(), distinct.end(), it.key()) - distinct.begin());
          if ((subset >> i) & 1) {
            values.push_back(conjElem(doc.child(m, "patternProperties", it.key())));
            matched = true;
          }
        }
      if (!matched && s.contains("additionalProperties"))
        values.push_back(conjElem(doc.child(m, "additionalProperties")));
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    Symbol value;
    if (!symbolFor(values, value))
      return false;
    if (value == kNoSymbol)
      continue;
    regions.push_back({b.addLexeme(terms.key(key, true)), b.addLexeme(terms.key(key, false)), value});
  }
  return true;
}

/// Member m's schema list before the rest, and its rest schema (absent =
/// any value).
void JsonSchemaCompiler::arrayMemberParts(SchemaId m, std::vector<SchemaId> &prefix, std::optional<SchemaId> &rest) {
  const Json &s = doc.node(m);
  auto prefixItems = s.find("prefixItems");
  auto items = s.find("items");
  if (prefixItems != s.end() && prefixItems->is_array()) {
    for (size_t i = 0; i < prefixItems->size(); ++i)
      prefix.push_back(doc.child(m, "prefixItems", i));
    if (items != s.end() && !items->is_array())
      rest = doc.child(m, "items");
  } else if (items != s.end() && items->is_array()) {
    for (size_t i = 0; i < items->size(); ++i)
      prefix.push_back(doc.child(m, "items", i));
    if (s.contains("additionalItems"))
      rest = doc.child(m, "additionalItems");
  } else if (items != s.end()) {
    rest = doc.child(m, "items");
  }
}

bool JsonSchemaCompiler::arraySymbol(const Facts &f, Symbol &out) {
  out = kNoSymbol;
  std::vector<std::vector<SchemaId>> prefixes;
  std::vector<std::optional<SchemaId>> rests;
  size_t prefixLength = 0;
  for (SchemaId m : f.arrayMembers) {
    prefixes.emplace_back();
    rests.emplace_back();
    arrayMemberParts(m, prefixes.back(), rests.back());
    prefixLength = std::max(prefixLength, prefixes.back().size());
  }
  ArraySpec spec;
  spec.open = b.addLexeme(terms.openBracket());
  spec.close = b.addLexeme(terms.closeBracket());
  spec.comma = b.addLexeme(terms.comma());
  spec.minItems = f.minItems;
  spec.maxItems = f.maxItems;
  auto position = [&](size_t i, Symbol &s) {
    Conj values;
    for (size_t k = 0; k < prefixes.size(); ++k) {
      if (i < prefixes[k].size())
        values.push_back(conjElem(prefixes[k][i]));
      else if (rests[k])
        values.push_back(conjElem(*rests[k]));
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return symbolFor(values, s);
  };
  // Positions past maxItems never occur.
  size_t explicitPositions = static_cast<size_t>(std::min<uint64_t>(prefixLength, f.maxItems));
  for (size_t i = 0; i < explicitPositions; ++i) {
    Symbol s;
    if (!position(i, s))
      return false;
    spec.prefix.push_back(s);
  }
  if (!position(prefixLength, spec.rest))
    return false;
  uint32_t nt = g.addNonterminal("array");
  g.setRule(nt, std::make_unique<ArrayRule>(std::move(spec)));
  out = static_cast<Symbol>(nt);
  return true;
}

} // namespace dec::cons
