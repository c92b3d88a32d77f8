//===- JsonSchemaFacts.h - What a conjunction of schemas demands -*- C++ -*-===//
//
// The compiler works on conjunctions: a value must satisfy every schema of a
// set at once (a subschema, plus what allOf and $ref add, plus the sibling
// schemas that apply to the same property). gatherFacts() reads the keywords
// of such a set into one record — types intersected, bounds tightened, enum
// values intersected, object and array keywords kept per member schema
// (their meaning depends on the member: additionalProperties of one member
// covers keys that another member's properties name).
//
// It is also where unsupported keywords are refused: every keyword that
// asserts something is either understood here or reported as
// "unsupported keyword 'K' at /pointer". Keywords that only annotate
// (title, description, default, examples, ...) and unknown ones are ignored,
// as JSON Schema prescribes.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_JSONSCHEMAFACTS_H
#define DEC_RUNTIME_CONSTRAINT_JSONSCHEMAFACTS_H

#include "runtime/constraint/JsonRules.h"
#include "runtime/constraint/JsonSchemaDoc.h"
#include "runtime/constraint/NumberRegex.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dec::cons {

/// JSON types as bits; numbers split into integer and non-integer values.
enum : uint8_t {
  kTypeNull = 1,
  kTypeBoolean = 2,
  kTypeObject = 4,
  kTypeArray = 8,
  kTypeString = 16,
  kTypeInteger = 32,
  kTypeFraction = 64, ///< numbers that are not integers
  kTypeNumber = kTypeInteger | kTypeFraction,
  kTypeScalar = kTypeNull | kTypeBoolean | kTypeString | kTypeNumber,
  kTypeAll = 127,
};

/// A member of a conjunction: a schema, with flags for the combinators
/// already distributed into the conjunction (one of whose alternatives is
/// then a member too).
using ConjElem = uint32_t;
enum : uint32_t { kAnyOfDone = 1, kOneOfDone = 2, kDoneMask = 3 };
inline ConjElem conjElem(SchemaId id, uint32_t done = 0) { return (id << 2) | done; }
inline SchemaId elemSchema(ConjElem e) { return e >> 2; }
inline uint32_t elemDone(ConjElem e) { return e & kDoneMask; }
using Conj = std::vector<ConjElem>; ///< sorted, no duplicates

struct Facts {
  uint8_t types = kTypeAll;
  bool haveEnum = false;
  std::vector<SchemaJson> enumValues;
  // Strings.
  uint64_t minLength = 0, maxLength = kNoLimit;
  std::vector<std::pair<std::string, SchemaId>> patterns;
  std::vector<std::pair<std::string, SchemaId>> formats;
  // Numbers.
  NumberSpec number;
  // Objects: the member schemas with properties / patternProperties /
  // additionalProperties, and the keywords that combine by intersection.
  std::vector<SchemaId> objectMembers;
  std::set<std::string> required;
  std::set<std::string> forbidden; ///< from not: {required: [..]}
  uint64_t minProperties = 0, maxProperties = kNoLimit;
  std::vector<SchemaId> propertyNames;
  std::vector<std::pair<std::string, std::string>> dependentRequired; ///< (if present, then required)
  // Arrays: member schemas with items / prefixItems / additionalItems.
  std::vector<SchemaId> arrayMembers;
  uint64_t minItems = 0, maxItems = kNoLimit;
  // Combinators still to apply.
  struct Group {
    SchemaId owner;
    bool oneOf;
    std::vector<SchemaId> alternatives;
  };
  std::vector<Group> groups;
  std::vector<SchemaId> nots;

  bool hasObjectKeywords() const {
    return !objectMembers.empty() || !required.empty() || !forbidden.empty() || minProperties > 0 ||
           maxProperties != kNoLimit || !propertyNames.empty() || !dependentRequired.empty();
  }
  bool hasArrayKeywords() const { return !arrayMembers.empty() || minItems > 0 || maxItems != kNoLimit; }
};

/// The type bits of a JSON value.
uint8_t typeOfValue(const SchemaJson &v);

/// Reads the keywords of the flattened conjunction `flat` (no $ref / allOf
/// left to expand) into `f`. False with a message naming the keyword and its
/// pointer on anything unsupported or malformed.
bool gatherFacts(SchemaDoc &doc, const Conj &flat, Facts &f, std::string &error);

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_JSONSCHEMAFACTS_H
