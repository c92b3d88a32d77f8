//===- Utf8.h - Lenient UTF-8 helpers for the tokenizer ---------*- C++ -*-===//
//
// The tokenizer accepts arbitrary bytes, so every helper here is total: a byte
// that does not start a well-formed UTF-8 sequence (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF) is treated as a one-byte "invalid" unit.
// That is the same unit PCRE2_MATCH_INVALID_UTF steps over.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_TOKENIZER_UTF8_H
#define DEC_RUNTIME_TOKENIZER_UTF8_H

#include <cstddef>
#include <string>
#include <string_view>

namespace dec::utf8 {

/// One decoded unit of a byte string.
struct Unit {
  char32_t codepoint; ///< Meaningful only when `valid`.
  unsigned length;    ///< Bytes consumed, 1..4; 1 for an invalid byte.
  bool valid;
};

/// Number of bytes a sequence starting with lead byte `b` claims (1..4), or 0
/// when `b` cannot start a sequence (continuation byte, C0/C1, F5..FF).
unsigned sequenceLengthForLead(unsigned char b);

/// Decodes the unit starting at `text[pos]` (pos < text.size()).
Unit decodeAt(std::string_view text, size_t pos);

/// Decodes the unit that ends exactly at `text[end - 1]` (end > 0). When the
/// bytes before `end` are not the tail of a well-formed sequence, the unit is
/// the single invalid byte `text[end - 1]`.
Unit decodeBefore(std::string_view text, size_t end);

/// Length of the longest prefix of `bytes` after which no well-formed sequence
/// is left unfinished: a trailing *truncated but so far well-formed* sequence
/// (e.g. the first 3 bytes of a 4-byte emoji) is excluded; invalid bytes are
/// not, since no later byte can make them valid.
size_t completePrefixLength(std::string_view bytes);

/// Unicode White_Space property (the definition of `\s` in Rust's `regex`
/// crate and in Oniguruma, and of Rust's `char::is_whitespace`).
bool isWhiteSpace(char32_t c);

void appendCodepoint(std::string &out, char32_t c);

} // namespace dec::utf8

#endif // DEC_RUNTIME_TOKENIZER_UTF8_H
