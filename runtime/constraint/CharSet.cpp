//===- CharSet.cpp - Sets of Unicode code points and their UTF-8 ----------===//
#include "runtime/constraint/CharSet.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace dec::cons {

namespace {
struct UnicodeCategoryTable {
  const char *name;
  const uint32_t *ranges; ///< lo, hi pairs
  size_t count;
};
#include "runtime/constraint/UnicodeTables.inc"
} // namespace

void CharSet::addRange(uint32_t lo, uint32_t hi) {
  if (lo > hi)
    return;
  // Insert, then merge overlapping or adjacent neighbours.
  auto it = std::lower_bound(ranges.begin(), ranges.end(), std::make_pair(lo, hi));
  it = ranges.insert(it, {lo, hi});
  size_t i = static_cast<size_t>(it - ranges.begin());
  if (i > 0 && ranges[i - 1].second + 1 >= ranges[i].first)
    --i;
  while (i + 1 < ranges.size() && ranges[i].second + 1 >= ranges[i + 1].first) {
    ranges[i].second = std::max(ranges[i].second, ranges[i + 1].second);
    ranges.erase(ranges.begin() + static_cast<long>(i) + 1);
  }
}

void CharSet::addSet(const CharSet &other) {
  for (auto [lo, hi] : other.ranges)
    addRange(lo, hi);
}

CharSet CharSet::complement() const {
  CharSet out;
  uint32_t next = 0;
  for (auto [lo, hi] : ranges) {
    if (lo > next)
      out.ranges.push_back({next, lo - 1});
    next = hi + 1;
  }
  if (next <= kMaxCodePoint)
    out.ranges.push_back({next, kMaxCodePoint});
  return out;
}

CharSet CharSet::intersect(const CharSet &other) const {
  CharSet out;
  size_t i = 0, j = 0;
  while (i < ranges.size() && j < other.ranges.size()) {
    uint32_t lo = std::max(ranges[i].first, other.ranges[j].first);
    uint32_t hi = std::min(ranges[i].second, other.ranges[j].second);
    if (lo <= hi)
      out.ranges.push_back({lo, hi});
    if (ranges[i].second < other.ranges[j].second)
      ++i;
    else
      ++j;
  }
  return out;
}

bool CharSet::contains(uint32_t c) const {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), std::make_pair(c, kMaxCodePoint + 1));
  return it != ranges.begin() && std::prev(it)->second >= c;
}

void CharSet::addAsciiCaseVariants() {
  CharSet extra;
  for (uint32_t c = 'A'; c <= 'Z'; ++c) {
    if (contains(c))
      extra.add(c + 32);
    if (contains(c + 32))
      extra.add(c);
  }
  addSet(extra);
}

bool unicodeCategory(std::string_view name, CharSet &out) {
  static const std::pair<const char *, const char *> longNames[] = {
      {"Letter", "L"}, {"Cased_Letter", "LC"}, {"Uppercase_Letter", "Lu"}, {"Lowercase_Letter", "Ll"},
      {"Titlecase_Letter", "Lt"}, {"Modifier_Letter", "Lm"}, {"Other_Letter", "Lo"}, {"Mark", "M"},
      {"Nonspacing_Mark", "Mn"}, {"Spacing_Mark", "Mc"}, {"Enclosing_Mark", "Me"}, {"Number", "N"},
      {"Decimal_Number", "Nd"}, {"Letter_Number", "Nl"}, {"Other_Number", "No"}, {"Punctuation", "P"},
      {"Connector_Punctuation", "Pc"}, {"Dash_Punctuation", "Pd"}, {"Open_Punctuation", "Ps"},
      {"Close_Punctuation", "Pe"}, {"Initial_Punctuation", "Pi"}, {"Final_Punctuation", "Pf"},
      {"Other_Punctuation", "Po"}, {"Symbol", "S"}, {"Math_Symbol", "Sm"}, {"Currency_Symbol", "Sc"},
      {"Modifier_Symbol", "Sk"}, {"Other_Symbol", "So"}, {"Separator", "Z"}, {"Space_Separator", "Zs"},
      {"Line_Separator", "Zl"}, {"Paragraph_Separator", "Zp"}, {"Other", "C"}, {"Control", "Cc"},
      {"Format", "Cf"}, {"Private_Use", "Co"}, {"Unassigned", "Cn"}, {"digit", "Nd"}};
  std::string shortName(name);
  for (auto [longName, abbreviation] : longNames)
    if (name == longName)
      shortName = abbreviation;
  if (shortName == "Any") {
    out.addRange(0, kMaxCodePoint);
    return true;
  }
  bool found = false;
  for (const UnicodeCategoryTable &t : kCategoryTables) {
    // "L" names the group Lu|Ll|Lt|Lm|Lo; "LC" the cased letters.
    bool member = shortName == t.name ||
                  (shortName.size() == 1 && t.name[0] == shortName[0]) ||
                  (shortName == "LC" && (!std::strcmp(t.name, "Lu") || !std::strcmp(t.name, "Ll") ||
                                         !std::strcmp(t.name, "Lt")));
    if (!member)
      continue;
    found = true;
    for (size_t i = 0; i < t.count; ++i)
      out.addRange(t.ranges[2 * i], t.ranges[2 * i + 1]);
  }
  return found;
}

void appendUtf8(std::string &out, uint32_t c) {
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

int decodeUtf8(std::string_view s, size_t i, uint32_t &c) {
  auto byteAt = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byteAt(i);
  int len;
  uint32_t min;
  if (b0 < 0x80) {
    c = b0;
    return 1;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, c = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, c = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size())
    return 0;
  for (int k = 1; k < len; ++k) {
    uint8_t b = byteAt(i + k);
    if ((b & 0xC0) != 0x80)
      return 0;
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || c > kMaxCodePoint || (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  return len;
}

namespace {

int utf8Length(uint32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

/// Appends byte-range sequences for [lo, hi], split so that each sequence is
/// a product of byte ranges (every combination is a valid encoding in range).
void splitRange(uint32_t lo, uint32_t hi, std::vector<std::vector<std::pair<uint8_t, uint8_t>>> &out) {
  static const uint32_t lengthEnds[] = {0x7F, 0x7FF, 0xFFFF, kMaxCodePoint};
  for (uint32_t end : lengthEnds) {
    if (lo <= end && hi > end) {
      splitRange(lo, end, out);
      splitRange(end + 1, hi, out);
      return;
    }
  }
  int n = utf8Length(lo);
  for (int i = 1; i < n; ++i) {
    uint32_t m = (1u << (6 * i)) - 1;
    if ((lo & ~m) != (hi & ~m)) {
      if ((lo & m) != 0) {
        splitRange(lo, lo | m, out);
        splitRange((lo | m) + 1, hi, out);
        return;
      }
      if ((hi & m) != m) {
        splitRange(lo, (hi & ~m) - 1, out);
        splitRange(hi & ~m, hi, out);
        return;
      }
    }
  }
  std::string a, b;
  appendUtf8(a, lo);
  appendUtf8(b, hi);
  std::vector<std::pair<uint8_t, uint8_t>> seq;
  for (int i = 0; i < n; ++i)
    seq.push_back({static_cast<uint8_t>(a[i]), static_cast<uint8_t>(b[i])});
  out.push_back(std::move(seq));
}

} // namespace

RegexId utf8Regex(RegexBuilder &rx, const CharSet &set) {
  std::vector<std::vector<std::pair<uint8_t, uint8_t>>> seqs;
  for (auto [lo, hi] : set.items()) {
    // Surrogates have no UTF-8 encoding.
    if (lo <= 0xDFFF && hi >= 0xD800) {
      if (lo < 0xD800)
        splitRange(lo, 0xD7FF, seqs);
      if (hi > 0xDFFF)
        splitRange(0xE000, hi, seqs);
    } else {
      splitRange(lo, hi, seqs);
    }
  }
  // Group sequences by their first byte range so that derivatives share
  // structure: [c2-df][80-bf] | [e0][a0-bf][80-bf] | ...
  std::vector<RegexId> alternatives;
  for (const auto &seq : seqs) {
    RegexId r = kEmpty;
    for (size_t i = seq.size(); i-- > 0;)
      r = rx.concat(rx.bytes(ByteSet::range(seq[i].first, seq[i].second)), r);
    alternatives.push_back(r);
  }
  return rx.alt(std::move(alternatives));
}

} // namespace dec::cons
