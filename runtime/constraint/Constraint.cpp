//===- Constraint.cpp - Compiled constraints and how to build them --------===//
#include "runtime/constraint/Constraint.h"

#include "runtime/constraint/CharSet.h"
#include "runtime/constraint/FrontEnds.h"
#include "runtime/constraint/Lexer.h"
#include "runtime/constraint/RegexParser.h"
#include "runtime/constraint/TokenSplit.h"

#include <nlohmann/json.hpp>

namespace dec::cons {

Constraint::~Constraint() = default;

Constraint::Stats Constraint::stats() const {
  std::lock_guard<std::mutex> lock(mutex);
  return {grammar->numLexemes(), grammar->numNonterminals(), grammar->numRuleStates(), rx->numNodes(),
          lexer->numStates(),    splits->memoryBytes()};
}

ConstraintBuilder::ConstraintBuilder(std::shared_ptr<const Vocabulary> vocab, CompileOptions options)
    : vocab(std::move(vocab)), opts(options), rx(std::make_unique<RegexBuilder>()),
      grammar_(std::make_unique<Grammar>(*rx)) {}

ConstraintBuilder::~ConstraintBuilder() = default;

namespace {
/// A nonterminal deriving only the empty string.
Symbol epsilonSymbol(Grammar &g) {
  uint32_t nt = g.addNonterminal("empty");
  std::vector<StaticRule::State> states(1);
  states[0].accepting = true;
  g.setRule(nt, std::make_unique<StaticRule>(std::move(states)));
  return static_cast<Symbol>(nt);
}
} // namespace

Symbol regexSymbol(ConstraintBuilder &b, RegexId r) {
  RegexBuilder &rx = b.regexes();
  if (!rx.nullable(r))
    return b.addLexeme(r);
  // Lexemes never match the empty string; make the empty case an alternative.
  RegexId nonEmpty = rx.intersect(r, rx.plus(rx.bytes(ByteSet::all())));
  if (nonEmpty == kNothing || !rx.isLive(nonEmpty))
    return epsilonSymbol(b.grammar());
  return b.alternation({b.addLexeme(nonEmpty), epsilonSymbol(b.grammar())});
}

bool ConstraintBuilder::addRegex(std::string_view pattern, Symbol &out, std::string &error) {
  RegexId r;
  if (!compilePattern(*rx, pattern, RegexSyntaxOptions{}, encodeUtf8, r, error))
    return false;
  out = regexSymbol(*this, r);
  return true;
}

bool ConstraintBuilder::addJsonSchema(std::string_view schemaJson, Symbol &out, std::string &error) {
  return compileJsonSchema(*this, schemaJson, out, error);
}

bool ConstraintBuilder::addGbnf(std::string_view grammarText, Symbol &out, std::string &error) {
  return compileGbnf(*this, grammarText, out, error);
}

bool ConstraintBuilder::addLark(std::string_view grammarText, Symbol &out, std::string &error) {
  return compileLark(*this, grammarText, out, error);
}

Symbol ConstraintBuilder::addLiteral(std::string_view text) { return regexSymbol(*this, rx->literal(text)); }

Symbol ConstraintBuilder::addChoice(const std::vector<std::string> &options) {
  std::vector<RegexId> parts;
  for (const std::string &o : options)
    parts.push_back(rx->literal(o));
  return regexSymbol(*this, rx->alt(std::move(parts)));
}

bool ConstraintBuilder::addStop(const std::vector<std::string> &stops, Symbol &out, std::string &error) {
  std::vector<RegexId> literals;
  for (const std::string &s : stops) {
    if (s.empty()) {
      error = "empty stop string";
      return false;
    }
    literals.push_back(rx->literal(s));
  }
  if (literals.empty()) {
    error = "no stop strings";
    return false;
  }
  // Text that ends with a stop string and contains none before that end.
  RegexId anyChar = utf8Regex(*rx, CharSet::all());
  RegexId text = rx->star(anyChar);
  RegexId stop = rx->alt(literals);
  RegexId endsWithStop = rx->concat(text, stop);
  RegexId stopBeforeEnd = rx->concat({rx->star(rx->bytes(ByteSet::all())), stop,
                                      rx->plus(rx->bytes(ByteSet::all()))});
  out = regexSymbol(*this, rx->intersect(endsWithStop, rx->complement(stopBeforeEnd)));
  return true;
}

Symbol ConstraintBuilder::sequence(const std::vector<Symbol> &parts) {
  bool allLexemes = !parts.empty();
  for (Symbol s : parts)
    allLexemes = allLexemes && isLexeme(s);
  if (allLexemes) {
    // One lexeme for the whole sequence: greedy lexing cannot split it wrong.
    std::vector<RegexId> regexes;
    for (Symbol s : parts)
      regexes.push_back(grammar_->lexemeRegexes()[lexemeOf(s)]);
    return addLexeme(rx->concat(regexes));
  }
  uint32_t nt = grammar_->addNonterminal("sequence");
  grammar_->setRule(nt, StaticRule::sequence(parts));
  return static_cast<Symbol>(nt);
}

Symbol ConstraintBuilder::alternation(const std::vector<Symbol> &parts) {
  bool allLexemes = !parts.empty();
  for (Symbol s : parts)
    allLexemes = allLexemes && isLexeme(s);
  if (allLexemes) {
    std::vector<RegexId> regexes;
    for (Symbol s : parts)
      regexes.push_back(grammar_->lexemeRegexes()[lexemeOf(s)]);
    return addLexeme(rx->alt(std::move(regexes)));
  }
  uint32_t nt = grammar_->addNonterminal("alternation");
  grammar_->setRule(nt, StaticRule::choice(parts));
  return static_cast<Symbol>(nt);
}

bool ConstraintBuilder::limitLength(Symbol s, size_t maxBytes, Symbol &out, std::string &error) {
  if (!isLexeme(s)) {
    error = "a length limit applies only to a regular constraint (regex, choice, stop)";
    return false;
  }
  RegexId r = grammar_->lexemeRegexes()[lexemeOf(s)];
  uint32_t max = maxBytes >= kUnbounded ? kUnbounded - 1 : static_cast<uint32_t>(maxBytes);
  out = regexSymbol(*this, rx->intersect(r, rx->repeat(rx->bytes(ByteSet::all()), 0, max)));
  return true;
}

std::shared_ptr<const Constraint> ConstraintBuilder::build(Symbol start, std::string &error) {
  if (isLexeme(start)) {
    uint32_t nt = grammar_->addNonterminal("start");
    grammar_->setRule(nt, StaticRule::sequence({start}));
    start = static_cast<Symbol>(nt);
  }
  grammar_->setStart(start);
  if (!grammar_->finalize()) {
    error = "the constraint matches no string";
    return nullptr;
  }
  std::shared_ptr<Constraint> c(new Constraint());
  c->vocab = vocab;
  c->opts = opts;
  c->rx = std::move(rx);
  c->grammar = std::move(grammar_);
  c->lexer = std::make_unique<Lexer>(*c->rx, c->grammar->lexemeRegexes());
  c->splits = std::make_unique<TokenSplitCache>(*c->vocab, *c->lexer, std::move(stringCharClasses));
  return c;
}

namespace {
bool stringList(std::string_view spec, std::vector<std::string> &out, std::string &error, bool allowSingle) {
  nlohmann::json j = nlohmann::json::parse(spec, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    error = "expected a JSON array of strings";
    return false;
  }
  if (allowSingle && j.is_string()) {
    out.push_back(j.get<std::string>());
    return true;
  }
  if (!j.is_array()) {
    error = "expected a JSON array of strings";
    return false;
  }
  for (const auto &e : j) {
    if (!e.is_string()) {
      error = "expected a JSON array of strings";
      return false;
    }
    out.push_back(e.get<std::string>());
  }
  return true;
}
} // namespace

std::shared_ptr<const Constraint> compileConstraint(std::string_view kind, std::string_view spec,
                                                    const CompileOptions &options,
                                                    std::shared_ptr<const Vocabulary> vocab, std::string &error) {
  if (!vocab) {
    error = "no vocabulary";
    return nullptr;
  }
  ConstraintBuilder b(std::move(vocab), options);
  Symbol start;
  bool ok;
  if (kind == "regex") {
    ok = b.addRegex(spec, start, error);
  } else if (kind == "json_schema") {
    ok = b.addJsonSchema(spec, start, error);
  } else if (kind == "json") {
    ok = b.addJsonSchema("true", start, error);
  } else if (kind == "gbnf") {
    ok = b.addGbnf(spec, start, error);
  } else if (kind == "lark") {
    ok = b.addLark(spec, start, error);
  } else if (kind == "choice") {
    std::vector<std::string> options;
    ok = stringList(spec, options, error, false);
    if (ok && options.empty()) {
      error = "choice needs at least one option";
      ok = false;
    }
    if (ok)
      start = b.addChoice(options);
  } else if (kind == "stop") {
    std::vector<std::string> stops;
    ok = stringList(spec, stops, error, true) && b.addStop(stops, start, error);
  } else {
    error = "unknown constraint kind '" + std::string(kind) +
            "' (expected regex, json_schema, json, gbnf, lark, choice or stop)";
    ok = false;
  }
  if (!ok)
    return nullptr;
  auto c = b.build(start, error);
  if (!c && (kind == "json_schema" || kind == "json"))
    error = "the schema matches no value";
  return c;
}

} // namespace dec::cons
