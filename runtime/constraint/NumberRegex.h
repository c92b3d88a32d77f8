//===- NumberRegex.h - JSON numbers with exact bounds and divisors -*- C++ -*-===//
//
// JSON Schema's numeric keywords compiled exactly, digit by digit: a bound
// "x >= 1.25" is a DFA that compares the digits of x with those of 1.25 as
// they arrive (longer integer part = larger; equal length = lexicographic;
// then the fraction, padded with zeros), and "multipleOf 0.05" is a DFA
// tracking the remainder of x * 100 modulo 5. No floating point is involved,
// so 0.1 + 0.2 style surprises cannot make the engine accept an out-of-range
// number. Numbers in exponent notation are only accepted when there is no
// bound or divisor to check (their value would need unbounded arithmetic).
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_NUMBERREGEX_H
#define DEC_RUNTIME_CONSTRAINT_NUMBERREGEX_H

#include "runtime/constraint/Regex.h"

#include <optional>
#include <string>

namespace dec::cons {

/// An exact decimal: sign, integer digits without leading zeros ("0" for
/// zero) and fraction digits without trailing zeros.
struct Decimal {
  bool negative = false;
  std::string intDigits = "0";
  std::string fracDigits;
  /// Parses JSON number syntax (exponents included); false on bad syntax or
  /// an exponent too large to expand.
  static bool parse(const std::string &text, Decimal &out);
  bool isZero() const { return intDigits == "0" && fracDigits.empty(); }
  bool isInteger() const { return fracDigits.empty(); }
  Decimal negated() const {
    Decimal d = *this;
    d.negative = !isZero() && !negative;
    return d;
  }
  std::string toString() const;
};
int compareDecimal(const Decimal &a, const Decimal &b);

struct NumberBound {
  Decimal value;
  bool exclusive = false;
};

struct NumberSpec {
  bool integerOnly = false;
  /// Whether an integer may be written with a zero fraction ("3.0"): yes
  /// since draft 6, no in draft 4 (where 3.0 is not an integer).
  bool zeroFractionInteger = true;
  std::optional<NumberBound> lower, upper;
  std::vector<Decimal> multipleOf; ///< positive
};

/// The regex of JSON number spellings whose value satisfies `spec` (empty
/// language when none does). Fails with a message
/// when an automaton would be too large (a huge divisor).
bool numberRegex(RegexBuilder &rx, const NumberSpec &spec, RegexId &out, std::string &error);

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_NUMBERREGEX_H
