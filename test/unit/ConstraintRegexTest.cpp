//===- ConstraintRegexTest.cpp - Regexes, patterns, numbers ---------------===//
//
// The byte-regex engine (derivatives, simplification, emptiness with length
// windows), the pattern syntax, and the exact number automata, each against
// an independent reference: std::regex (ECMAScript) for patterns on ASCII,
// and exact decimal comparison on strings for number bounds and divisors.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/CharSet.h"
#include "runtime/constraint/NumberRegex.h"
#include "runtime/constraint/Regex.h"
#include "runtime/constraint/RegexParser.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>

using namespace dec::cons;

namespace {

RegexId compile(RegexBuilder &rx, const std::string &pattern, bool search = false) {
  RegexSyntaxOptions o;
  o.search = search;
  RegexId r;
  std::string error;
  EXPECT_TRUE(compilePattern(rx, pattern, o, encodeUtf8, r, error)) << pattern << ": " << error;
  return r;
}

std::string compileError(const std::string &pattern) {
  RegexBuilder rx;
  RegexId r;
  std::string error;
  EXPECT_FALSE(compilePattern(rx, pattern, RegexSyntaxOptions{}, encodeUtf8, r, error)) << pattern;
  return error;
}

TEST(ConstraintRegex, HashConsingMakesEqualExpressionsIdentical) {
  RegexBuilder rx;
  RegexId a = rx.literal("ab"), b = rx.literal("cd");
  EXPECT_EQ(rx.alt(a, b), rx.alt(b, a));
  EXPECT_EQ(rx.alt(a, rx.alt(a, b)), rx.alt(a, b));
  EXPECT_EQ(rx.intersect(a, rx.anything()), a);
  EXPECT_EQ(rx.concat(kEmpty, a), a);
  EXPECT_EQ(rx.concat(a, kNothing), kNothing);
  EXPECT_EQ(rx.complement(rx.complement(a)), a);
  EXPECT_EQ(rx.star(rx.star(a)), rx.star(a));
}

TEST(ConstraintRegex, DerivativesMatchLikeTheLanguage) {
  RegexBuilder rx;
  RegexId r = compile(rx, "(ab|a)*c");
  for (auto [text, expected] : std::vector<std::pair<std::string, bool>>{
           {"c", true}, {"abc", true}, {"aabac", true}, {"abbc", false}, {"", false}, {"ca", false}})
    EXPECT_EQ(rx.matches(r, text), expected) << text;
}

TEST(ConstraintRegex, IntersectionAndComplement) {
  RegexBuilder rx;
  RegexId letters = compile(rx, "[a-z]+");
  RegexId notKey = rx.complement(rx.alt(rx.literal("name"), rx.literal("age")));
  RegexId key = rx.intersect(letters, notKey);
  EXPECT_TRUE(rx.matches(key, "names"));
  EXPECT_TRUE(rx.matches(key, "nam"));
  EXPECT_FALSE(rx.matches(key, "name"));
  EXPECT_FALSE(rx.matches(key, "age"));
  EXPECT_FALSE(rx.matches(key, "Name"));
}

TEST(ConstraintRegex, EmptinessOfIntersections) {
  RegexBuilder rx;
  RegexId ab = compile(rx, "a+b"), ba = compile(rx, "b+a");
  EXPECT_EQ(rx.emptiness(rx.intersect(ab, ba)), RegexBuilder::Emptiness::Empty);
  RegexId x = compile(rx, "[ab]*b");
  EXPECT_EQ(rx.emptiness(rx.intersect(ab, x)), RegexBuilder::Emptiness::NonEmpty);
  // A length window against a pattern whose lengths are 3 or 6 only.
  RegexId anyChar = utf8Regex(rx, CharSet::all());
  RegexId p = compile(rx, "abc|abcdef");
  EXPECT_EQ(rx.emptiness(rx.intersect(rx.repeat(anyChar, 4, 5), p)), RegexBuilder::Emptiness::Empty);
  EXPECT_EQ(rx.emptiness(rx.intersect(rx.repeat(anyChar, 4, 6), p)), RegexBuilder::Emptiness::NonEmpty);
  EXPECT_EQ(rx.emptiness(rx.intersect(rx.repeat(anyChar, 7, kUnbounded), p)), RegexBuilder::Emptiness::Empty);
  RegexId q = compile(rx, "(ab)+");
  EXPECT_EQ(rx.emptiness(rx.intersect(rx.repeat(anyChar, 1000, kUnbounded), q)), RegexBuilder::Emptiness::NonEmpty);
  EXPECT_EQ(rx.emptiness(rx.intersect(rx.repeat(anyChar, 3, 3), q)), RegexBuilder::Emptiness::Empty);
}

TEST(ConstraintRegex, Utf8ClassesAcceptOnlyWellFormedCharacters) {
  RegexBuilder rx;
  RegexId any = rx.star(utf8Regex(rx, CharSet::all()));
  EXPECT_TRUE(rx.matches(any, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(rx.matches(any, "\xc3"));         // truncated
  EXPECT_FALSE(rx.matches(any, "\xed\xa0\x80")); // a surrogate
  EXPECT_FALSE(rx.matches(any, "\xc0\xaf"));     // overlong
  EXPECT_FALSE(rx.matches(any, "\xf4\x90\x80\x80")); // above U+10FFFF
  RegexId greek = utf8Regex(rx, CharSet::of(0x391, 0x3A9));
  EXPECT_TRUE(rx.matches(greek, "\xce\xa9"));
  EXPECT_FALSE(rx.matches(greek, "\xce\xaa"));
}

TEST(ConstraintRegex, AnchorsAreExactAnywhere) {
  RegexBuilder rx;
  RegexId r = compile(rx, "(^a|b)c", /*search=*/true);
  EXPECT_TRUE(rx.matches(r, "ac"));
  EXPECT_TRUE(rx.matches(r, "acxx"));
  EXPECT_FALSE(rx.matches(r, "xac"));
  EXPECT_TRUE(rx.matches(r, "xbcx"));
  RegexId end = compile(rx, "a(b$|c)", true);
  EXPECT_TRUE(rx.matches(end, "zab"));
  EXPECT_FALSE(rx.matches(end, "abz"));
  EXPECT_TRUE(rx.matches(end, "acz"));
  // `$` matches only at the very end (not before a final newline).
  RegexId full = compile(rx, "^abc$", true);
  EXPECT_FALSE(rx.matches(full, "abc\n"));
}

TEST(ConstraintRegex, EscapesAreTheIntersectionOfDialects) {
  RegexBuilder rx;
  RegexId d = compile(rx, "\\d+");
  EXPECT_TRUE(rx.matches(d, "0123"));
  EXPECT_FALSE(rx.matches(d, "\xd9\xa3")); // ARABIC-INDIC DIGIT THREE: Python only
  RegexId w = compile(rx, "\\w+");
  EXPECT_FALSE(rx.matches(w, "\xc3\xa9")); // é: Python only
  RegexId nd = compile(rx, "\\D");
  EXPECT_FALSE(rx.matches(nd, "\xd9\xa3")); // a digit for Python
  RegexId dot = compile(rx, ".");
  EXPECT_FALSE(rx.matches(dot, "\r"));
  EXPECT_FALSE(rx.matches(dot, "\n"));
  RegexId lu = compile(rx, "\\p{Lu}\\P{L}");
  EXPECT_TRUE(rx.matches(lu, "\xc3\x89!"));
  EXPECT_FALSE(rx.matches(lu, "\xc3\xa9!"));
}

TEST(ConstraintRegex, UnsupportedConstructsAreErrors) {
  EXPECT_NE(compileError("(a)\\1").find("backreferences"), std::string::npos);
  EXPECT_NE(compileError("a(?=b)").find("lookahead"), std::string::npos);
  EXPECT_NE(compileError("(?<=a)b").find("lookbehind"), std::string::npos);
  EXPECT_NE(compileError("\\bword").find("\\b"), std::string::npos);
  EXPECT_NE(compileError("a++").find("possessive"), std::string::npos);
  EXPECT_NE(compileError("(^a)*").find("anchor"), std::string::npos);
  EXPECT_NE(compileError("[a-").find("unterminated"), std::string::npos);
  EXPECT_NE(compileError("a{3,1}").find("order"), std::string::npos);
  EXPECT_NE(compileError("\\p{Greek}").find("Unicode property"), std::string::npos);
}

/// Random patterns over a small alphabet, where ECMAScript and our
/// semantics agree, against std::regex on random strings.
TEST(ConstraintRegex, RandomPatternsAgreeWithStdRegex) {
  std::mt19937 rng(1234);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::function<std::string(int)> gen = [&](int depth) -> std::string {
    int k = depth > 3 ? pick(3) : pick(8);
    switch (k) {
    case 0:
      return std::string(1, "abc"[pick(3)]);
    case 1:
      return "[a-b]";
    case 2:
      return ".";
    case 3:
      return "(" + gen(depth + 1) + "|" + gen(depth + 1) + ")";
    case 4:
      return gen(depth + 1) + gen(depth + 1);
    case 5:
      return "(" + gen(depth + 1) + ")*";
    case 6:
      return "(" + gen(depth + 1) + "){1,3}";
    default:
      return "(" + gen(depth + 1) + ")?";
    }
  };
  for (int i = 0; i < 300; ++i) {
    std::string pattern = gen(0);
    RegexBuilder rx;
    RegexId r = compile(rx, pattern);
    std::regex reference(pattern, std::regex::ECMAScript);
    for (int j = 0; j < 30; ++j) {
      std::string text;
      int len = pick(7);
      for (int c = 0; c < len; ++c)
        text += "abcd"[pick(4)];
      EXPECT_EQ(rx.matches(r, text), std::regex_match(text, reference)) << pattern << " on '" << text << "'";
    }
  }
}

//===----------------------------------------------------------------------===//
// Numbers
//===----------------------------------------------------------------------===//

/// Exact comparison of decimal strings, independent of Decimal.
int referenceCompare(std::string a, std::string b) {
  auto split = [](std::string s, bool &neg, std::string &ip, std::string &fp) {
    neg = !s.empty() && s[0] == '-';
    if (neg)
      s.erase(0, 1);
    size_t dot = s.find('.');
    ip = s.substr(0, dot);
    fp = dot == std::string::npos ? "" : s.substr(dot + 1);
    ip.erase(0, std::min(ip.find_first_not_of('0'), ip.size()));
    while (!fp.empty() && fp.back() == '0')
      fp.pop_back();
  };
  bool na, nb;
  std::string ia, fa, ib, fb;
  split(a, na, ia, fa);
  split(b, nb, ib, fb);
  bool za = ia.empty() && fa.empty(), zb = ib.empty() && fb.empty();
  if (za)
    na = false;
  if (zb)
    nb = false;
  if (na != nb)
    return na ? -1 : 1;
  int mag;
  if (ia.size() != ib.size())
    mag = ia.size() < ib.size() ? -1 : 1;
  else if (ia != ib)
    mag = ia < ib ? -1 : 1;
  else {
    size_t n = std::max(fa.size(), fb.size());
    fa.resize(n, '0');
    fb.resize(n, '0');
    mag = fa == fb ? 0 : (fa < fb ? -1 : 1);
  }
  return na ? -mag : mag;
}

/// Whether decimal `x` is a multiple of decimal `m` (m > 0), exactly.
bool referenceMultiple(const std::string &x, const std::string &m) {
  auto toScaled = [](std::string s, size_t scale) {
    if (s[0] == '-')
      s.erase(0, 1);
    size_t dot = s.find('.');
    std::string ip = s.substr(0, dot), fp = dot == std::string::npos ? "" : s.substr(dot + 1);
    fp.resize(std::max(fp.size(), scale), '0');
    // Digits beyond `scale` must be zero for an integer result.
    for (size_t i = scale; i < fp.size(); ++i)
      if (fp[i] != '0')
        return std::string();
    return ip + fp.substr(0, scale);
  };
  size_t dotM = m.find('.');
  size_t scale = dotM == std::string::npos ? 0 : m.size() - dotM - 1;
  std::string xs = toScaled(x, scale), ms = toScaled(m, scale);
  if (xs.empty())
    return false;
  unsigned long long mm = std::stoull(ms), rem = 0;
  for (char c : xs)
    rem = (rem * 10 + static_cast<unsigned>(c - '0')) % mm;
  return rem == 0;
}

TEST(ConstraintNumbers, BoundsAndDivisorsAreExact) {
  std::mt19937 rng(99);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto randomNumber = [&](bool integer) {
    std::string s = pick(3) == 0 ? "-" : "";
    s += pick(4) == 0 ? "0" : std::to_string(1 + pick(300));
    if (!integer && pick(2))
      s += "." + std::to_string(pick(100));
    return s;
  };
  for (int i = 0; i < 200; ++i) {
    bool integer = pick(2);
    NumberSpec spec;
    spec.integerOnly = integer;
    std::string lo = randomNumber(pick(2)), hi = randomNumber(pick(2));
    bool loEx = pick(2), hiEx = pick(2), useLo = pick(3) != 0, useHi = pick(3) != 0;
    Decimal d;
    if (useLo) {
      ASSERT_TRUE(Decimal::parse(lo, d));
      spec.lower = NumberBound{d, loEx};
    }
    if (useHi) {
      ASSERT_TRUE(Decimal::parse(hi, d));
      spec.upper = NumberBound{d, hiEx};
    }
    std::string mult;
    if (pick(3) == 0) {
      mult = std::vector<std::string>{"2", "3", "0.5", "0.25", "7", "1.5", "10"}[pick(7)];
      ASSERT_TRUE(Decimal::parse(mult, d));
      spec.multipleOf.push_back(d);
    }
    RegexBuilder rx;
    RegexId r;
    std::string error;
    ASSERT_TRUE(numberRegex(rx, spec, r, error)) << error;
    for (int j = 0; j < 60; ++j) {
      std::string x = randomNumber(integer && pick(4) != 0);
      if (pick(5) == 0 && x.find('.') == std::string::npos)
        x += ".0";
      bool expected = true;
      if (integer && x.find('.') != std::string::npos && x.substr(x.find('.') + 1).find_first_not_of('0') != std::string::npos)
        expected = false;
      if (useLo) {
        int c = referenceCompare(x, lo);
        expected = expected && (loEx ? c > 0 : c >= 0);
      }
      if (useHi) {
        int c = referenceCompare(x, hi);
        expected = expected && (hiEx ? c < 0 : c <= 0);
      }
      if (!mult.empty())
        expected = expected && referenceMultiple(x, mult);
      EXPECT_EQ(rx.matches(r, x), expected)
          << x << " integer=" << integer << " lo=" << (useLo ? lo : "-") << (loEx ? "(ex)" : "")
          << " hi=" << (useHi ? hi : "-") << (hiEx ? "(ex)" : "") << " multipleOf=" << mult;
    }
  }
}

TEST(ConstraintNumbers, ExponentsOnlyWhereNoDigitCheckIsNeeded) {
  RegexBuilder rx;
  RegexId r;
  std::string error;
  NumberSpec free;
  ASSERT_TRUE(numberRegex(rx, free, r, error));
  EXPECT_TRUE(rx.matches(r, "1e-05"));
  EXPECT_TRUE(rx.matches(r, "-2.5E+10"));
  EXPECT_FALSE(rx.matches(r, "01"));
  EXPECT_FALSE(rx.matches(r, "1."));
  EXPECT_FALSE(rx.matches(r, ".5"));
  NumberSpec nonNegative;
  Decimal zero;
  nonNegative.lower = NumberBound{zero, false};
  ASSERT_TRUE(numberRegex(rx, nonNegative, r, error));
  EXPECT_TRUE(rx.matches(r, "1e-06"));
  EXPECT_FALSE(rx.matches(r, "-1e-06"));
  EXPECT_TRUE(rx.matches(r, "-0"));
  NumberSpec draft4;
  draft4.integerOnly = true;
  draft4.zeroFractionInteger = false;
  ASSERT_TRUE(numberRegex(rx, draft4, r, error));
  EXPECT_FALSE(rx.matches(r, "3.0"));
  EXPECT_FALSE(rx.matches(r, "3e2"));
}

} // namespace
