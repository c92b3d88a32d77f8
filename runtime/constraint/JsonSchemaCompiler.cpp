//===- JsonSchemaCompiler.cpp - JSON Schema to a grammar over lexemes -----===//
//
// The driver: conjunctions of schemas (flattening $ref, allOf and boolean
// if/then/else), and the memoized symbol of each conjunction: its scalar
// part (one lexeme) plus its object and array parts. See
// JsonSchemaCompiler.h for the design.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/JsonSchemaCompiler.h"

#include "runtime/constraint/FrontEnds.h"

#include <algorithm>
#include <set>

namespace dec::cons {

bool JsonSchemaCompiler::compile(std::string_view text, Symbol &out, std::string &err) {
  if (!doc.load(text, err))
    return false;
  Symbol root;
  if (!symbolFor({conjElem(doc.root())}, root)) {
    err = error;
    return false;
  }
  if (root == kNoSymbol) {
    err = "the schema matches no value";
    return false;
  }
  if (terms.outerWhitespace() != kNothing) {
    Symbol ws = regexSymbol(b, rx.optional(terms.outerWhitespace()));
    root = b.sequence({ws, root, ws});
  }
  out = root;
  return true;
}

bool JsonSchemaCompiler::fail(std::string message) {
  if (error.empty())
    error = std::move(message);
  return false;
}

/// Expands $ref and allOf; `contradiction` when a member is `false`.
bool JsonSchemaCompiler::flatten(const Conj &in, Conj &out, bool &contradiction) {
  contradiction = false;
  std::vector<ConjElem> work(in.rbegin(), in.rend());
  std::vector<ConjElem> result;
  std::set<ConjElem> seen;
  while (!work.empty()) {
    ConjElem e = work.back();
    work.pop_back();
    if (!seen.insert(e).second)
      continue;
    SchemaId id = elemSchema(e);
    const Json &s = doc.node(id);
    if (s.is_boolean()) {
      if (!s.get<bool>())
        contradiction = true;
      continue;
    }
    if (!s.is_object())
      return fail("a schema must be an object or a boolean at " + where(id));
    if (s.contains("$ref")) {
      SchemaId target;
      std::string message;
      if (!doc.resolveRef(id, target, message))
        return fail(message);
      work.push_back(conjElem(target));
      if (doc.refOverridesSiblings())
        continue; // drafts 3-7: the other keywords next to $ref are ignored
    }
    result.push_back(e);
    auto all = s.find("allOf");
    if (all != s.end() && all->is_array())
      for (size_t i = 0; i < all->size(); ++i)
        work.push_back(conjElem(doc.child(id, "allOf", i)));
    // if/then/else with a boolean `if` (true or {}: then; false: else).
    auto cond = s.find("if");
    if (cond != s.end() && (cond->is_boolean() || (cond->is_object() && cond->empty()))) {
      bool holds = !cond->is_boolean() || cond->get<bool>();
      const char *branch = holds ? "then" : "else";
      if (s.contains(branch))
        work.push_back(conjElem(doc.child(id, branch)));
    }
  }
  // A schema present several times with different combinators already
  // distributed: each distributed combinator has one of its alternatives
  // in the conjunction, which implies it, so the flags add up.
  std::sort(result.begin(), result.end());
  out.clear();
  for (ConjElem e : result) {
    if (!out.empty() && elemSchema(out.back()) == elemSchema(e))
      out.back() |= elemDone(e);
    else
      out.push_back(e);
  }
  return true;
}

bool JsonSchemaCompiler::factsOf(const Conj &conj, Conj &flat, Facts &f, bool &contradiction) {
  if (!flatten(conj, flat, contradiction))
    return false;
  if (contradiction)
    return true;
  std::string message;
  if (!gatherFacts(doc, flat, f, message))
    return fail(message);
  return true;
}

Conj JsonSchemaCompiler::unionOf(Conj a, const Conj &b) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  return a;
}

bool JsonSchemaCompiler::symbolFor(const Conj &conj, Symbol &out, bool structuredOnly) {
  Conj flat;
  bool contradiction;
  if (!flatten(conj, flat, contradiction))
    return false;
  if (contradiction) {
    out = kNoSymbol;
    return true;
  }
  Conj key = flat;
  if (structuredOnly)
    key.push_back(UINT32_MAX); // a different symbol for the same schemas
  auto memo = symbols.find(key);
  if (memo != symbols.end()) {
    if (memo->second.inProgress)
      memo->second.referenced = true;
    out = memo->second.symbol;
    return true;
  }
  if (++work > 20000)
    return fail("schema too large to compile (more than 20000 distinct subschema combinations)");
  uint32_t nt = g.addNonterminal("schema");
  symbols[key] = {static_cast<Symbol>(nt), true, false};
  Facts f;
  std::string message;
  if (!gatherFacts(doc, flat, f, message))
    return fail(message);
  std::vector<Symbol> parts;
  if (!structuredOnly) {
    ScalarPair scalars;
    if (!scalarPart(flat, scalars))
      return false;
    if (scalars.narrow != kNothing)
      parts.push_back(b.addLexeme(scalars.narrow));
  }
  if (f.types & (kTypeObject | kTypeArray)) {
    bool ok = f.groups.empty() ? structuredParts(f, parts) : alternativeParts(flat, f, parts);
    if (!ok)
      return false;
  }
  Entry &e = symbols[key];
  e.inProgress = false;
  if (parts.empty()) {
    e.symbol = out = kNoSymbol;
    return true;
  }
  Symbol result = parts.size() == 1 ? parts[0] : b.alternation(parts);
  if (!e.referenced) {
    e.symbol = out = result; // the placeholder stays unused
    return true;
  }
  g.setRule(nt, StaticRule::choice({result}));
  out = e.symbol;
  return true;
}

} // namespace dec::cons

namespace dec::cons {

bool compileJsonSchema(ConstraintBuilder &b, std::string_view schemaJson, Symbol &out, std::string &error) {
  JsonSchemaCompiler compiler(b);
  return compiler.compile(schemaJson, out, error);
}

} // namespace dec::cons
