//===- Grammar.h - Context-free grammars over lexemes -----------*- C++ -*-===//
//
// A grammar is a set of nonterminals whose right-hand sides are automata
// (a recursive transition network) over symbols: lexemes (terminals, each a
// regex) and nonterminals. Automata rather than productions because
// JSON Schema objects need them: "these properties in any order, each at most
// once, the required ones present" is an automaton whose state is the set of
// keys seen so far — exponential if spelled as productions, but only the
// states a generation actually visits are ever built, since every rule is
// expanded lazily (RuleSource::expand).
//
// Invariant the parser relies on for soundness: every expanded rule state can
// reach an accepting state (finalize() computes which nonterminals are
// productive; rule sources only emit edges that keep acceptance reachable).
// Then every prefix the parser accepts can be completed.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_GRAMMAR_H
#define DEC_RUNTIME_CONSTRAINT_GRAMMAR_H

#include "runtime/constraint/Regex.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace dec::cons {

/// A symbol: a nonterminal id (>= 0) or a lexeme (lexemeSymbol(i) < 0).
using Symbol = int32_t;
inline Symbol lexemeSymbol(uint32_t lexeme) { return -static_cast<Symbol>(lexeme) - 1; }
inline bool isLexeme(Symbol s) { return s < 0; }
inline uint32_t lexemeOf(Symbol s) { return static_cast<uint32_t>(-s - 1); }

using RuleStateId = uint32_t;

struct RuleEdge {
  Symbol symbol;
  RuleStateId target;
};

struct RuleState {
  uint32_t nonterminal;
  bool accepting = false;
  bool expanded = false;
  std::vector<RuleEdge> edges;
};

class Grammar;

/// The right-hand side of one nonterminal, as an automaton over symbols whose
/// states are small integers chosen by the source.
class RuleSource {
public:
  virtual ~RuleSource() = default;
  virtual uint32_t start() = 0;
  /// Appends the outgoing edges of `state` (symbol, target state) and says
  /// whether it is accepting. Only edges after which acceptance stays
  /// reachable may be emitted (see Grammar::productive()).
  virtual void expand(const Grammar &g, uint32_t state, std::vector<std::pair<Symbol, uint32_t>> &edges,
                      bool &accepting) = 0;
  /// Whether the rule derives some string, given which symbols do.
  virtual bool productive(const Grammar &g) = 0;
  /// Whether it derives the empty string, given which nonterminals do.
  virtual bool nullable(const Grammar &g) = 0;
};

/// A rule given as an explicit automaton (grammar files, unions).
class StaticRule : public RuleSource {
public:
  struct State {
    std::vector<std::pair<Symbol, uint32_t>> edges;
    bool accepting = false;
  };
  explicit StaticRule(std::vector<State> states, uint32_t start = 0)
      : states(std::move(states)), start_(start) {}
  /// One state that accepts after any one of `alternatives`.
  static std::unique_ptr<StaticRule> choice(const std::vector<Symbol> &alternatives);
  /// Accepts exactly the sequence.
  static std::unique_ptr<StaticRule> sequence(const std::vector<Symbol> &symbols);

  uint32_t start() override { return start_; }
  void expand(const Grammar &g, uint32_t state, std::vector<std::pair<Symbol, uint32_t>> &edges,
              bool &accepting) override;
  bool productive(const Grammar &g) override;
  bool nullable(const Grammar &g) override;

private:
  /// Per state: acceptance reachable through productive symbols.
  void computeLive(const Grammar &g);
  std::vector<State> states;
  uint32_t start_;
  std::vector<uint8_t> live;
};

class Grammar {
public:
  explicit Grammar(RegexBuilder &rx) : rx(rx) {}

  /// Adds a lexeme (deduplicated by regex) and returns its index.
  uint32_t addLexeme(RegexId regex);
  /// Declares a nonterminal; its rule may be set later (recursion).
  uint32_t addNonterminal(std::string name);
  void setRule(uint32_t nt, std::unique_ptr<RuleSource> rule);
  bool hasRule(uint32_t nt) const { return nonterminals[nt].rule != nullptr; }
  void setStart(Symbol start) { start_ = start; }
  /// Lexemes that may appear between any two lexemes and are skipped by the
  /// parser (Lark's %ignore).
  void addIgnored(uint32_t lexeme) { ignored.push_back(lexeme); }
  const std::vector<uint32_t> &ignoredLexemes() const { return ignored; }
  bool isIgnored(uint32_t lexeme) const {
    return std::find(ignored.begin(), ignored.end(), lexeme) != ignored.end();
  }
  Symbol start() const { return start_; }

  /// Computes productivity and nullability; must precede parsing. Returns
  /// false when the start symbol derives nothing.
  bool finalize();

  bool productive(Symbol s) const {
    return isLexeme(s) ? lexemeLive[lexemeOf(s)] : nonterminals[s].productive;
  }
  bool nullable(Symbol s) const { return !isLexeme(s) && nonterminals[s].nullable; }
  size_t numNonterminals() const { return nonterminals.size(); }
  size_t numLexemes() const { return lexemes.size(); }
  const std::vector<RegexId> &lexemeRegexes() const { return lexemes; }
  const std::string &name(uint32_t nt) const { return nonterminals[nt].name; }
  RuleSource *rule(uint32_t nt) const { return nonterminals[nt].rule.get(); }

  /// The initial state of `nt`'s rule and lazily expanded states.
  RuleStateId startState(uint32_t nt);
  /// References stay valid while the grammar grows.
  const RuleState &state(RuleStateId id) {
    RuleState &s = states[id];
    if (!s.expanded)
      expand(id);
    return s;
  }
  size_t numRuleStates() const { return states.size(); }

private:
  void expand(RuleStateId id);
  RuleStateId globalState(uint32_t nt, uint32_t local);

  struct Nonterminal {
    std::string name;
    std::unique_ptr<RuleSource> rule;
    bool productive = false;
    bool nullable = false;
    std::vector<int32_t> localToGlobal;
  };
  RegexBuilder &rx;
  std::vector<RegexId> lexemes;
  std::vector<uint8_t> lexemeLive;
  std::unordered_map<RegexId, uint32_t> lexemeIndex;
  std::vector<Nonterminal> nonterminals;
  std::deque<RuleState> states; ///< deque: references stay valid as it grows
  std::vector<uint32_t> stateLocal; ///< per global state: the source's state
  Symbol start_ = 0;
  std::vector<uint32_t> ignored;
};

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_GRAMMAR_H
