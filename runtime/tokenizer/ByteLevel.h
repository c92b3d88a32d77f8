//===- ByteLevel.h - GPT-2's byte <-> unicode alphabet ----------*- C++ -*-===//
//
// Byte-level BPE vocabularies are written in an alphabet of 256 printable code
// points, one per byte (GPT-2's `bytes_to_unicode()`): the printable Latin-1
// bytes '!'..'~', U+00A1..U+00AC and U+00AE..U+00FF stand for themselves and
// the remaining 68 bytes, in increasing order, for U+0100, U+0101, ... (so a
// space is 'Ġ' = U+0120 and a newline is 'Ċ' = U+010A).
//
// The tokenizer works on raw bytes internally and uses this table only at load
// time (to turn vocabulary and merge strings into bytes) and in tests.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_TOKENIZER_BYTELEVEL_H
#define DEC_RUNTIME_TOKENIZER_BYTELEVEL_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dec::byte_level {

/// The code point that stands for byte `b`.
char32_t byteToCodepoint(uint8_t b);

/// The byte code point `c` stands for, or -1 when `c` is not in the alphabet.
int codepointToByte(char32_t c);

/// Raw bytes -> their byte-level spelling (UTF-8 encoded).
std::string encode(std::string_view bytes);

/// Byte-level spelling -> raw bytes; nullopt when `text` is not valid UTF-8 or
/// contains a code point outside the alphabet.
std::optional<std::string> decode(std::string_view text);

/// decode() into `out` (replacing its contents), reusing its storage; false
/// in the cases where decode() returns nullopt.
bool decodeInto(std::string_view text, std::string &out);

} // namespace dec::byte_level

#endif // DEC_RUNTIME_TOKENIZER_BYTELEVEL_H
