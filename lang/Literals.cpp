//===- Literals.cpp - Decoding and printing literals ---------------------------------===//

#include "lang/Literals.h"

#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

using namespace dec::lang;

static int hexDigitValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static void appendCodePoint(std::string &out, uint32_t codePoint) {
  char buffer[UNI_MAX_UTF8_BYTES_PER_CODE_POINT];
  char *end = buffer;
  llvm::ConvertCodePointToUTF8(codePoint, end);
  out.append(buffer, end);
}

bool dec::lang::decodeStringLiteral(
    llvm::StringRef spelling, std::string &result,
    const std::function<void(size_t, size_t, const std::string &)> &onError) {
  result.clear();
  bool ok = true;
  // The lexer guarantees a leading quote; the closing one is there for complete literals.
  size_t end = spelling.size();
  if (end >= 2 && spelling.back() == '"')
    --end;
  for (size_t i = 1; i < end;) {
    char c = spelling[i];
    if (c != '\\') {
      result += c;
      ++i;
      continue;
    }
    size_t start = i;
    if (i + 1 >= end) {
      onError(start, 1, "incomplete escape sequence at the end of the string");
      return false;
    }
    char kind = spelling[i + 1];
    i += 2;
    switch (kind) {
    case 'n':
      result += '\n';
      continue;
    case 't':
      result += '\t';
      continue;
    case 'r':
      result += '\r';
      continue;
    case '\\':
      result += '\\';
      continue;
    case '"':
      result += '"';
      continue;
    case '0':
      result += '\0';
      continue;
    case 'x': {
      int hi = i < end ? hexDigitValue(spelling[i]) : -1;
      int lo = i + 1 < end ? hexDigitValue(spelling[i + 1]) : -1;
      if (hi < 0 || lo < 0) {
        onError(start, std::min(end, i + 2) - start,
                "'\\x' must be followed by exactly two hexadecimal digits");
        ok = false;
        continue;
      }
      i += 2;
      // Like Rust: a byte above 0x7f alone would not be UTF-8, and text is UTF-8.
      if (hi * 16 + lo > 0x7f) {
        onError(start, i - start,
                "'\\x' escapes must be at most \\x7f; write '\\u{" +
                    spelling.substr(start + 2, 2).str() + "}' for the character U+00" +
                    spelling.substr(start + 2, 2).upper());
        ok = false;
        continue;
      }
      result += char(hi * 16 + lo);
      continue;
    }
    case 'u': {
      if (i >= end || spelling[i] != '{') {
        onError(start, 2, "'\\u' must be followed by '{', hexadecimal digits and '}'");
        ok = false;
        continue;
      }
      size_t digitsBegin = i + 1, j = digitsBegin;
      uint32_t codePoint = 0;
      bool tooBig = false;
      while (j < end && hexDigitValue(spelling[j]) >= 0) {
        codePoint = codePoint * 16 + uint32_t(hexDigitValue(spelling[j]));
        if (codePoint > 0x10FFFF)
          tooBig = true, codePoint = 0x110000; // saturate; keeps scanning bounded
        ++j;
      }
      if (j >= end || spelling[j] != '}' || j == digitsBegin || j - digitsBegin > 6) {
        onError(start, std::min(end, j + 1) - start,
                "'\\u{...}' must contain 1 to 6 hexadecimal digits and end with '}'");
        ok = false;
        i = j < end && spelling[j] == '}' ? j + 1 : j;
        continue;
      }
      i = j + 1;
      if (tooBig || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
        onError(start, i - start,
                tooBig ? "'\\u{...}' is beyond the last Unicode code point U+10FFFF"
                       : "'\\u{...}' names a UTF-16 surrogate, which is not a character");
        ok = false;
        continue;
      }
      appendCodePoint(result, codePoint);
      continue;
    }
    default: {
      // Report the escape as written; a multi-byte character after the backslash is
      // shown whole.
      size_t length = 2;
      unsigned char lead = static_cast<unsigned char>(kind);
      if (lead >= 0x80)
        length = 1 + std::min<size_t>(llvm::getNumBytesForUTF8(lead), end - (start + 1));
      std::string shown = spelling.substr(start, length).str();
      onError(start, length, "invalid escape sequence '" + shown + "' in string literal");
      ok = false;
      i = start + length;
      continue;
    }
    }
  }
  return ok;
}

bool dec::lang::parseIntegerLiteral(llvm::StringRef spelling, int64_t &result) {
  auto [ptr, ec] = std::from_chars(spelling.begin(), spelling.end(), result, 10);
  return ec == std::errc() && ptr == spelling.end();
}

bool dec::lang::parseFloatLiteral(llvm::StringRef spelling, double &result) {
  std::string text = spelling.str(); // strtod needs a terminated string
  errno = 0;
  char *end = nullptr;
  result = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size())
    return false;
  // Underflow to a denormal or zero is fine (1e-400 is 0); overflow is not.
  return std::isfinite(result);
}

void dec::lang::writeQuoted(llvm::raw_ostream &os, llvm::StringRef value) {
  os << '"';
  for (unsigned char c : value) {
    switch (c) {
    case '\n':
      os << "\\n";
      break;
    case '\t':
      os << "\\t";
      break;
    case '\r':
      os << "\\r";
      break;
    case '\\':
      os << "\\\\";
      break;
    case '"':
      os << "\\\"";
      break;
    case '\0':
      os << "\\0";
      break;
    default:
      if (c < 0x20 || c == 0x7f) {
        static const char digits[] = "0123456789abcdef";
        os << "\\x" << digits[c >> 4] << digits[c & 15];
      } else {
        os << static_cast<char>(c);
      }
    }
  }
  os << '"';
}

std::string dec::lang::quoted(llvm::StringRef value) {
  std::string result;
  llvm::raw_string_ostream os(result);
  writeQuoted(os, value);
  return result;
}

std::string dec::lang::formatNumber(double value) {
  char buffer[64];
  auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc())
    return "?";
  return std::string(buffer, ptr);
}
