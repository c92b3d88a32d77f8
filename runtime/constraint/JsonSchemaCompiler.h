//===- JsonSchemaCompiler.h - JSON Schema to a grammar over lexemes -*- C++ -*-===//
//
// Internal to the JSON Schema front end. A schema position compiles to a
// symbol, split by JSON type, because the boolean keywords (allOf, anyOf,
// oneOf, not) are exact on each type separately:
//
//   - the scalar part (null, booleans, numbers, strings) is ONE regex, built
//     with the regex engine's full boolean algebra: allOf = &, anyOf = |,
//     oneOf = "exactly one", not = complement. Bounds, patterns, formats and
//     enums are all regexes already, so any combination is exact
//     (JsonSchemaScalars.cpp);
//   - the structured part (objects, arrays) is lazy rule automata
//     (JsonRules.h). anyOf/oneOf are distributed (allOf of anyOf = anyOf of
//     allOfs) and oneOf is accepted when its object/array alternatives are
//     provably disjoint, so that it means the same as anyOf; `not` applies
//     where its object/array part is "all" or "none"
//     (JsonSchemaStructured.cpp, JsonSchemaCombinators.cpp).
//
// Symbols are memoized by their (flattened) conjunction of schemas, which
// also ties recursive $refs into recursive nonterminals.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_JSONSCHEMACOMPILER_H
#define DEC_RUNTIME_CONSTRAINT_JSONSCHEMACOMPILER_H

#include "runtime/constraint/Constraint.h"
#include "runtime/constraint/JsonRules.h"
#include "runtime/constraint/JsonSchemaDoc.h"
#include "runtime/constraint/JsonSchemaFacts.h"
#include "runtime/constraint/JsonTerminals.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dec::cons {

class JsonSchemaCompiler {
public:
  explicit JsonSchemaCompiler(ConstraintBuilder &b) : b(b), rx(b.regexes()), g(b.grammar()), terms(b) {}
  bool compile(std::string_view text, Symbol &out, std::string &err);

private:
  using Json = SchemaJson;

  // ---- Conjunctions and symbols (JsonSchemaCompiler.cpp) -----------------
  bool fail(std::string message);
  std::string where(SchemaId id) const { return doc.pointer(id).empty() ? "/" : doc.pointer(id); }
  /// Expands $ref, allOf and boolean if/then/else; `contradiction` when a
  /// member is `false`.
  bool flatten(const Conj &in, Conj &out, bool &contradiction);
  bool factsOf(const Conj &conj, Conj &flat, Facts &f, bool &contradiction);
  static Conj unionOf(Conj a, const Conj &b);
  /// The symbol of values satisfying every schema of `conj` (kNoSymbol for
  /// none); only its objects and arrays with `structuredOnly`.
  bool symbolFor(const Conj &conj, Symbol &out, bool structuredOnly = false);

  // ---- Scalars (JsonSchemaScalars.cpp) ------------------------------------
  /// A scalar language between two regexes: narrow ⊆ exact ⊆ wide (see
  /// JsonSchemaScalars.cpp); the engine generates from `narrow`.
  struct ScalarPair {
    RegexId narrow = kNothing, wide = kNothing;
  };
  /// The scalar values of a flattened conjunction.
  bool scalarPart(const Conj &flat, ScalarPair &out, int depth = 0);
  /// The scalar values of `types` under the facts' own keywords (no
  /// combinators), narrow or wide.
  bool scalarRegex(const Facts &f, uint8_t types, bool wide, RegexId &out);
  /// The scalar values of an enum (narrow: as listed; wide: any spelling).
  RegexId enumRegex(const std::vector<Json> &values, bool wide);
  /// Every number in exponent notation.
  RegexId exponentNumbers();
  bool stringBody(const Facts &f, bool wide, RegexId &out);
  /// A `pattern` (ECMAScript, unanchored) over the spelling of a string body.
  bool patternRegex(const std::string &pattern, SchemaId at, bool wide, RegexId &out);

  // ---- Objects and arrays (JsonSchemaStructured.cpp) -----------------------
  bool structuredParts(Facts &f, std::vector<Symbol> &parts);
  /// anyOf/oneOf over the object/array alternatives.
  bool alternativeParts(const Conj &flat, const Facts &f, std::vector<Symbol> &parts);
  /// The object/array effect of `not`: excluding all objects (arrays), or
  /// forbidding a property; refused otherwise.
  bool applyStructuredNots(Facts &f);
  /// Exactly `v`, members in any order, numbers in any spelling of the value.
  Symbol constSymbol(const Json &v);
  bool memberSchemasFor(SchemaId m, const std::string &name, Conj &out);
  bool propertyNamesRegex(const Facts &f, RegexId &out);
  bool objectSymbol(const Facts &f, Symbol &out);
  bool keyRegions(const Facts &f, RegexId allowedKeys, RegexId named, std::vector<ObjectSpec::Region> &regions);
  void arrayMemberParts(SchemaId m, std::vector<SchemaId> &prefix, std::optional<SchemaId> &rest);
  bool arraySymbol(const Facts &f, Symbol &out);

  // ---- Combinators on objects/arrays (JsonSchemaCombinators.cpp) ----------
  enum class Status : int8_t { None, All, Complex };
  struct Structured {
    Status objects = Status::None, arrays = Status::None;
  };
  /// Whether a conjunction accepts no object (array), every object, or some.
  bool structuredStatus(const Conj &conj, Structured &out, int depth = 0);
  /// True in `result` only when no object or array satisfies both (scalars
  /// are compared exactly elsewhere). Over-approximates each side, so
  /// "disjoint" is always right.
  bool provablyDisjoint(const Conj &a, const Conj &b, int depth, bool &result);
  /// The same for whole values: scalars too.
  bool valuesDisjoint(const Conj &a, const Conj &b, int depth, bool &result);
  bool keySchemas(const Facts &f, const std::string &name, Conj &out);
  bool objectsDisjoint(const Facts &A, const Facts &B, int depth, bool &result);

  struct Entry {
    Symbol symbol;
    bool inProgress;
    bool referenced;
  };

  ConstraintBuilder &b;
  RegexBuilder &rx;
  Grammar &g;
  JsonTerminals terms;
  SchemaDoc doc;
  std::map<Conj, Entry> symbols;
  std::map<Conj, ScalarPair> scalarParts;
  std::map<std::string, RegexId> patterns;
  std::string error;
  size_t work = 0;
};

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_JSONSCHEMACOMPILER_H
