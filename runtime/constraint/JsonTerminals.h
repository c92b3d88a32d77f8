//===- JsonTerminals.h - Lexemes of JSON text -------------------*- C++ -*-===//
//
// The byte-level spellings the JSON constraints produce. Every JSON value has
// exactly one accepted spelling — the one Python's
// json.dumps(ensure_ascii=False) writes: strings escape only '"', '\\' and
// control characters (as \n \r \t \b \f or \u00XX), everything else is raw
// UTF-8. One spelling per value is what makes string keywords exact at the
// byte level: a pattern or a length bound on the decoded string becomes a
// regex on its spelling, and "a key other than these names" is a complement
// of their spellings (no "\u0061" spelling of "a" can sneak past).
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_JSONTERMINALS_H
#define DEC_RUNTIME_CONSTRAINT_JSONTERMINALS_H

#include "runtime/constraint/CharSet.h"
#include "runtime/constraint/Constraint.h"
#include "runtime/constraint/JsonSchemaDoc.h"
#include "runtime/constraint/Regex.h"

#include <nlohmann/json.hpp>

#include <string>

namespace dec::cons {

class JsonTerminals {
public:
  explicit JsonTerminals(ConstraintBuilder &b);

  /// One character of `set`, as spelled inside a JSON string.
  RegexId chars(const CharSet &set);
  /// Any one character, spelled inside a JSON string.
  RegexId anyChar() const { return anyChar_; }
  /// The spelling of `text` inside a JSON string (without quotes).
  static std::string escape(std::string_view text);
  /// json.dumps(value) with this policy's separators.
  std::string serialize(const SchemaJson &value) const;
  /// The regex of the spellings of `value` (integral numbers also as "N.0"
  /// and "N", since JSON Schema compares numbers by value).
  RegexId valueLiteral(const SchemaJson &value);

  // Structural lexemes under the whitespace policy.
  RegexId openBrace() const { return openBrace_; }
  RegexId closeBrace() const { return closeBrace_; }
  RegexId openBracket() const { return openBracket_; }
  RegexId closeBracket() const { return closeBracket_; }
  RegexId comma() const { return comma_; }
  /// A member key: '"' body '"' then the colon separator, preceded by the
  /// comma separator unless it is the first member.
  RegexId key(RegexId body, bool first);
  /// A string value: '"' body '"'.
  RegexId string(RegexId body) { return rx.concat({quote_, body, quote_}); }
  /// Optional whitespace around a top-level value (flexible policy), or null.
  RegexId outerWhitespace() const { return outerWs_; }

private:
  ConstraintBuilder &b;
  RegexBuilder &rx;
  JsonWhitespace policy;
  RegexId anyChar_, quote_, openBrace_, closeBrace_, openBracket_, closeBracket_, comma_, colon_,
      outerWs_ = kNothing;
  CharSet plain_; ///< characters spelled as themselves
};

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_JSONTERMINALS_H
