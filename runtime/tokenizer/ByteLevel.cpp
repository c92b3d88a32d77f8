//===- ByteLevel.cpp - GPT-2's byte <-> unicode alphabet ------------------===//

#include "runtime/tokenizer/ByteLevel.h"

#include "runtime/tokenizer/Utf8.h"

#include <array>

namespace dec::byte_level {
namespace {

/// Bytes that GPT-2 keeps as themselves: they are printable and not spaces.
bool isSelfRepresenting(unsigned b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Alphabet {
  std::array<char32_t, 256> byteToCodepoint{};
  /// Every code point of the alphabet is below U+0144 (0x100 + 68).
  std::array<int16_t, 0x144> codepointToByte{};

  Alphabet() {
    codepointToByte.fill(-1);
    unsigned nextShifted = 0;
    for (unsigned b = 0; b < 256; ++b) {
      char32_t c = isSelfRepresenting(b) ? b : 0x100 + nextShifted++;
      byteToCodepoint[b] = c;
      codepointToByte[c] = static_cast<int16_t>(b);
    }
  }
};

const Alphabet &alphabet() {
  static const Alphabet table;
  return table;
}

} // namespace

char32_t byteToCodepoint(uint8_t b) { return alphabet().byteToCodepoint[b]; }

int codepointToByte(char32_t c) {
  return c < alphabet().codepointToByte.size() ? alphabet().codepointToByte[c] : -1;
}

std::string encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes)
    utf8::appendCodepoint(out, byteToCodepoint(b));
  return out;
}

bool decodeInto(std::string_view text, std::string &out) {
  out.clear();
  for (size_t pos = 0; pos < text.size();) {
    // The alphabet is ASCII or 2-byte UTF-8, so decode those directly.
    unsigned char lead = static_cast<unsigned char>(text[pos]);
    int b;
    if (lead < 0x80) {
      b = codepointToByte(lead);
      pos += 1;
    } else {
      utf8::Unit unit = utf8::decodeAt(text, pos);
      b = unit.valid ? codepointToByte(unit.codepoint) : -1;
      pos += unit.length;
    }
    if (b < 0)
      return false;
    out.push_back(static_cast<char>(b));
  }
  return true;
}

std::optional<std::string> decode(std::string_view text) {
  std::string out;
  if (!decodeInto(text, out))
    return std::nullopt;
  return out;
}

} // namespace dec::byte_level
