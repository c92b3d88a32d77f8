//===- PyJson.cpp - JSON as Python's json module reads and writes it ------===//
#include "PyJson.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace dec::maskbench {

namespace {

class Reader {
public:
  explicit Reader(std::string_view s) : s(s) {}

  bool value(PyValue &out, int depth) {
    if (depth > 1000)
      return fail("nested too deeply");
    skipSpace();
    if (i >= s.size())
      return fail("unexpected end");
    char c = s[i];
    if (c == '{') {
      ++i;
      out.kind = PyValue::Kind::Object;
      skipSpace();
      if (eat('}'))
        return true;
      for (;;) {
        skipSpace();
        std::string key;
        if (!string(key))
          return false;
        skipSpace();
        if (!eat(':'))
          return fail("expected ':'");
        PyValue v;
        if (!value(v, depth + 1))
          return false;
        // Python keeps the last of duplicate keys, in the first one's place.
        bool replaced = false;
        for (auto &m : out.members)
          if (m.first == key) {
            m.second = std::move(v);
            replaced = true;
          }
        if (!replaced)
          out.members.emplace_back(std::move(key), std::move(v));
        skipSpace();
        if (eat('}'))
          return true;
        if (!eat(','))
          return fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      ++i;
      out.kind = PyValue::Kind::Array;
      skipSpace();
      if (eat(']'))
        return true;
      for (;;) {
        PyValue v;
        if (!value(v, depth + 1))
          return false;
        out.items.push_back(std::move(v));
        skipSpace();
        if (eat(']'))
          return true;
        if (!eat(','))
          return fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      out.kind = PyValue::Kind::String;
      return string(out.text);
    }
    if (s.compare(i, 4, "true") == 0 || s.compare(i, 5, "false") == 0) {
      out.kind = PyValue::Kind::Bool;
      out.boolean = s[i] == 't';
      i += out.boolean ? 4 : 5;
      return true;
    }
    if (s.compare(i, 4, "null") == 0) {
      i += 4;
      out.kind = PyValue::Kind::Null;
      return true;
    }
    size_t start = i;
    if (i < s.size() && s[i] == '-')
      ++i;
    while (i < s.size() && (isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == 'e' ||
                            s[i] == 'E' || s[i] == '+' || s[i] == '-'))
      ++i;
    if (i == start)
      return fail("unexpected character");
    out.kind = PyValue::Kind::Number;
    out.text = std::string(s.substr(start, i - start));
    return true;
  }

  bool finish() {
    skipSpace();
    return i == s.size() || fail("trailing characters");
  }
  std::string error;

private:
  bool fail(const std::string &m) {
    error = m + " at offset " + std::to_string(i);
    return false;
  }
  void skipSpace() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
      ++i;
  }
  bool eat(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  static void utf8(std::string &out, uint32_t c) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  bool hex4(uint32_t &v) {
    if (i + 4 > s.size())
      return fail("bad \\u escape");
    v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s[i++];
      int d = isdigit(static_cast<unsigned char>(c)) ? c - '0'
              : (c >= 'a' && c <= 'f')                ? c - 'a' + 10
              : (c >= 'A' && c <= 'F')                ? c - 'A' + 10
                                                      : -1;
      if (d < 0)
        return fail("bad \\u escape");
      v = v * 16 + static_cast<uint32_t>(d);
    }
    return true;
  }
  bool string(std::string &out) {
    if (!eat('"'))
      return fail("expected string");
    while (i < s.size() && s[i] != '"') {
      char c = s[i++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i >= s.size())
        break;
      char e = s[i++];
      switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        uint32_t v;
        if (!hex4(v))
          return false;
        if (v >= 0xD800 && v <= 0xDBFF && i + 1 < s.size() && s[i] == '\\' && s[i + 1] == 'u') {
          size_t save = i;
          i += 2;
          uint32_t lo;
          if (hex4(lo) && lo >= 0xDC00 && lo <= 0xDFFF)
            v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
          else
            i = save;
        }
        utf8(out, v);
        break;
      }
      default:
        out += e;
      }
    }
    return eat('"') || fail("unterminated string");
  }

  std::string_view s;
  size_t i = 0;
};

void dumpString(const std::string &s, std::string &out) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  out += '"';
}

std::string pythonNumber(const std::string &text) {
  bool isFloat = text.find_first_of(".eE") != std::string::npos;
  if (!isFloat) {
    // int(text): "-0" is 0.
    size_t start = text[0] == '-' ? 1 : 0;
    if (text.find_first_not_of('0', start) == std::string::npos)
      return "0";
    return text;
  }
  return pythonFloatRepr(std::strtod(text.c_str(), nullptr));
}

void dump(const PyValue &v, std::string &out, bool raw = false) {
  switch (v.kind) {
  case PyValue::Kind::Null:
    out += "null";
    break;
  case PyValue::Kind::Bool:
    out += v.boolean ? "true" : "false";
    break;
  case PyValue::Kind::Number:
    out += raw ? v.text : pythonNumber(v.text);
    break;
  case PyValue::Kind::String:
    dumpString(v.text, out);
    break;
  case PyValue::Kind::Array:
    out += '[';
    for (size_t k = 0; k < v.items.size(); ++k) {
      if (k)
        out += ", ";
      dump(v.items[k], out, raw);
    }
    out += ']';
    break;
  case PyValue::Kind::Object:
    out += '{';
    for (size_t k = 0; k < v.members.size(); ++k) {
      if (k)
        out += ", ";
      dumpString(v.members[k].first, out);
      out += ": ";
      dump(v.members[k].second, out, raw);
    }
    out += '}';
    break;
  }
}

} // namespace

bool parsePyJson(std::string_view text, PyValue &out, std::string &error) {
  Reader r(text);
  if (!r.value(out, 0) || !r.finish()) {
    error = r.error;
    return false;
  }
  return true;
}

std::string pythonDumps(const PyValue &value) {
  std::string out;
  dump(value, out);
  return out;
}

std::string rawDumps(const PyValue &value) {
  std::string out;
  dump(value, out, /*raw=*/true);
  return out;
}

std::string pythonFloatRepr(double value) {
  if (std::isnan(value))
    return "NaN";
  if (std::isinf(value))
    return value < 0 ? "-Infinity" : "Infinity";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  // sci = [-]d[.ddd]e[+-]XX: the shortest round-trip digits.
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  int exponent = std::atoi(sci.c_str() + e + 1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.')
      digits += c;
  while (digits.size() > 1 && digits.back() == '0')
    digits.pop_back();
  int decpt = exponent + 1; // value = 0.digits * 10^decpt
  if (decpt <= -4 || decpt > 16) {
    std::string m = digits.substr(0, 1);
    if (digits.size() > 1)
      m += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return sign + m + eb;
  }
  if (decpt <= 0)
    return sign + "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
  if (static_cast<size_t>(decpt) < digits.size())
    return sign + digits.substr(0, static_cast<size_t>(decpt)) + "." + digits.substr(static_cast<size_t>(decpt));
  return sign + digits + std::string(static_cast<size_t>(decpt) - digits.size(), '0') + ".0";
}

} // namespace dec::maskbench
