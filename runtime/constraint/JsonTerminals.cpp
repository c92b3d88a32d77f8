//===- JsonTerminals.cpp - Lexemes of JSON text ---------------------------===//
#include "runtime/constraint/JsonTerminals.h"

#include <cstdio>

namespace dec::cons {

namespace {
/// The escape Python writes for a character that needs one, or "".
std::string escapeFor(uint32_t c) {
  switch (c) {
  case '"':
    return "\\\"";
  case '\\':
    return "\\\\";
  case '\n':
    return "\\n";
  case '\r':
    return "\\r";
  case '\t':
    return "\\t";
  case '\b':
    return "\\b";
  case '\f':
    return "\\f";
  default:
    if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      return buf;
    }
    return "";
  }
}
} // namespace

JsonTerminals::JsonTerminals(ConstraintBuilder &b) : b(b), rx(b.regexes()), policy(b.options().whitespace) {
  plain_ = CharSet::all();
  plain_ = plain_.minus(CharSet::of(0, 0x1F));
  plain_ = plain_.minus(CharSet::of('"', '"'));
  plain_ = plain_.minus(CharSet::of('\\', '\\'));
  anyChar_ = chars(CharSet::all());
  quote_ = rx.byte('"');
  RegexId ws = rx.repeat(rx.bytes(ByteSet::single(' ') | ByteSet::single('\t') | ByteSet::single('\n') |
                                  ByteSet::single('\r')),
                         0, b.options().maxWhitespace);
  auto punct = [&](char c, bool before, bool after) {
    RegexId r = rx.byte(static_cast<uint8_t>(c));
    if (policy != JsonWhitespace::Flexible)
      return r;
    return rx.concat({before ? ws : kEmpty, r, after ? ws : kEmpty});
  };
  openBrace_ = punct('{', false, true);
  closeBrace_ = punct('}', true, false);
  openBracket_ = punct('[', false, true);
  closeBracket_ = punct(']', true, false);
  switch (policy) {
  case JsonWhitespace::Python:
    comma_ = rx.literal(", ");
    colon_ = rx.literal(": ");
    break;
  case JsonWhitespace::Compact:
    comma_ = rx.byte(',');
    colon_ = rx.byte(':');
    break;
  case JsonWhitespace::Flexible:
    comma_ = punct(',', true, true);
    colon_ = punct(':', true, true);
    outerWs_ = rx.intersect(ws, rx.plus(rx.bytes(ByteSet::all())));
    break;
  }
}

RegexId JsonTerminals::chars(const CharSet &set) {
  std::vector<RegexId> parts{utf8Regex(rx, set.intersect(plain_))};
  for (auto [lo, hi] : set.items()) {
    for (uint32_t c = lo; c <= hi && c < 0x80; ++c) {
      std::string e = escapeFor(c);
      if (!e.empty())
        parts.push_back(rx.literal(e));
    }
  }
  RegexId r = rx.alt(std::move(parts));
  // Classes containing every plain character let the string slices apply.
  if (set.intersect(plain_).items() == plain_.items())
    b.registerStringCharClass(r);
  return r;
}

std::string JsonTerminals::escape(std::string_view text) {
  std::string out;
  for (char ch : text) {
    std::string e = escapeFor(static_cast<uint8_t>(ch));
    if (e.empty())
      out += ch;
    else
      out += e;
  }
  return out;
}

std::string JsonTerminals::serialize(const SchemaJson &value) const {
  const char *comma = policy == JsonWhitespace::Compact ? "," : ", ";
  const char *colon = policy == JsonWhitespace::Compact ? ":" : ": ";
  switch (value.type()) {
  case SchemaJson::value_t::object: {
    std::string out = "{";
    bool first = true;
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!first)
        out += comma;
      first = false;
      out += "\"" + escape(it.key()) + "\"" + colon + serialize(it.value());
    }
    return out + "}";
  }
  case SchemaJson::value_t::array: {
    std::string out = "[";
    bool first = true;
    for (const auto &e : value) {
      if (!first)
        out += comma;
      first = false;
      out += serialize(e);
    }
    return out + "]";
  }
  case SchemaJson::value_t::string:
    return "\"" + escape(value.get_ref<const std::string &>()) + "\"";
  default:
    return value.dump();
  }
}

RegexId JsonTerminals::valueLiteral(const SchemaJson &value) {
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (d == static_cast<double>(static_cast<long long>(d)) && d > -1e15 && d < 1e15) {
      std::string i = std::to_string(static_cast<long long>(d));
      if (d == 0 && std::signbit(d))
        i = "-0";
      return rx.alt(rx.literal(i), rx.literal(i + ".0"));
    }
  }
  if (value.is_number_integer())
    return rx.alt(rx.literal(value.dump()), rx.literal(value.dump() + ".0"));
  std::string text = serialize(value);
  if (policy != JsonWhitespace::Flexible || (!value.is_object() && !value.is_array()))
    return rx.literal(text);
  return rx.literal(text); // flexible whitespace inside structured literals: canonical form only
}

RegexId JsonTerminals::key(RegexId body, bool first) {
  RegexId k = rx.concat({quote_, body, quote_, colon_});
  return first ? k : rx.concat(comma_, k);
}

} // namespace dec::cons
