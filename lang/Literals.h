//===- Literals.h - Decoding and printing literals -------------------------------*- C++ -*-===//
//
// String literal escapes (`\n \t \r \\ \" \0 \xHH \u{H...}`), numeric literal conversion,
// and the inverse: printing strings and numbers back in source syntax (for the AST and
// plan dumps and for diagnostics).  Decoding reports each problem with the byte offset
// inside the literal so the caller can point the caret at the exact character.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_LITERALS_H
#define DEC_LANG_LITERALS_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <functional>
#include <string>

namespace llvm {
class raw_ostream;
}

namespace dec::lang {

/// Decodes the spelling of a string literal including its quotes.  Calls `onError(offset,
/// length, message)` for every invalid escape (offsets relative to `spelling`) and returns
/// false if there was any.  The result is valid UTF-8 when the spelling is: `\xHH` is
/// limited to ASCII (at most \x7f) and `\u{...}` must name a Unicode scalar value.
bool decodeStringLiteral(
    llvm::StringRef spelling, std::string &result,
    const std::function<void(size_t offset, size_t length, const std::string &message)> &onError);

/// Parses a decimal integer literal.  Returns false when it does not fit in int64_t.
bool parseIntegerLiteral(llvm::StringRef spelling, int64_t &result);

/// Parses a floating-point literal.  Returns false when it overflows to infinity.
bool parseFloatLiteral(llvm::StringRef spelling, double &result);

/// Writes `value` as a dec string literal, quotes included: the escapes above for
/// control characters, quotes and backslashes, everything else as is.
void writeQuoted(llvm::raw_ostream &os, llvm::StringRef value);
std::string quoted(llvm::StringRef value);

/// The shortest decimal spelling that reads back as the same double ("0.8", "1e-05", "50").
std::string formatNumber(double value);

} // namespace dec::lang

#endif // DEC_LANG_LITERALS_H
