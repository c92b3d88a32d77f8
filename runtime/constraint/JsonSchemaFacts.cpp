//===- JsonSchemaFacts.cpp - What a conjunction of schemas demands --------===//
#include "runtime/constraint/JsonSchemaFacts.h"

#include <algorithm>
#include <cmath>

namespace dec::cons {

using Json = SchemaJson;

uint8_t typeOfValue(const Json &v) {
  switch (v.type()) {
  case Json::value_t::null:
    return kTypeNull;
  case Json::value_t::boolean:
    return kTypeBoolean;
  case Json::value_t::object:
    return kTypeObject;
  case Json::value_t::array:
    return kTypeArray;
  case Json::value_t::string:
    return kTypeString;
  case Json::value_t::number_integer:
  case Json::value_t::number_unsigned:
    return kTypeInteger;
  case Json::value_t::number_float: {
    double d = v.get<double>();
    return std::isfinite(d) && d == std::floor(d) ? kTypeInteger : kTypeFraction;
  }
  default:
    return 0;
  }
}

namespace {

class Gatherer {
public:
  Gatherer(SchemaDoc &doc, Facts &f, std::string &error) : doc(doc), f(f), error(error) {}

  bool member(ConjElem e) {
    SchemaId id = elemSchema(e);
    const Json &s = doc.node(id);
    if (s.is_boolean()) {
      if (!s.get<bool>())
        f.types = 0;
      return true;
    }
    if (!s.is_object())
      return fail("a schema must be an object or a boolean", id);
    current = id;
    for (auto it = s.begin(); it != s.end(); ++it)
      if (!keyword(it.key(), it.value(), s, elemDone(e)))
        return false;
    return true;
  }

private:
  std::string where(SchemaId id) const { return doc.pointer(id).empty() ? "/" : doc.pointer(id); }
  bool fail(const std::string &message, SchemaId id) {
    error = message + " at " + where(id);
    return false;
  }
  bool unsupported(const std::string &key) { return fail("unsupported keyword '" + key + "'", current); }
  bool malformed(const std::string &key) { return fail("invalid value for keyword '" + key + "'", current); }

  static bool count(const Json &v, uint64_t &out) {
    if (v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0)) {
      out = v.get<uint64_t>();
      return true;
    }
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (d >= 0 && d == std::floor(d) && d < 1.8e19) {
        out = static_cast<uint64_t>(d);
        return true;
      }
    }
    return false;
  }
  static bool decimal(const Json &v, Decimal &out) {
    if (!v.is_number())
      return false;
    if (v.is_number_float() && !std::isfinite(v.get<double>()))
      return false;
    return Decimal::parse(v.dump(), out);
  }
  static void tightenLower(std::optional<NumberBound> &cur, const NumberBound &b) {
    if (!cur) {
      cur = b;
      return;
    }
    int c = compareDecimal(b.value, cur->value);
    if (c > 0)
      cur = b;
    else if (c == 0)
      cur->exclusive = cur->exclusive || b.exclusive;
  }
  static void tightenUpper(std::optional<NumberBound> &cur, const NumberBound &b) {
    if (!cur) {
      cur = b;
      return;
    }
    int c = compareDecimal(b.value, cur->value);
    if (c < 0)
      cur = b;
    else if (c == 0)
      cur->exclusive = cur->exclusive || b.exclusive;
  }
  static void addOnce(std::vector<SchemaId> &v, SchemaId id) {
    if (std::find(v.begin(), v.end(), id) == v.end())
      v.push_back(id);
  }
  bool typeBits(const Json &t, uint8_t &bits) {
    static const std::pair<const char *, uint8_t> names[] = {
        {"null", kTypeNull},       {"boolean", kTypeBoolean}, {"object", kTypeObject}, {"array", kTypeArray},
        {"string", kTypeString}, {"integer", kTypeInteger}, {"number", kTypeNumber}};
    auto one = [&](const Json &n) {
      if (!n.is_string())
        return false;
      for (auto [name, b] : names)
        if (n.get_ref<const std::string &>() == name) {
          bits |= b;
          return true;
        }
      return false;
    };
    bits = 0;
    if (t.is_array()) {
      for (const Json &n : t)
        if (!one(n))
          return false;
      return true;
    }
    return one(t);
  }
  void intersectEnum(const std::vector<Json> &values) {
    if (!f.haveEnum) {
      f.haveEnum = true;
      f.enumValues = values;
      return;
    }
    std::vector<Json> kept;
    for (const Json &v : f.enumValues)
      if (std::find(values.begin(), values.end(), v) != values.end())
        kept.push_back(v);
    f.enumValues = std::move(kept);
  }
  static bool trivial(const Json &s) { return (s.is_boolean() && s.get<bool>()) || (s.is_object() && s.empty()); }

  bool keyword(const std::string &k, const Json &v, const Json &s, uint32_t done) {
    if (k == "type") {
      uint8_t bits;
      if (!typeBits(v, bits))
        return v.is_string() && v.get<std::string>() == "any" ? unsupported("type: any") : malformed(k);
      f.types &= bits;
    } else if (k == "enum") {
      if (!v.is_array())
        return malformed(k);
      intersectEnum(std::vector<Json>(v.begin(), v.end()));
    } else if (k == "const") {
      intersectEnum({v});
    } else if (k == "minLength" || k == "maxLength") {
      uint64_t n;
      if (!count(v, n))
        return malformed(k);
      if (k == "minLength")
        f.minLength = std::max(f.minLength, n);
      else
        f.maxLength = std::min(f.maxLength, n);
    } else if (k == "pattern") {
      if (!v.is_string())
        return malformed(k);
      f.patterns.push_back({v.get<std::string>(), current});
    } else if (k == "format") {
      if (v.is_string())
        f.formats.push_back({v.get<std::string>(), current});
    } else if (k == "minimum" || k == "maximum") {
      Decimal d;
      if (!decimal(v, d))
        return malformed(k);
      // Draft 4: "exclusiveMinimum": true makes "minimum" exclusive.
      const char *flag = k == "minimum" ? "exclusiveMinimum" : "exclusiveMaximum";
      bool exclusive = s.contains(flag) && s[flag].is_boolean() && s[flag].get<bool>();
      if (k == "minimum")
        tightenLower(f.number.lower, {d, exclusive});
      else
        tightenUpper(f.number.upper, {d, exclusive});
    } else if (k == "exclusiveMinimum" || k == "exclusiveMaximum") {
      if (v.is_boolean())
        return true; // draft 4 flag, read with minimum/maximum
      Decimal d;
      if (!decimal(v, d))
        return malformed(k);
      if (k == "exclusiveMinimum")
        tightenLower(f.number.lower, {d, true});
      else
        tightenUpper(f.number.upper, {d, true});
    } else if (k == "multipleOf" || k == "divisibleBy") {
      Decimal d;
      if (!decimal(v, d) || d.negative || d.isZero())
        return malformed(k);
      f.number.multipleOf.push_back(d);
    } else if (k == "properties" || k == "patternProperties") {
      if (!v.is_object())
        return malformed(k);
      addOnce(f.objectMembers, current);
    } else if (k == "additionalProperties") {
      if (!v.is_object() && !v.is_boolean())
        return malformed(k);
      addOnce(f.objectMembers, current);
    } else if (k == "required") {
      if (!v.is_array())
        return v.is_boolean() ? unsupported("required (draft 3 boolean form)") : malformed(k);
      for (const Json &n : v) {
        if (!n.is_string())
          return malformed(k);
        f.required.insert(n.get<std::string>());
      }
    } else if (k == "minProperties" || k == "maxProperties") {
      uint64_t n;
      if (!count(v, n))
        return malformed(k);
      if (k == "minProperties")
        f.minProperties = std::max(f.minProperties, n);
      else
        f.maxProperties = std::min(f.maxProperties, n);
    } else if (k == "propertyNames") {
      if (!trivial(v))
        f.propertyNames.push_back(doc.child(current, k));
    } else if (k == "dependentRequired" || k == "dependencies" || k == "dependentSchemas") {
      if (!v.is_object())
        return malformed(k);
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (it->is_array() && k != "dependentSchemas") {
          for (const Json &n : *it) {
            if (!n.is_string())
              return malformed(k);
            f.dependentRequired.push_back({it.key(), n.get<std::string>()});
          }
        } else if ((it->is_object() || it->is_boolean()) && k != "dependentRequired") {
          if (!trivial(*it))
            return unsupported(k + " (schema form)");
        } else {
          return malformed(k);
        }
      }
    } else if (k == "items" || k == "prefixItems" || k == "additionalItems") {
      if (!v.is_object() && !v.is_boolean() && !v.is_array())
        return malformed(k);
      addOnce(f.arrayMembers, current);
    } else if (k == "minItems" || k == "maxItems") {
      uint64_t n;
      if (!count(v, n))
        return malformed(k);
      if (k == "minItems")
        f.minItems = std::max(f.minItems, n);
      else
        f.maxItems = std::min(f.maxItems, n);
    } else if (k == "uniqueItems") {
      if (!v.is_boolean())
        return malformed(k);
      // Only enforceable when at most one item can appear.
      if (v.get<bool>() && !(s.contains("maxItems") && s["maxItems"].is_number() && s["maxItems"].get<double>() <= 1))
        return unsupported(k);
    } else if (k == "contains") {
      return unsupported(k);
    } else if (k == "anyOf" || k == "oneOf") {
      if (!v.is_array() || v.empty())
        return malformed(k);
      if (!(done & (k == "oneOf" ? kOneOfDone : kAnyOfDone))) {
        Facts::Group g{current, k == "oneOf", {}};
        for (size_t i = 0; i < v.size(); ++i)
          g.alternatives.push_back(doc.child(current, k, i));
        f.groups.push_back(std::move(g));
      }
    } else if (k == "allOf") {
      if (!v.is_array() || v.empty())
        return malformed(k);
    } else if (k == "not") {
      if (!v.is_object() && !v.is_boolean())
        return malformed(k);
      f.nots.push_back(doc.child(current, k));
    } else if (k == "if") {
      // A boolean `if` is resolved when flattening; others are refused.
      if ((s.contains("then") || s.contains("else")) && !v.is_boolean() && !(v.is_object() && v.empty()))
        return unsupported("if");
    } else if (k == "unevaluatedProperties" || k == "unevaluatedItems") {
      if (!trivial(v))
        return unsupported(k);
    } else if (k == "$dynamicRef" || k == "$recursiveRef" || k == "disallow" || k == "extends") {
      return unsupported(k);
    }
    // Everything else annotates (title, description, default, examples,
    // $comment, deprecated, readOnly, contentMediaType, ...) or is unknown.
    return true;
  }

  SchemaDoc &doc;
  Facts &f;
  std::string &error;
  SchemaId current = 0;
};

} // namespace

bool gatherFacts(SchemaDoc &doc, const Conj &flat, Facts &f, std::string &error) {
  Gatherer g(doc, f, error);
  for (ConjElem e : flat)
    if (!g.member(e))
      return false;
  if (f.haveEnum) {
    uint8_t enumTypes = 0;
    for (const Json &v : f.enumValues)
      enumTypes |= typeOfValue(v);
    f.types &= enumTypes;
  }
  return true;
}

} // namespace dec::cons
