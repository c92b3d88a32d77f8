//===- Lark.cpp - Lark-like grammars --------------------------------------===//
//
//   start: pair ("," pair)*
//   pair: KEY "=" value
//   ?value: NUMBER | ESCAPED_STRING
//   KEY: /[a-z_]+/
//   %import common.NUMBER
//   %import common.ESCAPED_STRING
//   %import common.WS
//   %ignore WS
//
// Lark's model: terminals (UPPERCASE, or inline "strings" and /regexes/) are
// regular and lexed greedily by a contextual lexer; rules (lowercase) are a
// context-free grammar over them. That is the engine's own model, so
// terminals become lexemes and rules become rule automata directly.
//
// Supported: rule and terminal definitions (with ?/! prefixes and .priority,
// both ignored), alternatives on continuation lines starting with `|`,
// "strings" (with the i flag), /regexes/ (flags i and s), "a".."z" ranges,
// groups ( ), optional [ ], ? * +, `~ n` and `~ n..m`, aliases `-> name`
// (ignored), `%import common.NAME` for Lark's common terminals,
// `%import common (A, B)`, and `%ignore`. Differences: when several
// terminals match the same text the parser tries each (Lark picks one by
// priority); %declare, %override, %extend and templates are refused.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/CharSet.h"
#include "runtime/constraint/FrontEnds.h"
#include "runtime/constraint/RegexParser.h"
#include "runtime/constraint/RuleExpr.h"

#include <cctype>
#include <map>
#include <set>

namespace dec::cons {

namespace {

/// Lark's grammars/common.lark, as regexes (Python syntax).
const std::map<std::string, std::string> &commonTerminals() {
  static const std::map<std::string, std::string> table = {
      {"DIGIT", "[0-9]"},
      {"HEXDIGIT", "[a-fA-F0-9]"},
      {"INT", "[0-9]+"},
      {"SIGNED_INT", "[+-]?[0-9]+"},
      {"DECIMAL", "[0-9]+\\.[0-9]*|\\.[0-9]+"},
      {"FLOAT", "[0-9]+[eE][+-]?[0-9]+|(?:[0-9]+\\.[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?"},
      {"SIGNED_FLOAT", "[+-]?(?:[0-9]+[eE][+-]?[0-9]+|(?:[0-9]+\\.[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"},
      {"NUMBER", "[0-9]+[eE][+-]?[0-9]+|(?:[0-9]+\\.[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+"},
      {"SIGNED_NUMBER", "[+-]?(?:[0-9]+[eE][+-]?[0-9]+|(?:[0-9]+\\.[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+)"},
      {"ESCAPED_STRING", "\"(?:[^\"\\\\\\n]|\\\\[^\\n])*\""},
      {"LCASE_LETTER", "[a-z]"},
      {"UCASE_LETTER", "[A-Z]"},
      {"LETTER", "[A-Za-z]"},
      {"WORD", "[A-Za-z]+"},
      {"CNAME", "[_A-Za-z][_A-Za-z0-9]*"},
      {"WS_INLINE", "[ \\t]+"},
      {"WS", "[ \\t\\f\\r\\n]+"},
      {"CR", "\\r"},
      {"LF", "\\n"},
      {"NEWLINE", "(?:\\r?\\n)+"},
  };
  return table;
}

class LarkParser {
public:
  LarkParser(ConstraintBuilder &b, std::string_view src) : b(b), rx(b.regexes()), src(src) {}

  bool run(Symbol &out, std::string &error) {
    if (!parseDefinitions())
      return fail(error);
    // Terminals first (rules refer to them), then rules.
    for (const auto &[name, def] : terminalDefs) {
      RegexId r;
      if (!terminalRegex(name, r, 0))
        return fail(error);
      (void)r;
    }
    for (const std::string &name : ignoreNames) {
      RegexId r;
      if (!terminalRegex(name, r, 0))
        return fail(error);
      b.grammar().addIgnored(b.grammar().addLexeme(r));
    }
    for (const auto &[name, def] : ruleDefs) {
      RuleExpr body;
      pos = def.begin;
      end = def.end;
      if (!parseExpansions(body, /*terminal=*/false, 0))
        return fail(error);
      skipSpace();
      if (pos < end) {
        setError("unexpected text in rule '" + name + "'");
        return fail(error);
      }
      std::unique_ptr<StaticRule> rule;
      if (!toRule(body, rule, 20000)) {
        setError("rule '" + name + "' is too large");
        return fail(error);
      }
      b.grammar().setRule(nonterminal(name), std::move(rule));
    }
    for (const auto &[name, where] : ruleRefs)
      if (!ruleDefs.count(name)) {
        pos = where;
        setError("undefined rule '" + name + "'");
        return fail(error);
      }
    if (!ruleDefs.count("start")) {
      setError("the grammar has no 'start' rule");
      return fail(error);
    }
    out = static_cast<Symbol>(nonterminal("start"));
    return true;
  }

private:
  struct Def {
    size_t begin, end;
  };

  bool fail(std::string &error) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < errPos && i < src.size(); ++i) {
      if (src[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    error = "Lark line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + err;
    return false;
  }
  bool setError(const std::string &message) {
    if (err.empty()) {
      err = message;
      errPos = pos;
    }
    return false;
  }
  bool atEnd() const { return pos >= end; }
  char peek(size_t k = 0) const { return pos + k < end ? src[pos + k] : '\0'; }
  bool eat(std::string_view s) {
    if (pos + s.size() <= end && src.substr(pos, s.size()) == s) {
      pos += s.size();
      return true;
    }
    return false;
  }
  /// Skips spaces, newlines and // comments.
  void skipSpace() {
    while (!atEnd()) {
      if (std::isspace(static_cast<unsigned char>(peek())))
        ++pos;
      else if (peek() == '/' && peek(1) == '/')
        while (!atEnd() && peek() != '\n')
          ++pos;
      else
        break;
    }
  }
  static bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  static bool isTerminalName(const std::string &n) {
    for (char c : n)
      if (std::islower(static_cast<unsigned char>(c)))
        return false;
    return !n.empty() && (std::isupper(static_cast<unsigned char>(n[0])) || n[0] == '_');
  }
  std::string name() {
    size_t start = pos;
    while (!atEnd() && isNameChar(peek()))
      ++pos;
    return std::string(src.substr(start, pos - start));
  }

  /// Splits the file into definitions and directives. A definition runs to
  /// the end of its line, plus following lines that start with '|' and
  /// lines inside open brackets.
  bool parseDefinitions() {
    end = src.size();
    pos = 0;
    for (;;) {
      skipSpace();
      if (atEnd())
        return true;
      if (peek() == '%') {
        if (!directive())
          return false;
        continue;
      }
      bool rulePrefix = peek() == '?' || peek() == '!';
      if (rulePrefix)
        ++pos;
      std::string n = name();
      if (n.empty())
        return setError("expected a rule or terminal definition");
      if (eat(".")) { // priority: ignored
        eat("-");
        while (!atEnd() && std::isdigit(static_cast<unsigned char>(peek())))
          ++pos;
      }
      while (!atEnd() && (peek() == ' ' || peek() == '\t'))
        ++pos;
      if (peek() == '{')
        return setError("templates are not supported");
      if (!eat(":"))
        return setError("expected ':' after '" + n + "'");
      Def d{pos, definitionEnd()};
      bool terminal = isTerminalName(n);
      auto &defs = terminal ? terminalDefs : ruleDefs;
      if (defs.count(n))
        return setError("'" + n + "' is defined twice");
      defs[n] = d;
      pos = d.end;
    }
  }

  size_t definitionEnd() {
    int depth = 0;
    size_t i = pos;
    while (i < src.size()) {
      char c = src[i];
      if (c == '"' || c == '/') {
        if (c == '/' && i + 1 < src.size() && src[i + 1] == '/') {
          while (i < src.size() && src[i] != '\n')
            ++i;
          continue;
        }
        // Skip a string or regex literal.
        char q = c;
        ++i;
        while (i < src.size() && src[i] != q && src[i] != '\n') {
          if (src[i] == '\\')
            ++i;
          ++i;
        }
        ++i;
        continue;
      }
      if (c == '(' || c == '[')
        ++depth;
      else if (c == ')' || c == ']')
        --depth;
      else if (c == '\n' && depth <= 0) {
        // Continues when the next non-blank line starts with '|'.
        size_t j = i + 1;
        while (j < src.size() && std::isspace(static_cast<unsigned char>(src[j])))
          ++j;
        if (j < src.size() && src[j] == '|') {
          i = j;
          continue;
        }
        return i;
      }
      ++i;
    }
    return src.size();
  }

  bool directive() {
    ++pos; // '%'
    std::string d = name();
    while (!atEnd() && (peek() == ' ' || peek() == '\t'))
      ++pos;
    if (d == "ignore") {
      size_t lineEnd = src.find('\n', pos);
      if (lineEnd == std::string::npos)
        lineEnd = src.size();
      size_t save = end;
      end = lineEnd;
      // An inline pattern becomes an anonymous terminal.
      if (peek() == '"' || peek() == '/') {
        std::string anon = "__IGNORE" + std::to_string(ignoreNames.size());
        terminalDefs[anon] = {pos, lineEnd};
        ignoreNames.push_back(anon);
      } else {
        std::string n = name();
        if (n.empty())
          return setError("expected a terminal after %ignore");
        ignoreNames.push_back(n);
      }
      end = save;
      pos = lineEnd;
      return true;
    }
    if (d == "import") {
      std::string module = name();
      if (module != "common")
        return setError("only %import common.NAME is supported");
      if (eat(".")) {
        std::string n = name();
        return importCommon(n);
      }
      while (!atEnd() && (peek() == ' ' || peek() == '\t'))
        ++pos;
      if (!eat("("))
        return setError("expected '.' or '(' after %import common");
      for (;;) {
        skipSpace();
        std::string n = name();
        if (n.empty() || !importCommon(n))
          return setError("expected a terminal name in %import");
        skipSpace();
        if (eat(")"))
          return true;
        if (!eat(","))
          return setError("expected ',' or ')' in %import");
      }
    }
    return setError("unsupported directive '%" + d + "'");
  }
  bool importCommon(const std::string &n) {
    auto it = commonTerminals().find(n);
    if (it == commonTerminals().end())
      return setError("unknown common terminal '" + n + "'");
    imported[n] = it->second;
    // An alias: %import common.X -> Y
    while (!atEnd() && (peek() == ' ' || peek() == '\t'))
      ++pos;
    if (eat("->")) {
      while (!atEnd() && (peek() == ' ' || peek() == '\t'))
        ++pos;
      std::string alias = name();
      imported[alias] = it->second;
    }
    return true;
  }

  uint32_t nonterminal(const std::string &n) {
    auto it = nonterminals.find(n);
    if (it != nonterminals.end())
      return it->second;
    uint32_t nt = b.grammar().addNonterminal(n);
    nonterminals.emplace(n, nt);
    return nt;
  }

  bool terminalRegex(const std::string &n, RegexId &out, int depth) {
    auto known = terminalRegexes.find(n);
    if (known != terminalRegexes.end()) {
      out = known->second;
      return true;
    }
    if (depth > 50)
      return setError("terminal '" + n + "' refers to itself");
    auto imp = imported.find(n);
    if (imp != imported.end() && !terminalDefs.count(n)) {
      std::string message;
      if (!compilePattern(rx, imp->second, RegexSyntaxOptions{}, encodeUtf8, out, message))
        return setError(message);
      terminalRegexes[n] = out;
      return true;
    }
    auto def = terminalDefs.find(n);
    if (def == terminalDefs.end())
      return setError("undefined terminal '" + n + "'");
    size_t savePos = pos, saveEnd = end;
    pos = def->second.begin;
    end = def->second.end;
    bool ok = parseTerminalExpansions(out, depth);
    skipSpace();
    if (ok && pos < end)
      ok = setError("unexpected text in terminal '" + n + "'");
    pos = savePos;
    end = saveEnd;
    if (!ok)
      return false;
    terminalRegexes[n] = out;
    return true;
  }

  // ---- Expansions: shared by rules (RuleExpr) and terminals (regex) ------

  /// A literal "..." (with i flag) or /.../flags as a regex.
  bool literal(RegexId &out) {
    char q = peek();
    ++pos;
    std::string body;
    while (!atEnd() && peek() != q) {
      if (peek() == '\\' && q == '/' && peek(1) == '/') {
        body += '/';
        pos += 2;
        continue;
      }
      if (peek() == '\\') {
        body += peek();
        ++pos;
      }
      if (atEnd())
        break;
      body += peek();
      ++pos;
    }
    if (!eat(std::string(1, q)))
      return setError("unterminated literal");
    RegexSyntaxOptions opts;
    while (!atEnd() && (peek() == 'i' || peek() == 's' || peek() == 'm' || peek() == 'x' || peek() == 'u')) {
      char f = peek();
      ++pos;
      if (f == 'i')
        opts.caseInsensitive = true;
      else if (f == 's')
        opts.dotAll = true;
      else if (f != 'u')
        return setError(std::string("unsupported regex flag '") + f + "'");
    }
    std::string message;
    if (q == '/') {
      if (!compilePattern(rx, body, opts, encodeUtf8, out, message))
        return setError(message);
      return true;
    }
    // A string: decode its escapes, then match it literally.
    std::string text;
    for (size_t i = 0; i < body.size(); ++i) {
      if (body[i] != '\\' || i + 1 == body.size()) {
        text += body[i];
        continue;
      }
      char e = body[++i];
      switch (e) {
      case 'n':
        text += '\n';
        break;
      case 't':
        text += '\t';
        break;
      case 'r':
        text += '\r';
        break;
      default:
        text += e;
      }
    }
    if (!opts.caseInsensitive) {
      out = rx.literal(text);
      return true;
    }
    std::vector<RegexId> chars;
    for (unsigned char c : text) {
      CharSet s = CharSet::of(c, c);
      s.addAsciiCaseVariants();
      chars.push_back(c < 0x80 ? utf8Regex(rx, s) : rx.byte(c));
    }
    out = rx.concat(chars);
    return true;
  }

  /// "a".."z": a range of single characters.
  bool maybeRange(RegexId &lit, size_t litStart) {
    if (!(peek() == '.' && peek(1) == '.'))
      return true;
    pos += 2;
    if (peek() != '"')
      return setError("expected a string after '..'");
    size_t hiStart = pos;
    RegexId hiLit;
    if (!literal(hiLit))
      return false;
    std::string_view lo = src.substr(litStart + 1, 1), hi = src.substr(hiStart + 1, 1);
    if (src[litStart + 2] != '"' || src[hiStart + 2] != '"')
      return setError("a range needs single characters");
    lit = rx.bytes(ByteSet::range(static_cast<uint8_t>(lo[0]), static_cast<uint8_t>(hi[0])));
    return true;
  }

  bool repeatSuffix(uint32_t &min, uint32_t &max, bool &any) {
    any = true;
    skipInline();
    if (eat("?"))
      min = 0, max = 1;
    else if (eat("*"))
      min = 0, max = kUnbounded;
    else if (eat("+"))
      min = 1, max = kUnbounded;
    else if (eat("~")) {
      skipInline();
      if (!number(min))
        return setError("expected a number after '~'");
      max = min;
      if (eat("..") && !number(max))
        return setError("expected a number after '..'");
      if (max < min || max > 10000)
        return setError("bad repetition range");
    } else
      any = false;
    return true;
  }
  void skipInline() {
    while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == '\r' || peek() == '\n'))
      ++pos;
  }
  bool number(uint32_t &v) {
    size_t start = pos;
    uint64_t n = 0;
    while (!atEnd() && std::isdigit(static_cast<unsigned char>(peek()))) {
      n = std::min<uint64_t>(n * 10 + static_cast<uint64_t>(peek() - '0'), 1u << 20);
      ++pos;
    }
    v = static_cast<uint32_t>(n);
    return pos > start;
  }

  // Terminal expansions: regexes all the way down.
  bool parseTerminalExpansions(RegexId &out, int depth) {
    std::vector<RegexId> alternatives;
    for (;;) {
      std::vector<RegexId> seq;
      for (;;) {
        skipSpace();
        if (atEnd() || peek() == '|' || peek() == ')' || peek() == ']')
          break;
        RegexId item;
        if (!terminalAtom(item, depth))
          return false;
        uint32_t min, max;
        bool any;
        do {
          if (!repeatSuffix(min, max, any))
            return false;
          if (any)
            item = rx.repeat(item, min, max);
        } while (any);
        seq.push_back(item);
      }
      alternatives.push_back(rx.concat(seq));
      skipSpace();
      if (!eat("|"))
        break;
    }
    out = rx.alt(alternatives);
    return true;
  }

  bool terminalAtom(RegexId &out, int depth) {
    char c = peek();
    if (c == '"' || c == '/') {
      size_t start = pos;
      return literal(out) && (c != '"' || maybeRange(out, start));
    }
    if (c == '(' || c == '[') {
      ++pos;
      if (!parseTerminalExpansions(out, depth))
        return false;
      skipSpace();
      if (!eat(c == '(' ? ")" : "]"))
        return setError(std::string("expected '") + (c == '(' ? ")" : "]") + "'");
      if (c == '[')
        out = rx.optional(out);
      return true;
    }
    std::string n = name();
    if (n.empty())
      return setError(std::string("unexpected character '") + c + "'");
    if (!isTerminalName(n))
      return setError("a terminal cannot refer to the rule '" + n + "'");
    return terminalRegex(n, out, depth + 1);
  }

  // Rule expansions: symbols.
  bool parseExpansions(RuleExpr &out, bool, int depth) {
    if (depth > 100)
      return setError("groups nested too deeply");
    std::vector<RuleExpr> alternatives;
    for (;;) {
      std::vector<RuleExpr> seq;
      for (;;) {
        skipSpace();
        if (atEnd() || peek() == '|' || peek() == ')' || peek() == ']')
          break;
        if (peek() == '-' && peek(1) == '>') { // alias: ignored
          pos += 2;
          skipSpace();
          name();
          continue;
        }
        RuleExpr item;
        if (!ruleAtom(item, depth))
          return false;
        uint32_t min, max;
        bool any;
        do {
          if (!repeatSuffix(min, max, any))
            return false;
          if (any)
            item = RuleExpr::repeat(std::move(item), min, max);
        } while (any);
        seq.push_back(std::move(item));
      }
      alternatives.push_back(RuleExpr::seq(std::move(seq)));
      skipSpace();
      if (!eat("|"))
        break;
    }
    out = alternatives.size() == 1 ? std::move(alternatives[0]) : RuleExpr::choice(std::move(alternatives));
    return true;
  }

  bool ruleAtom(RuleExpr &out, int depth) {
    char c = peek();
    if (c == '"' || c == '/') {
      size_t start = pos;
      RegexId r;
      if (!literal(r) || (c == '"' && !maybeRange(r, start)))
        return false;
      out = RuleExpr::sym(regexSymbol(b, r));
      return true;
    }
    if (c == '(' || c == '[') {
      ++pos;
      if (!parseExpansions(out, false, depth + 1))
        return false;
      skipSpace();
      if (!eat(c == '(' ? ")" : "]"))
        return setError(std::string("expected '") + (c == '(' ? ")" : "]") + "'");
      if (c == '[')
        out = RuleExpr::repeat(std::move(out), 0, 1);
      return true;
    }
    size_t at = pos;
    std::string n = name();
    if (n.empty())
      return setError(std::string("unexpected character '") + c + "'");
    if (isTerminalName(n)) {
      RegexId r;
      if (!terminalRegex(n, r, 0))
        return false;
      out = RuleExpr::sym(regexSymbol(b, r));
      return true;
    }
    ruleRefs.push_back({n, at});
    out = RuleExpr::sym(static_cast<Symbol>(nonterminal(n)));
    return true;
  }

  ConstraintBuilder &b;
  RegexBuilder &rx;
  std::string_view src;
  size_t pos = 0, end = 0;
  std::string err;
  size_t errPos = 0;
  std::map<std::string, Def> ruleDefs, terminalDefs;
  std::map<std::string, std::string> imported;
  std::map<std::string, RegexId> terminalRegexes;
  std::vector<std::string> ignoreNames;
  std::map<std::string, uint32_t> nonterminals;
  std::vector<std::pair<std::string, size_t>> ruleRefs;
};

} // namespace

bool compileLark(ConstraintBuilder &b, std::string_view text, Symbol &out, std::string &error) {
  LarkParser parser(b, text);
  return parser.run(out, error);
}

} // namespace dec::cons
