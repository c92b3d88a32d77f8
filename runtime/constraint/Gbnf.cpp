//===- Gbnf.cpp - llama.cpp's GBNF grammars -------------------------------===//
//
//   root  ::= "Answer: " value
//   value ::= [0-9]+ | "\"" [^"]* "\""    # comments run to the end of line
//
// GBNF has no lexer: it is a grammar over characters. Each literal character
// and each character class therefore becomes its own one-character lexeme,
// which keeps the language exactly llama.cpp's (a multi-character lexeme
// with greedy matching could swallow characters a following rule needs).
// Rule bodies are regular expressions over those lexemes and rule
// references (RuleExpr); the start symbol is `root`.
//
// Accepted syntax: rules `name ::= body` (bodies may span lines; a new rule
// starts at `name ::=`), alternatives `|`, groups `( )`, `* + ?`, `{m}`,
// `{m,}`, `{m,n}`, literals "..." and classes [...] / [^...] with the escapes
// \n \r \t \\ \" \[ \] \xHH \uHHHH \UHHHHHHHH, `.` for any character,
// comments `#`. Token references (<...>) are refused.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/CharSet.h"
#include "runtime/constraint/FrontEnds.h"
#include "runtime/constraint/RuleExpr.h"

#include <cctype>
#include <map>
#include <set>

namespace dec::cons {

namespace {

class GbnfParser {
public:
  GbnfParser(ConstraintBuilder &b, std::string_view src) : b(b), rx(b.regexes()), src(src) {}

  bool run(Symbol &out, std::string &error) {
    std::map<std::string, RuleExpr> bodies;
    skipSpace();
    while (!atEnd()) {
      std::string name;
      size_t at = pos;
      if (!parseName(name))
        return fail(error, "expected a rule name");
      skipSpace();
      if (!eat("::="))
        return fail(error, "expected '::=' after rule name '" + name + "'");
      RuleExpr body;
      if (!parseAlternation(body, 0))
        return fail(error, err);
      if (bodies.count(name)) {
        pos = at;
        return fail(error, "rule '" + name + "' is defined twice");
      }
      bodies[name] = std::move(body);
      defined.insert(name);
      skipSpace();
    }
    if (!bodies.count("root"))
      return fail(error, "the grammar has no 'root' rule");
    for (const auto &[name, where] : references)
      if (!bodies.count(name)) {
        pos = where;
        return fail(error, "undefined rule '" + name + "'");
      }
    for (auto &[name, body] : bodies) {
      std::unique_ptr<StaticRule> rule;
      if (!toRule(body, rule, 20000))
        return fail(error, "rule '" + name + "' is too large");
      b.grammar().setRule(nonterminal(name), std::move(rule));
    }
    out = static_cast<Symbol>(nonterminal("root"));
    return true;
  }

private:
  bool fail(std::string &error, const std::string &message) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos && i < src.size(); ++i) {
      if (src[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    error = "GBNF line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + message;
    return false;
  }
  bool setError(const std::string &message) {
    if (err.empty())
      err = message;
    return false;
  }
  bool atEnd() const { return pos >= src.size(); }
  char peek(size_t k = 0) const { return pos + k < src.size() ? src[pos + k] : '\0'; }
  bool eat(std::string_view s) {
    if (src.substr(pos, s.size()) == s) {
      pos += s.size();
      return true;
    }
    return false;
  }
  void skipSpace() {
    while (!atEnd()) {
      if (std::isspace(static_cast<unsigned char>(peek())))
        ++pos;
      else if (peek() == '#')
        while (!atEnd() && peek() != '\n')
          ++pos;
      else
        break;
    }
  }
  static bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }
  bool parseName(std::string &name) {
    size_t start = pos;
    while (!atEnd() && isNameChar(peek()))
      ++pos;
    name = std::string(src.substr(start, pos - start));
    return !name.empty();
  }
  /// Whether a rule definition `name ::=` starts at pos.
  bool atRuleStart() {
    size_t save = pos;
    std::string name;
    bool yes = parseName(name);
    if (yes) {
      skipSpace();
      yes = src.substr(pos, 3) == "::=";
    }
    pos = save;
    return yes;
  }

  uint32_t nonterminal(const std::string &name) {
    auto it = nonterminals.find(name);
    if (it != nonterminals.end())
      return it->second;
    uint32_t nt = b.grammar().addNonterminal(name);
    nonterminals.emplace(name, nt);
    return nt;
  }
  RuleExpr charLexeme(const CharSet &set) { return RuleExpr::sym(b.addLexeme(utf8Regex(rx, set))); }

  bool parseAlternation(RuleExpr &out, int depth) {
    if (depth > 100)
      return setError("groups nested too deeply");
    std::vector<RuleExpr> alternatives;
    for (;;) {
      RuleExpr seq;
      if (!parseSequence(seq, depth))
        return false;
      alternatives.push_back(std::move(seq));
      skipSpace();
      if (!eat("|"))
        break;
    }
    out = alternatives.size() == 1 ? std::move(alternatives[0]) : RuleExpr::choice(std::move(alternatives));
    return true;
  }

  bool parseSequence(RuleExpr &out, int depth) {
    std::vector<RuleExpr> items;
    for (;;) {
      skipSpace();
      if (atEnd() || peek() == '|' || peek() == ')' || (depth == 0 && atRuleStart()))
        break;
      RuleExpr item;
      if (!parseItem(item, depth))
        return false;
      if (!parsePostfix(item))
        return false;
      items.push_back(std::move(item));
    }
    out = RuleExpr::seq(std::move(items));
    return true;
  }

  bool parseNumber(uint32_t &v) {
    size_t start = pos;
    uint64_t n = 0;
    while (!atEnd() && std::isdigit(static_cast<unsigned char>(peek()))) {
      n = std::min<uint64_t>(n * 10 + static_cast<uint64_t>(peek() - '0'), 1u << 30);
      ++pos;
    }
    v = static_cast<uint32_t>(n);
    return pos > start;
  }

  bool parsePostfix(RuleExpr &item) {
    for (;;) {
      if (eat("*"))
        item = RuleExpr::repeat(std::move(item), 0, kUnbounded);
      else if (eat("+"))
        item = RuleExpr::repeat(std::move(item), 1, kUnbounded);
      else if (eat("?"))
        item = RuleExpr::repeat(std::move(item), 0, 1);
      else if (peek() == '{') {
        ++pos;
        skipSpace();
        uint32_t min, max;
        if (!parseNumber(min))
          return setError("expected a number in {}");
        skipSpace();
        max = min;
        if (eat(",")) {
          skipSpace();
          if (!parseNumber(max))
            max = kUnbounded;
          skipSpace();
        }
        if (!eat("}"))
          return setError("expected '}'");
        if (max != kUnbounded && max < min)
          return setError("repetition bounds out of order");
        if (min > 10000 || (max != kUnbounded && max > 10000))
          return setError("repetition count above 10000");
        item = RuleExpr::repeat(std::move(item), min, max);
      } else {
        return true;
      }
    }
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  }
  /// One character of a literal or class, with escapes.
  bool parseChar(uint32_t &c) {
    if (atEnd())
      return setError("unexpected end of grammar");
    if (peek() != '\\') {
      int n = decodeUtf8(src, pos, c);
      if (n == 0)
        return setError("invalid UTF-8");
      pos += n;
      return true;
    }
    ++pos;
    char e = peek();
    ++pos;
    int digits = 0;
    switch (e) {
    case 'n':
      c = '\n';
      return true;
    case 'r':
      c = '\r';
      return true;
    case 't':
      c = '\t';
      return true;
    case '\\':
    case '"':
    case '[':
    case ']':
    case '-':
    case '^':
      c = static_cast<uint32_t>(e);
      return true;
    case 'x':
      digits = 2;
      break;
    case 'u':
      digits = 4;
      break;
    case 'U':
      digits = 8;
      break;
    default:
      return setError(std::string("unknown escape '\\") + e + "'");
    }
    c = 0;
    for (int i = 0; i < digits; ++i) {
      int h = hex(peek());
      if (h < 0)
        return setError("bad hex escape");
      c = c * 16 + static_cast<uint32_t>(h);
      ++pos;
    }
    if (c > kMaxCodePoint || (c >= 0xD800 && c <= 0xDFFF))
      return setError("escape is not a Unicode scalar value");
    return true;
  }

  bool parseItem(RuleExpr &out, int depth) {
    char c = peek();
    if (c == '"') {
      ++pos;
      std::vector<RuleExpr> chars;
      while (!atEnd() && peek() != '"') {
        uint32_t ch;
        if (!parseChar(ch))
          return false;
        chars.push_back(charLexeme(CharSet::of(ch, ch)));
      }
      if (!eat("\""))
        return setError("unterminated string literal");
      out = RuleExpr::seq(std::move(chars));
      return true;
    }
    if (c == '[') {
      ++pos;
      bool negated = eat("^");
      CharSet set;
      while (!atEnd() && peek() != ']') {
        uint32_t lo, hi;
        if (!parseChar(lo))
          return false;
        hi = lo;
        if (peek() == '-' && peek(1) != ']') {
          ++pos;
          if (!parseChar(hi))
            return false;
          if (hi < lo)
            return setError("character range out of order");
        }
        set.addRange(lo, hi);
      }
      if (!eat("]"))
        return setError("unterminated character class");
      if (negated)
        set = set.complement();
      if (set.empty())
        return setError("empty character class");
      out = charLexeme(set);
      return true;
    }
    if (c == '.') {
      ++pos;
      out = charLexeme(CharSet::all());
      return true;
    }
    if (c == '(') {
      ++pos;
      if (!parseAlternation(out, depth + 1))
        return false;
      skipSpace();
      if (!eat(")"))
        return setError("expected ')'");
      return true;
    }
    if (c == '<')
      return setError("token references (<...>) are not supported");
    if (isNameChar(c)) {
      std::string name;
      size_t at = pos;
      parseName(name);
      references.push_back({name, at});
      out = RuleExpr::sym(static_cast<Symbol>(nonterminal(name)));
      return true;
    }
    return setError(std::string("unexpected character '") + c + "'");
  }

  ConstraintBuilder &b;
  RegexBuilder &rx;
  std::string_view src;
  size_t pos = 0;
  std::string err;
  std::map<std::string, uint32_t> nonterminals;
  std::set<std::string> defined;
  std::vector<std::pair<std::string, size_t>> references;
};

} // namespace

bool compileGbnf(ConstraintBuilder &b, std::string_view text, Symbol &out, std::string &error) {
  GbnfParser parser(b, text);
  return parser.run(out, error);
}

} // namespace dec::cons
