//===- RegexParser.cpp - Regex syntax to byte regexes ---------------------===//
//
// Anchors are compiled exactly: every sub-pattern is lowered to four regexes
// R[s][e], the strings it matches using (s) a start anchor `^` and/or (e) an
// end anchor `$`. A `^` can only match where nothing was consumed before it,
// so in a sequence AB, B's anchored part combines only with the empty-string
// part of A (and symmetrically for `$`). Full-match semantics is the union
// of the four; search semantics wraps each in `.*` on its unanchored sides.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/RegexParser.h"

#include <cstdlib>

namespace dec::cons {

RegexId encodeUtf8(RegexBuilder &rx, const CharSet &set) { return utf8Regex(rx, set); }

namespace {

struct Lowered {
  RegexId r[2][2] = {{kNothing, kNothing}, {kNothing, kNothing}};
  bool hasAnchors() const { return r[0][1] != kNothing || r[1][0] != kNothing || r[1][1] != kNothing; }
};

class PatternParser {
public:
  PatternParser(RegexBuilder &rx, std::string_view src, const RegexSyntaxOptions &options,
                const CharEncoder &encode)
      : rx(rx), src(src), options(options), encode(encode), caseInsensitive(options.caseInsensitive),
        dotAll(options.dotAll) {}

  bool run(RegexId &out, std::string &error) {
    Lowered l;
    if (!parseAlternation(l, 0))
      return fail(error);
    if (pos < src.size()) {
      err = src[pos] == ')' ? "unbalanced ')'" : "unexpected character";
      return fail(error);
    }
    if (options.wide && caseInsensitiveSeen) {
      // Unicode case folding differs between dialects: no useful superset.
      out = rx.star(encode(rx, CharSet::all()));
      return true;
    }
    // Python's `$` also matches before a final newline.
    RegexId endNewline = options.wide ? rx.optional(encode(rx, CharSet::of('\n', '\n'))) : kEmpty;
    RegexId endAnchored = rx.concat(l.r[0][1], endNewline), bothAnchored = rx.concat(l.r[1][1], endNewline);
    if (options.search) {
      RegexId any = rx.star(encode(rx, CharSet::all()));
      out = rx.alt({rx.concat({any, l.r[0][0], any}), rx.concat(l.r[1][0], any), rx.concat(any, endAnchored),
                    bothAnchored});
    } else {
      out = rx.alt({l.r[0][0], l.r[1][0], endAnchored, bothAnchored});
    }
    return true;
  }

private:
  bool fail(std::string &error) {
    error = err + " at offset " + std::to_string(errPos < 0 ? pos : static_cast<size_t>(errPos)) +
            " in regex '" + std::string(src.substr(0, 200)) + (src.size() > 200 ? "...'" : "'");
    return false;
  }
  bool setError(std::string message) {
    if (err.empty()) {
      err = std::move(message);
      errPos = static_cast<long>(pos);
    }
    return false;
  }
  bool atEnd() const { return pos >= src.size(); }
  char peek() const { return atEnd() ? '\0' : src[pos]; }
  bool eat(char c) {
    if (peek() != c || atEnd())
      return false;
    ++pos;
    return true;
  }
  bool nextChar(uint32_t &c) {
    if (atEnd())
      return setError("unexpected end of pattern");
    int n = decodeUtf8(src, pos, c);
    if (n == 0)
      return setError("invalid UTF-8");
    pos += n;
    return true;
  }

  RegexId chars(CharSet set) {
    if (caseInsensitive) {
      caseInsensitiveSeen = true;
      set.addAsciiCaseVariants();
    }
    return encode(rx, set);
  }
  Lowered plain(RegexId r) {
    Lowered l;
    l.r[0][0] = r;
    return l;
  }
  RegexId emptyPart(RegexId r) { return rx.nullable(r) ? kEmpty : kNothing; }

  Lowered sequence(const Lowered &a, const Lowered &b) {
    if (!a.hasAnchors() && !b.hasAnchors())
      return plain(rx.concat(a.r[0][0], b.r[0][0]));
    std::vector<RegexId> parts[2][2];
    for (int sa = 0; sa < 2; ++sa)
      for (int ea = 0; ea < 2; ++ea)
        for (int sb = 0; sb < 2; ++sb)
          for (int eb = 0; eb < 2; ++eb) {
            RegexId x = a.r[sa][ea], y = b.r[sb][eb];
            if (x == kNothing || y == kNothing)
              continue;
            if (sb)
              x = emptyPart(x); // B's `^` needs A to have matched nothing
            if (ea)
              y = emptyPart(y); // A's `$` needs B to match nothing
            parts[sa | sb][ea | eb].push_back(rx.concat(x, y));
          }
    Lowered l;
    for (int s = 0; s < 2; ++s)
      for (int e = 0; e < 2; ++e)
        l.r[s][e] = rx.alt(parts[s][e]);
    return l;
  }

  bool parseAlternation(Lowered &out, int depth) {
    if (depth > 200)
      return setError("regex nested too deeply");
    std::vector<RegexId> parts[2][2];
    for (;;) {
      Lowered seq;
      if (!parseSequence(seq, depth))
        return false;
      for (int s = 0; s < 2; ++s)
        for (int e = 0; e < 2; ++e)
          parts[s][e].push_back(seq.r[s][e]);
      if (!eat('|'))
        break;
    }
    for (int s = 0; s < 2; ++s)
      for (int e = 0; e < 2; ++e)
        out.r[s][e] = rx.alt(parts[s][e]);
    return true;
  }

  bool parseSequence(Lowered &out, int depth) {
    out = plain(kEmpty);
    while (!atEnd() && peek() != '|' && peek() != ')') {
      Lowered atom;
      bool quantifiable = true;
      if (!parseAtom(atom, quantifiable, depth))
        return false;
      if (!parseQuantifiers(atom, quantifiable))
        return false;
      out = sequence(out, atom);
    }
    return true;
  }

  bool parseNumber(uint32_t &value) {
    size_t start = pos;
    uint64_t v = 0;
    while (!atEnd() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + static_cast<uint64_t>(peek() - '0');
      if (v > 0xFFFFFFFFull)
        v = 0xFFFFFFFFull;
      ++pos;
    }
    value = static_cast<uint32_t>(v);
    return pos > start;
  }

  /// Parses `{m}`, `{m,}` or `{m,n}` at pos; leaves pos unchanged and returns
  /// false when the brace does not start a quantifier (it is then a literal).
  bool tryBraces(uint32_t &min, uint32_t &max) {
    size_t save = pos;
    if (!eat('{'))
      return false;
    if (!parseNumber(min)) {
      if (peek() == ',')
        bracesAmbiguous = true;
      pos = save;
      return false;
    }
    max = min;
    if (eat(',')) {
      if (!parseNumber(max))
        max = kUnbounded;
    }
    if (!eat('}')) {
      pos = save;
      return false;
    }
    return true;
  }

  bool parseQuantifiers(Lowered &atom, bool quantifiable) {
    for (;;) {
      uint32_t min, max;
      char c = peek();
      if (c == '*')
        min = 0, max = kUnbounded, ++pos;
      else if (c == '+')
        min = 1, max = kUnbounded, ++pos;
      else if (c == '?')
        min = 0, max = 1, ++pos;
      else if (c == '{' && (tryBraces(min, max) || bracesAmbiguous)) {
        if (bracesAmbiguous)
          return setError("'{,n}' is a quantifier in Python and literal text in ECMAScript");
        if (max != kUnbounded && min > max)
          return setError("numbers out of order in {} quantifier");
        if (min > options.maxRepeat || (max != kUnbounded && max > options.maxRepeat))
          return setError("repetition count above " + std::to_string(options.maxRepeat));
      } else
        return true;
      if (!quantifiable)
        return setError("nothing to repeat");
      if (peek() == '+')
        return setError("possessive quantifiers are not supported");
      eat('?'); // lazy: same language
      if (atom.hasAnchors()) {
        // (^a)* etc.: exact only when the anchored part can repeat at most once
        // and the repeat may be empty; rare enough to refuse.
        return setError("anchor inside a repeated group is not supported");
      }
      atom = plain(rx.repeat(atom.r[0][0], min, max));
    }
  }

  bool parseAtom(Lowered &out, bool &quantifiable, int depth) {
    uint32_t c;
    switch (peek()) {
    case '(':
      ++pos;
      return parseGroup(out, quantifiable, depth);
    case '[': {
      ++pos;
      CharSet set;
      if (!parseClass(set))
        return false;
      out = plain(chars(set));
      return true;
    }
    case '.': {
      ++pos;
      CharSet set = CharSet::all();
      if (!dotAll) {
        CharSet newlines;
        newlines.add('\n');
        if (!options.wide) {
          newlines.add('\r');
          newlines.add(0x2028);
          newlines.add(0x2029);
        }
        set = set.minus(newlines);
      }
      out = plain(encode(rx, set));
      return true;
    }
    case '^':
      ++pos;
      out.r[1][0] = kEmpty;
      quantifiable = false;
      return true;
    case '$':
      ++pos;
      out.r[0][1] = kEmpty;
      quantifiable = false;
      return true;
    case '\\': {
      ++pos;
      CharSet set;
      int anchor = 0;
      if (!parseEscape(set, /*inClass=*/false, anchor))
        return false;
      if (anchor) {
        out.r[anchor == 1 ? 1 : 0][anchor == 2 ? 1 : 0] = kEmpty;
        quantifiable = false;
        return true;
      }
      out = plain(chars(set));
      return true;
    }
    case '*':
    case '+':
    case '?':
      return setError("nothing to repeat");
    default:
      if (!nextChar(c))
        return false;
      out = plain(chars(CharSet::of(c, c)));
      return true;
    }
  }

  bool parseGroup(Lowered &out, bool &quantifiable, int depth) {
    bool savedCase = caseInsensitive, savedDot = dotAll;
    if (eat('?')) {
      char c = peek();
      if (c == ':') {
        ++pos;
      } else if (c == '=' || c == '!') {
        return setError("lookahead is not supported");
      } else if (c == '<' && pos + 1 < src.size() && (src[pos + 1] == '=' || src[pos + 1] == '!')) {
        return setError("lookbehind is not supported");
      } else if (c == '<' || (c == 'P' && pos + 1 < src.size() && src[pos + 1] == '<')) {
        pos += c == 'P' ? 2 : 1;
        while (!atEnd() && peek() != '>')
          ++pos;
        if (!eat('>'))
          return setError("unterminated group name");
      } else if (c == 'P' && pos + 1 < src.size() && src[pos + 1] == '=') {
        return setError("backreferences are not supported");
      } else {
        // Inline flags: (?i) (?s) (?is) (?i:...) (?-i:...)
        bool negate = false, any = false;
        for (;;) {
          char f = peek();
          if (f == 'i' || f == 's') {
            (f == 'i' ? caseInsensitive : dotAll) = !negate;
            any = true;
            ++pos;
          } else if (f == '-' && !negate) {
            negate = true;
            ++pos;
          } else {
            break;
          }
        }
        if (!any)
          return setError("unsupported group syntax '(?" + std::string(1, c) + "'");
        if (eat(')')) {
          // Flags for the rest of the enclosing group.
          out = plain(kEmpty);
          quantifiable = false;
          return true;
        }
        if (!eat(':'))
          return setError("unsupported inline flag syntax");
      }
    }
    if (!parseAlternation(out, depth + 1))
      return false;
    caseInsensitive = savedCase;
    dotAll = savedDot;
    if (!eat(')'))
      return setError("missing ')'");
    return true;
  }

  static int hexValue(char c) {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  }
  bool parseHex(int digits, uint32_t &value) {
    value = 0;
    for (int i = 0; i < digits; ++i) {
      int h = atEnd() ? -1 : hexValue(peek());
      if (h < 0)
        return setError("bad hex escape");
      value = value * 16 + static_cast<uint32_t>(h);
      ++pos;
    }
    return true;
  }

  static CharSet asciiDigits() { return CharSet::of('0', '9'); }
  static CharSet asciiWord() {
    CharSet s = CharSet::of('0', '9');
    s.addRange('A', 'Z');
    s.addRange('a', 'z');
    s.add('_');
    return s;
  }
  /// Whitespace under both ECMAScript and Python (their intersection).
  static CharSet commonSpace() {
    CharSet s = CharSet::of('\t', '\r'); // \t \n \v \f \r
    s.add(' ');
    s.add(0xA0);
    s.add(0x1680);
    s.addRange(0x2000, 0x200A);
    s.add(0x2028);
    s.add(0x2029);
    s.add(0x202F);
    s.add(0x205F);
    s.add(0x3000);
    return s;
  }
  /// Whitespace under either dialect (their union), for \S.
  static CharSet anySpace() {
    CharSet s = commonSpace();
    s.addRange(0x1C, 0x1F);
    s.add(0x85);
    s.add(0xFEFF);
    return s;
  }
  /// Python's Unicode \w is a superset of ECMAScript's; \W must avoid it.
  static CharSet unicodeWord() {
    CharSet s;
    unicodeCategory("L", s);
    unicodeCategory("M", s);
    unicodeCategory("N", s);
    unicodeCategory("Pc", s);
    return s;
  }

  /// Parses the escape after a backslash into a set. `anchor` is set to 1 or
  /// 2 for \A or \Z outside classes.
  bool parseEscape(CharSet &set, bool inClass, int &anchor) {
    uint32_t c;
    if (!nextChar(c))
      return false;
    switch (c) {
    case 'd':
    case 'D': {
      // Narrow: ASCII digits; wide: every Unicode decimal digit.
      CharSet digits = asciiDigits();
      if (c == 'd' ? options.wide : !options.wide)
        unicodeCategory("Nd", digits);
      set = c == 'd' ? digits : digits.complement();
      return true;
    }
    case 'w':
    case 'W': {
      CharSet word = (c == 'w' ? options.wide : !options.wide) ? unicodeWord() : asciiWord();
      word.add('_');
      set = c == 'w' ? word : word.complement();
      return true;
    }
    case 's':
    case 'S': {
      CharSet space = (c == 's' ? options.wide : !options.wide) ? anySpace() : commonSpace();
      set = c == 's' ? space : space.complement();
      return true;
    }
    case 'n':
      set = CharSet::of('\n', '\n');
      return true;
    case 'r':
      set = CharSet::of('\r', '\r');
      return true;
    case 't':
      set = CharSet::of('\t', '\t');
      return true;
    case 'f':
      set = CharSet::of('\f', '\f');
      return true;
    case 'v':
      set = CharSet::of('\v', '\v');
      return true;
    case '0':
      if (!atEnd() && peek() >= '0' && peek() <= '9')
        return setError("octal escapes are not supported");
      set = CharSet::of(0, 0);
      return true;
    case 'x': {
      uint32_t v;
      if (!parseHex(2, v))
        return false;
      set = CharSet::of(v, v);
      return true;
    }
    case 'u': {
      uint32_t v;
      if (eat('{')) {
        v = 0;
        int n = 0;
        while (!atEnd() && hexValue(peek()) >= 0 && n < 8) {
          v = v * 16 + static_cast<uint32_t>(hexValue(peek()));
          ++pos, ++n;
        }
        if (n == 0 || !eat('}') || v > kMaxCodePoint)
          return setError("bad \\u{...} escape");
      } else {
        if (!parseHex(4, v))
          return false;
        // A surrogate pair spelled as two escapes is one character.
        if (v >= 0xD800 && v <= 0xDBFF && pos + 1 < src.size() && src[pos] == '\\' && src[pos + 1] == 'u') {
          size_t save = pos;
          pos += 2;
          uint32_t lo;
          if (parseHex(4, lo) && lo >= 0xDC00 && lo <= 0xDFFF)
            v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
          else {
            pos = save;
            err.clear();
          }
        }
      }
      set = CharSet::of(v, v);
      return true;
    }
    case 'c': {
      char l = peek();
      if (!((l >= 'a' && l <= 'z') || (l >= 'A' && l <= 'Z')))
        return setError("bad \\c escape");
      ++pos;
      set = CharSet::of(static_cast<uint32_t>(l) % 32, static_cast<uint32_t>(l) % 32);
      return true;
    }
    case 'p':
    case 'P': {
      if (!eat('{'))
        return setError("\\p needs {name}");
      size_t start = pos;
      while (!atEnd() && peek() != '}')
        ++pos;
      std::string name(src.substr(start, pos - start));
      if (!eat('}'))
        return setError("unterminated \\p{");
      // Accept "gc=Lu" / "General_Category=Lu".
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        std::string key = name.substr(0, eq);
        if (key != "gc" && key != "General_Category")
          return setError("unsupported Unicode property '" + name + "'");
        name = name.substr(eq + 1);
      }
      CharSet cat;
      if (!unicodeCategory(name, cat))
        return setError("unsupported Unicode property '" + name + "' (general categories only)");
      set = c == 'p' ? cat : cat.complement();
      return true;
    }
    case 'b':
      if (inClass) {
        set = CharSet::of(8, 8);
        return true;
      }
      return setError("word boundary \\b is not supported");
    case 'B':
      return setError("\\B is not supported");
    case 'A':
    case 'Z':
    case 'z':
      if (inClass)
        return setError("anchor escape inside a class");
      anchor = c == 'A' ? 1 : 2;
      return true;
    case 'k':
      return setError("backreferences are not supported");
    default:
      if (c >= '1' && c <= '9')
        return setError("backreferences are not supported");
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return setError("unknown escape '\\" + std::string(1, static_cast<char>(c)) + "'");
      set = CharSet::of(c, c); // escaped punctuation or other character
      return true;
    }
  }

  bool parseClass(CharSet &out) {
    bool negated = eat('^');
    CharSet set;
    bool first = true;
    for (;;) {
      if (atEnd())
        return setError("unterminated character class");
      if (peek() == ']' && !first)
        break;
      first = false;
      CharSet item;
      uint32_t lo;
      bool single = false;
      if (peek() == '[' && pos + 1 < src.size() && src[pos + 1] == ':')
        return setError("POSIX classes are not supported");
      if (eat('\\')) {
        int anchor = 0;
        if (!parseEscape(item, /*inClass=*/true, anchor))
          return false;
        single = item.items().size() == 1 && item.items()[0].first == item.items()[0].second;
        lo = single ? item.items()[0].first : 0;
      } else {
        if (!nextChar(lo))
          return false;
        item = CharSet::of(lo, lo);
        single = true;
      }
      // A range a-z (a '-' before ']' is a literal).
      if (single && peek() == '-' && pos + 1 < src.size() && src[pos + 1] != ']') {
        ++pos;
        uint32_t hi;
        if (eat('\\')) {
          CharSet hiSet;
          int anchor = 0;
          if (!parseEscape(hiSet, true, anchor))
            return false;
          if (hiSet.items().size() != 1 || hiSet.items()[0].first != hiSet.items()[0].second)
            return setError("bad range in character class");
          hi = hiSet.items()[0].first;
        } else if (!nextChar(hi)) {
          return false;
        }
        if (hi < lo)
          return setError("range out of order in character class");
        item = CharSet::of(lo, hi);
      }
      set.addSet(item);
    }
    ++pos; // ']'
    if (caseInsensitive)
      set.addAsciiCaseVariants();
    out = negated ? set.complement() : set;
    return true;
  }

  RegexBuilder &rx;
  std::string_view src;
  const RegexSyntaxOptions &options;
  const CharEncoder &encode;
  bool caseInsensitive, dotAll;
  bool caseInsensitiveSeen = false;
  bool bracesAmbiguous = false;
  size_t pos = 0;
  std::string err;
  long errPos = -1;
};

} // namespace

bool compilePattern(RegexBuilder &rx, std::string_view pattern, const RegexSyntaxOptions &options,
                    const CharEncoder &encode, RegexId &out, std::string &error) {
  PatternParser parser(rx, pattern, options, encode);
  return parser.run(out, error);
}

} // namespace dec::cons
