//===- JsonRules.h - Lazy rule automata for JSON objects/arrays -*- C++ -*-===//
//
// ObjectRule: "{", then members in any order, each named property at most
// once, other keys through key regions (patternProperties /
// additionalProperties, whose key regexes exclude the named properties), and
// "}" only once the required properties (and dependentRequired ones) are
// present and the member count is within min/maxProperties. The automaton
// state is (phase, key being read, set of named properties seen, number of
// other members); states are interned as they are first reached, so a schema
// with 300 optional properties costs only the states a generation visits.
//
// ArrayRule: "[", items separated by commas, item i matching prefixItems[i]
// or the rest schema, between minItems and maxItems of them.
//
// Both only offer a transition when completing the value stays possible
// afterwards (feasible()), which keeps every parser state live: the engine
// never lets a generation into a corner it cannot finish.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_JSONRULES_H
#define DEC_RUNTIME_CONSTRAINT_JSONRULES_H

#include "runtime/constraint/Grammar.h"

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

namespace dec::cons {

constexpr Symbol kNoSymbol = std::numeric_limits<int32_t>::min();
constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();

struct ObjectSpec {
  struct Named {
    Symbol keyFirst, keyNext; ///< key lexemes without / with the leading comma
    Symbol value;             ///< kNoSymbol: the property must not appear
    bool required = false;
    std::vector<uint32_t> dependencies; ///< named indices required with this one
  };
  struct Region {
    Symbol keyFirst, keyNext, value;
  };
  Symbol open, close;
  std::vector<Named> named;
  std::vector<Region> regions;
  uint64_t minProperties = 0, maxProperties = kNoLimit;
};

class ObjectRule : public RuleSource {
public:
  explicit ObjectRule(ObjectSpec spec);
  uint32_t start() override;
  void expand(const Grammar &g, uint32_t state, std::vector<std::pair<Symbol, uint32_t>> &edges,
              bool &accepting) override;
  bool productive(const Grammar &g) override;
  bool nullable(const Grammar &) override { return false; }

private:
  enum Phase : uint8_t { Start, AfterOpen, AfterKey, AfterValue, Done };
  struct State {
    Phase phase;
    int32_t key; ///< in AfterKey: named index, or -1 - region index
    uint64_t others;
    std::vector<uint64_t> seen;
  };
  uint32_t intern(const State &s);
  bool has(const State &s, size_t i) const { return (s.seen[i / 64] >> (i % 64)) & 1; }
  /// Named properties that must still be added: required or depended on.
  bool missing(const Grammar &g, const State &s, std::vector<uint32_t> &out) const;
  bool feasible(const Grammar &g, const State &s) const;
  bool closeable(const Grammar &g, const State &s) const;
  uint64_t count(const State &s) const;

  ObjectSpec spec;
  std::vector<State> states;
  std::unordered_map<std::string, uint32_t> index;
  uint64_t othersCap;
};

struct ArraySpec {
  Symbol open, close, comma;
  std::vector<Symbol> prefix;
  Symbol rest = kNoSymbol; ///< items after the prefix; kNoSymbol: none allowed
  uint64_t minItems = 0, maxItems = kNoLimit;
};

class ArrayRule : public RuleSource {
public:
  explicit ArrayRule(ArraySpec spec) : spec(std::move(spec)) {}
  uint32_t start() override { return 0; }
  void expand(const Grammar &g, uint32_t state, std::vector<std::pair<Symbol, uint32_t>> &edges,
              bool &accepting) override;
  bool productive(const Grammar &g) override;
  bool nullable(const Grammar &) override { return false; }

private:
  Symbol item(size_t i) const { return i < spec.prefix.size() ? spec.prefix[i] : spec.rest; }
  /// The largest item count reachable (items up to it all productive).
  uint64_t reachableItems(const Grammar &g) const;
  // States: 0 = start, 1 = done, then (phase, count) pairs.
  uint32_t encode(int phase, uint64_t count);
  void decode(uint32_t state, int &phase, uint64_t &count) const;

  ArraySpec spec;
  std::vector<std::pair<int, uint64_t>> states{{0, 0}, {1, 0}};
  std::unordered_map<uint64_t, uint32_t> index;
};

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_JSONRULES_H
