//===- Regex.h - Byte regexes with lazy Brzozowski derivatives --*- C++ -*-===//
//
// Every terminal of a constraint (a JSON string with its pattern and length,
// a number range, a literal, a user regex) is a regex over bytes. Regexes are
// hash-consed: structurally equal expressions (modulo associativity,
// commutativity and idempotence of | and &) get the same id, so the
// derivative of a regex by a byte is again a small id and the set of
// derivatives reachable from a regex is finite. That set *is* the DFA, built
// lazily: only the states a token or a mask walk actually reaches are ever
// constructed, which is what makes compiling a schema cheap.
//
// Besides the usual operators the language has intersection (&), complement
// (~) and embedded explicit DFAs (number ranges, divisibility), so "a string
// of at most 20 characters that matches this pattern and is not one of these
// keys" is one regex. With & and ~ a non-empty expression can denote the
// empty language; isEmpty() decides it by exploring derivatives, and callers
// treat "don't know within the budget" as empty (rejecting is always sound).
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_REGEX_H
#define DEC_RUNTIME_CONSTRAINT_REGEX_H

#include "runtime/constraint/ByteSet.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace dec::cons {

using RegexId = uint32_t;
constexpr RegexId kNothing = 0; ///< the empty language
constexpr RegexId kEmpty = 1;   ///< the empty string only
constexpr uint32_t kUnbounded = UINT32_MAX;

enum class RxKind : uint8_t { Nothing, Empty, Bytes, Concat, Or, And, Not, Repeat, Dfa };

/// An explicit DFA over bytes, embedded in regexes as `dfa(table, state)`.
/// `next[s * 256 + b]` is the successor or -1; states that cannot reach an
/// accepting state are treated as dead.
struct DfaTable {
  std::vector<int32_t> next;
  std::vector<uint8_t> accepting;
  int32_t numStates() const { return static_cast<int32_t>(accepting.size()); }
};

/// Per state of `table`, whether an accepting state is reachable from it.
std::vector<uint8_t> liveStates(const DfaTable &table);

/// A partition of the 256 byte values into classes that no regex of the
/// builder distinguishes: derivatives by two bytes of one class are equal.
struct ByteClasses {
  uint8_t classOf[256] = {};
  std::vector<uint8_t> representative; ///< one byte per class
  int numClasses() const { return static_cast<int>(representative.size()); }
};

class RegexBuilder {
public:
  RegexBuilder();

  // ---- Construction (all results are simplified and hash-consed) ----------
  RegexId bytes(const ByteSet &set);
  RegexId byte(uint8_t b) { return bytes(ByteSet::single(b)); }
  RegexId literal(std::string_view text);
  RegexId concat(RegexId head, RegexId tail);
  RegexId concat(const std::vector<RegexId> &parts);
  RegexId alt(std::vector<RegexId> parts);
  RegexId alt(RegexId a, RegexId b) { return alt(std::vector<RegexId>{a, b}); }
  RegexId intersect(std::vector<RegexId> parts);
  RegexId intersect(RegexId a, RegexId b) { return intersect(std::vector<RegexId>{a, b}); }
  RegexId complement(RegexId r);
  RegexId repeat(RegexId r, uint32_t min, uint32_t max);
  RegexId optional(RegexId r) { return repeat(r, 0, 1); }
  RegexId star(RegexId r) { return repeat(r, 0, kUnbounded); }
  RegexId plus(RegexId r) { return repeat(r, 1, kUnbounded); }
  /// Every byte string (the complement of the empty language).
  RegexId anything() { return anything_; }
  /// A memo for derived constructions keyed by the caller (e.g. a number
  /// spec): the stored regex, or nullptr.
  const RegexId *memoized(const std::string &key) const {
    auto it = memo.find(key);
    return it == memo.end() ? nullptr : &it->second;
  }
  void memoize(const std::string &key, RegexId r) { memo[key] = r; }
  /// Registers an explicit DFA; returns its table index for dfa(). A table
  /// equal to one registered before gets that one's index.
  uint32_t addDfa(DfaTable table);
  RegexId dfa(uint32_t table, int32_t state);

  // ---- Inspection ----------------------------------------------------------
  RxKind kind(RegexId r) const { return nodes[r].kind; }
  bool nullable(RegexId r) const { return nodes[r].flags & kNullable; }
  /// Whether the expression uses & or ~ (so non-Nothing may still be empty).
  bool usesBooleanOps(RegexId r) const { return nodes[r].flags & kBoolOps; }
  const ByteSet &byteSet(RegexId r) const { return byteSets[nodes[r].a]; }
  RegexId concatHead(RegexId r) const { return nodes[r].a; }
  RegexId concatTail(RegexId r) const { return nodes[r].b; }
  RegexId repeatBody(RegexId r) const { return nodes[r].a; }
  uint32_t repeatMin(RegexId r) const { return nodes[r].b; }
  uint32_t repeatMax(RegexId r) const { return nodes[r].c; }
  RegexId notOperand(RegexId r) const { return nodes[r].a; }
  /// The operands of an Or or And node.
  std::vector<RegexId> listItems(RegexId r) const {
    return {listPool.begin() + nodes[r].a, listPool.begin() + nodes[r].a + nodes[r].b};
  }
  size_t numNodes() const { return nodes.size(); }
  std::string toString(RegexId r) const;

  // ---- Derivatives and emptiness -------------------------------------------
  RegexId derivative(RegexId r, uint8_t b);
  /// The derivative by a whole string (kNothing once it dies).
  RegexId derivative(RegexId r, std::string_view s);
  enum class Emptiness { Empty, NonEmpty, Unknown };
  /// Decides L(r) = {} by searching derivatives for a nullable one, visiting
  /// at most `budget` expressions. Results other than Unknown are cached.
  Emptiness emptiness(RegexId r, size_t budget = 2000);
  /// Sound liveness: true only when L(r) is known to be non-empty.
  bool isLive(RegexId r, size_t budget = 2000) {
    return r != kNothing && (!usesBooleanOps(r) || emptiness(r, budget) == Emptiness::NonEmpty);
  }
  /// Whether `text` is in L(r).
  bool matches(RegexId r, std::string_view text);
  /// The byte partition induced by every byte set and DFA table created so
  /// far (recomputed when they change).
  const ByteClasses &byteClasses();

private:
  enum : uint8_t { kNullable = 1, kBoolOps = 2 };
  struct Node {
    RxKind kind;
    uint8_t flags;
    uint32_t a = 0, b = 0, c = 0; ///< meaning depends on kind (see Regex.cpp)
  };
  RegexId intern(RxKind kind, uint32_t a, uint32_t b, uint32_t c, uint8_t flags,
                 const RegexId *list = nullptr, uint32_t listLen = 0);
  RegexId makeList(RxKind kind, std::vector<RegexId> &parts);
  const RegexId *listBegin(RegexId r) const { return &listPool[nodes[r].a]; }
  uint32_t listSize(RegexId r) const { return nodes[r].b; }
  RegexId computeDerivative(RegexId r, uint8_t b);
  // Emptiness without search: structure (Concat/Or) and length windows.
  Emptiness quickEmptiness(RegexId r);
  Emptiness lengthWindow(RegexId charClass, uint32_t lo, uint32_t hi, RegexId rest);
  bool buildLengthTables(RegexId charClass, RegexId root);
  void wordSuccessors(RegexId charClass, RegexId s, std::vector<RegexId> &out);
  size_t countedItems(const std::vector<RegexId> &items, RegexId cls) const;
  void print(RegexId r, std::string &out, int depth) const;

  std::vector<Node> nodes;
  std::vector<RegexId> listPool;
  std::vector<ByteSet> byteSets;
  std::vector<DfaTable> dfas;
  std::vector<std::vector<uint8_t>> dfaLive; ///< per table, per state
  /// Per table, the class of each byte by its column (bytes with identical
  /// columns behave alike in that table); computed once in addDfa.
  std::vector<std::array<uint32_t, 256>> dfaColumns;
  std::unordered_map<uint64_t, std::vector<uint32_t>> dfaByHash; ///< content hash -> tables
  std::unordered_map<std::string, RegexId> memo;
  std::unordered_map<std::string, RegexId> internTable;
  std::unordered_map<std::string, uint32_t> byteSetIndex;
  std::unordered_map<uint64_t, RegexId> derivativeCache;
  std::unordered_map<RegexId, bool> emptinessCache;
  /// Per (character class, regex): which completion lengths, counted in
  /// words of the class, the regex has (bit i: length i), up to kHorizon;
  /// `pumpLimit` is the number of states explored with it (see
  /// RegexEmptiness.cpp).
  static constexpr uint32_t kHorizon = 512;
  struct LengthTable {
    uint64_t bits[kHorizon / 64];
    uint32_t pumpLimit;
  };
  std::unordered_map<uint64_t, uint32_t> lengthIndex;
  std::vector<LengthTable> lengthTables;
  std::unordered_set<uint64_t> lengthFailed;
  RegexId anything_ = 0;
  ByteClasses classes;
  bool classesValid = false;
};

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_REGEX_H
