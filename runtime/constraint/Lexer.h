//===- Lexer.h - Lazy DFA over the lexemes a parser state allows -*- C++ -*-===//
//
// The grammar's terminals are lexemes (regexes). At each parser state some set
// of lexemes may come next; the lexer runs all of them in parallel as one DFA
// whose state is the list of (lexeme, derivative) pairs still alive. States
// and transitions are built on first use and kept, so the hot loop of a mask
// walk is one table lookup per trie node.
//
// Lexing is greedy (longest match), like Lark's contextual lexer: a lexeme
// that has matched keeps going while some lexeme can still continue, and ends
// at the first byte none can take. A state where every alive lexeme has just
// completed and none can continue "must end": the parser is told right away
// (that is where a JSON string's closing quote lands). Greedy lexing may
// reject strings a grammar allows when one lexeme's match can continue into
// what should be the next lexeme; it never accepts text outside the grammar.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_LEXER_H
#define DEC_RUNTIME_CONSTRAINT_LEXER_H

#include "runtime/constraint/Regex.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dec::cons {

using LexState = int32_t;
constexpr LexState kDeadLex = 0; ///< no lexeme can match
constexpr LexState kEndLex = 1;  ///< the parser allows no further lexeme (end of input)

class Lexer {
public:
  /// `lexemes[i]` is the regex of lexeme i. The byte partition of `rx` is
  /// fixed from here on: later derivatives never distinguish new bytes.
  Lexer(RegexBuilder &rx, std::vector<RegexId> lexemes);

  /// The state where each lexeme of the sorted list `allowed` starts.
  LexState start(const std::vector<uint32_t> &allowed);
  LexState next(LexState s, uint8_t b) {
    int32_t n = table[static_cast<size_t>(s) * numClasses + classOf[b]];
    return n >= 0 ? n : computeNext(s, b);
  }
  bool accepting(LexState s) const { return flags[s] & kAccepting; }
  bool mustEnd(LexState s) const { return flags[s] & kMustEnd; }
  /// An id for the set of lexemes completed in `s` (equal ids, equal sets).
  uint32_t acceptSet(LexState s) const { return states[s].acceptSet; }
  const std::vector<uint32_t> &acceptSetLexemes(uint32_t id) const { return acceptSets[id]; }
  /// The (lexeme, derivative) pairs of `s`.
  const std::vector<std::pair<uint32_t, RegexId>> &entries(LexState s) const { return states[s].entries; }
  size_t numStates() const { return states.size(); }
  RegexId lexemeRegex(uint32_t lexeme) const { return lexemes[lexeme]; }
  size_t numLexemes() const { return lexemes.size(); }
  RegexBuilder &regexes() { return rx; }

private:
  enum : uint8_t { kAccepting = 1, kMustEnd = 2 };
  struct State {
    std::vector<std::pair<uint32_t, RegexId>> entries;
    uint32_t acceptSet = 0;
  };
  LexState intern(std::vector<std::pair<uint32_t, RegexId>> entries);
  LexState computeNext(LexState s, uint8_t b);

  RegexBuilder &rx;
  std::vector<RegexId> lexemes;
  uint8_t classOf[256];
  std::vector<uint8_t> representative;
  size_t numClasses;
  std::vector<int32_t> table; ///< states x classes; -1 = not computed yet
  std::vector<uint8_t> flags;
  std::vector<State> states;
  std::unordered_map<std::string, LexState> stateIndex;
  std::unordered_map<std::string, LexState> startIndex;
  std::vector<std::vector<uint32_t>> acceptSets;
  std::unordered_map<std::string, uint32_t> acceptSetIndex;
};

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_LEXER_H
