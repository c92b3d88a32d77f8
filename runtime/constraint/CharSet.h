//===- CharSet.h - Sets of Unicode code points and their UTF-8 --*- C++ -*-===//
//
// Regex character classes are sets of code points; automata run on bytes.
// utf8Regex() turns a set into the byte regex of its UTF-8 encodings (the
// classic split into byte-range sequences, as in RE2 and Rust's regex), so
// every state the engine reaches lies on a character boundary or inside one
// well-formed character: invalid UTF-8 is never accepted.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_CHARSET_H
#define DEC_RUNTIME_CONSTRAINT_CHARSET_H

#include "runtime/constraint/Regex.h"

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace dec::cons {

constexpr uint32_t kMaxCodePoint = 0x10FFFF;

/// Sorted, disjoint, non-adjacent ranges of code points (surrogates allowed
/// in the set but never encoded).
class CharSet {
public:
  CharSet() = default;
  static CharSet all() {
    CharSet s;
    s.addRange(0, kMaxCodePoint);
    return s;
  }
  static CharSet of(uint32_t lo, uint32_t hi) {
    CharSet s;
    s.addRange(lo, hi);
    return s;
  }
  void addRange(uint32_t lo, uint32_t hi);
  void add(uint32_t c) { addRange(c, c); }
  void addSet(const CharSet &other);
  CharSet complement() const;
  CharSet intersect(const CharSet &other) const;
  CharSet minus(const CharSet &other) const { return intersect(other.complement()); }
  bool contains(uint32_t c) const;
  bool empty() const { return ranges.empty(); }
  /// Adds the other ASCII case of every ASCII letter in the set.
  void addAsciiCaseVariants();
  const std::vector<std::pair<uint32_t, uint32_t>> &items() const { return ranges; }

private:
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
};

/// The code points of a Unicode general category or group by its short or
/// long name ("Lu", "L", "Letter", "Nd", "Decimal_Number", ...); false when
/// the name is unknown.
bool unicodeCategory(std::string_view name, CharSet &out);

/// One UTF-8 encoded character from `set` (surrogates excluded).
RegexId utf8Regex(RegexBuilder &rx, const CharSet &set);

/// Appends the UTF-8 encoding of `c` to `out`.
void appendUtf8(std::string &out, uint32_t c);

/// Decodes one UTF-8 character at `s[i]`; returns its length, or 0 when the
/// bytes there are not well-formed UTF-8.
int decodeUtf8(std::string_view s, size_t i, uint32_t &c);

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_CHARSET_H
