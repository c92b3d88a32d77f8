//===- Constraint.h - Compiled constraints and how to build them -*- C++ -*-===//
//
// A Constraint is a grammar over lexemes compiled for one vocabulary. It is
// shared by every Matcher (one per sequence) and safe to use from several
// threads: its lazily built parts (derivatives, lexer DFA, rule states,
// per-state token splits) grow under a mutex that each Matcher call takes.
//
// Front ends (regex, JSON Schema, GBNF, Lark-like, choice, stop strings) add
// symbols to a ConstraintBuilder; combinators put symbols in sequence or in
// alternation; build() picks the start symbol. compileConstraint() is the
// one-call form used by the C API.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_CONSTRAINT_H
#define DEC_RUNTIME_CONSTRAINT_CONSTRAINT_H

#include "runtime/constraint/Grammar.h"
#include "runtime/constraint/Regex.h"
#include "runtime/constraint/Vocabulary.h"

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace dec::cons {

class Lexer;
class TokenSplitCache;

/// Separators a JSON constraint accepts between tokens.
enum class JsonWhitespace {
  Python,   ///< ", " and ": " exactly, nothing else (Python json.dumps)
  Compact,  ///< "," and ":" with no whitespace at all
  Flexible, ///< any JSON whitespace around structural characters (bounded runs)
};

struct CompileOptions {
  JsonWhitespace whitespace = JsonWhitespace::Python;
  /// Longest whitespace run under Flexible.
  uint32_t maxWhitespace = 16;
  /// Whether masks allow the end-of-sequence tokens once the constraint is
  /// satisfied (they are never allowed before).
  bool allowEos = true;
  /// `format` values the engine does not know: true = compile error, false =
  /// annotation only (the JSON Schema default for unknown formats).
  bool strictFormats = false;
  /// Work limits for compiling (guards against schemas that explode).
  size_t maxSchemaAlternatives = 256; ///< anyOf/oneOf products per schema node
  size_t maxNonterminals = 200000;
};

class Constraint {
public:
  ~Constraint();
  const Vocabulary &vocabulary() const { return *vocab; }
  const CompileOptions &options() const { return opts; }
  struct Stats {
    size_t lexemes, nonterminals, ruleStates, regexNodes, lexerStates, splitCacheBytes;
  };
  Stats stats() const;

private:
  friend class ConstraintBuilder;
  friend class Matcher;
  Constraint() = default;

  std::shared_ptr<const Vocabulary> vocab;
  CompileOptions opts;
  mutable std::mutex mutex;
  std::unique_ptr<RegexBuilder> rx;
  std::unique_ptr<Grammar> grammar;
  std::unique_ptr<Lexer> lexer;
  std::unique_ptr<TokenSplitCache> splits;
};

class ConstraintBuilder {
public:
  ConstraintBuilder(std::shared_ptr<const Vocabulary> vocab, CompileOptions options = {});
  ~ConstraintBuilder();

  RegexBuilder &regexes() { return *rx; }
  Grammar &grammar() { return *grammar_; }
  const CompileOptions &options() const { return opts; }
  /// Declares that `charClass` (a regex of one string character) contains
  /// every JSON string character that needs no escape, enabling the string
  /// slices for lexemes of the form charClass{m,n} followed by '"'.
  void registerStringCharClass(RegexId charClass) { stringCharClasses.insert(charClass); }

  // ---- Front ends: each adds a symbol or fails with a message -------------
  bool addRegex(std::string_view pattern, Symbol &out, std::string &error);
  bool addJsonSchema(std::string_view schemaJson, Symbol &out, std::string &error);
  bool addGbnf(std::string_view grammarText, Symbol &out, std::string &error);
  bool addLark(std::string_view grammarText, Symbol &out, std::string &error);
  /// Exactly one of the strings.
  Symbol addChoice(const std::vector<std::string> &options);
  /// Any text up to and including the first occurrence of one of the stop
  /// strings.
  bool addStop(const std::vector<std::string> &stops, Symbol &out, std::string &error);
  Symbol addLiteral(std::string_view text);
  Symbol addLexeme(RegexId regex) { return lexemeSymbol(grammar_->addLexeme(regex)); }

  // ---- Combinators ----------------------------------------------------------
  Symbol sequence(const std::vector<Symbol> &parts);
  Symbol alternation(const std::vector<Symbol> &parts);
  /// `s` with at most `maxBytes` bytes; only for regular symbols (a lexeme).
  bool limitLength(Symbol s, size_t maxBytes, Symbol &out, std::string &error);

  /// Finishes the constraint with `start` as its start symbol. The builder
  /// cannot be used afterwards.
  std::shared_ptr<const Constraint> build(Symbol start, std::string &error);

private:
  std::shared_ptr<const Vocabulary> vocab;
  CompileOptions opts;
  std::unique_ptr<RegexBuilder> rx;
  std::unique_ptr<Grammar> grammar_;
  std::unordered_set<RegexId> stringCharClasses;
};

/// Compiles `spec` of kind "regex", "json_schema", "json" (any JSON value;
/// spec ignored), "gbnf", "lark", "choice" (a JSON array of strings) or
/// "stop" (a JSON array of strings, or one string). Null on error.
std::shared_ptr<const Constraint> compileConstraint(std::string_view kind, std::string_view spec,
                                                    const CompileOptions &options,
                                                    std::shared_ptr<const Vocabulary> vocab, std::string &error);

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_CONSTRAINT_H
