//===- RegexParser.h - Regex syntax to byte regexes -------------*- C++ -*-===//
//
// Parses the common regex syntax (ECMAScript / PCRE / Python `re`) into the
// engine's byte regexes. Where dialects disagree the engine takes the
// *intersection* of their meanings, so that everything it generates matches
// under each of them (soundness); e.g. \d is [0-9] (ECMAScript) rather than
// every Unicode digit (Python), `.` excludes \n, \r, U+2028 and U+2029, and
// `$` matches only at the very end (no "before a final newline").
//
// Supported: literals, escapes (\n \t \xHH \uHHHH \u{H..} \cX ...), classes
// with ranges and negation, \d \w \s and their negations, \p{..}/\P{..} for
// general categories, `.`, groups (capturing, (?:..), named), alternation,
// * + ? {m} {m,} {m,n} (lazy forms have the same language), ^ and $ (also
// inside groups, exactly), (?i) and (?s) flags.
// Refused with an error naming the construct: backreferences, lookaround,
// \b \B, possessive quantifiers, anchors under repetition, unknown escapes
// of letters, Unicode scripts, and `{,n}` (a quantifier in Python, literal
// text in ECMAScript).
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_REGEXPARSER_H
#define DEC_RUNTIME_CONSTRAINT_REGEXPARSER_H

#include "runtime/constraint/CharSet.h"
#include "runtime/constraint/Regex.h"

#include <functional>
#include <string>
#include <string_view>

namespace dec::cons {

/// How characters of the pattern become bytes: plain UTF-8 for text
/// constraints, or JSON string-body spellings for JSON Schema `pattern`.
using CharEncoder = std::function<RegexId(RegexBuilder &, const CharSet &)>;

struct RegexSyntaxOptions {
  /// Match the whole input (regex constraints) or anywhere in it (JSON
  /// Schema `pattern`, which is unanchored).
  bool search = false;
  /// The union of the dialects' meanings instead of their intersection
  /// (\d: any Unicode digit, `.`: anything but \n, `$`: also before a final
  /// \n, ...): a superset of every dialect's language, for use under a
  /// complement (JSON Schema `not`), where the intersection would be unsound.
  bool wide = false;
  bool caseInsensitive = false;
  bool dotAll = false;
  /// Upper bound on m and n in {m,n}.
  uint32_t maxRepeat = 100000;
};

/// Compiles `pattern`; on error returns false and sets `error`.
bool compilePattern(RegexBuilder &rx, std::string_view pattern, const RegexSyntaxOptions &options,
                    const CharEncoder &encode, RegexId &out, std::string &error);

/// The plain UTF-8 encoder.
RegexId encodeUtf8(RegexBuilder &rx, const CharSet &set);

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_REGEXPARSER_H
