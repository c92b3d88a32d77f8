//===- Utf8.cpp - Lenient UTF-8 helpers for the tokenizer -----------------===//

#include "runtime/tokenizer/Utf8.h"

namespace dec::utf8 {
namespace {

bool isContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

/// RFC 3629 restricts the second byte after some lead bytes to exclude
/// overlongs (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
bool isValidSecondByte(unsigned char lead, unsigned char second) {
  switch (lead) {
  case 0xE0:
    return second >= 0xA0 && second <= 0xBF;
  case 0xED:
    return second >= 0x80 && second <= 0x9F;
  case 0xF0:
    return second >= 0x90 && second <= 0xBF;
  case 0xF4:
    return second >= 0x80 && second <= 0x8F;
  default:
    return isContinuation(second);
  }
}

} // namespace

unsigned sequenceLengthForLead(unsigned char b) {
  if (b < 0x80)
    return 1;
  if (b >= 0xC2 && b <= 0xDF)
    return 2;
  if (b >= 0xE0 && b <= 0xEF)
    return 3;
  if (b >= 0xF0 && b <= 0xF4)
    return 4;
  return 0;
}

Unit decodeAt(std::string_view text, size_t pos) {
  const auto *s = reinterpret_cast<const unsigned char *>(text.data()) + pos;
  size_t available = text.size() - pos;
  unsigned length = sequenceLengthForLead(s[0]);
  Unit invalid{0xFFFD, 1, false};
  if (length == 0 || length > available)
    return invalid;
  if (length == 1)
    return {s[0], 1, true};
  if (!isValidSecondByte(s[0], s[1]))
    return invalid;
  for (unsigned i = 2; i < length; ++i)
    if (!isContinuation(s[i]))
      return invalid;
  char32_t c = s[0] & (0x7F >> length);
  for (unsigned i = 1; i < length; ++i)
    c = (c << 6) | (s[i] & 0x3F);
  return {c, length, true};
}

Unit decodeBefore(std::string_view text, size_t end) {
  size_t lowest = end >= 4 ? end - 4 : 0;
  for (size_t start = end; start-- > lowest;) {
    if (isContinuation(static_cast<unsigned char>(text[start])))
      continue;
    Unit unit = decodeAt(text, start);
    if (unit.valid && start + unit.length == end)
      return unit;
    break;
  }
  return {0xFFFD, 1, false};
}

size_t completePrefixLength(std::string_view bytes) {
  const auto *s = reinterpret_cast<const unsigned char *>(bytes.data());
  size_t n = bytes.size();
  for (size_t tail = 1; tail <= 3 && tail <= n; ++tail) {
    size_t start = n - tail;
    if (isContinuation(s[start]))
      continue;
    unsigned claimed = sequenceLengthForLead(s[start]);
    if (claimed <= tail)
      return n; // complete, or an invalid lead byte
    if (tail >= 2 && !isValidSecondByte(s[start], s[start + 1]))
      return n;
    // Bytes after the second one are plain continuations (checked by the loop
    // that brought us here), so the tail is a well-formed, unfinished prefix.
    return start;
  }
  return n;
}

bool isWhiteSpace(char32_t c) {
  if (c <= 0x20)
    return c == 0x20 || (c >= 0x09 && c <= 0x0D);
  if (c < 0x85)
    return false;
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

void appendCodepoint(std::string &out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

} // namespace dec::utf8
