//===- Matcher.h - Per-sequence state of a constraint -----------*- C++ -*-===//
//
// A Matcher follows one sequence through a Constraint: the configuration
// after the tokens committed so far is (Earley row, lexer state), and the
// history of configurations is a stack, so rollback(n) is a pop.
//
// Every operation is defined by one byte step (step()):
//   - the lexer takes the byte, or
//   - the lexemes completed so far end (greedy lexing), the parser takes them
//     (a row transition, memoized), and the next lexemes start with the byte;
// and when the lexer lands in a state that must end, the parser takes the
// completed lexemes right away. accepts(), advance(), the mask walk and
// forcedTokens() all use this step, so they agree by construction.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_MATCHER_H
#define DEC_RUNTIME_CONSTRAINT_MATCHER_H

#include "runtime/constraint/Constraint.h"
#include "runtime/constraint/Lexer.h"
#include "runtime/constraint/Parser.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dec::cons {

class TokenTrie;

class Matcher {
public:
  explicit Matcher(std::shared_ptr<const Constraint> constraint);
  ~Matcher();

  /// Writes the allowed next tokens as ceil(V/32) words, bit t%32 of word
  /// t/32 for token t.
  void fillMask(uint32_t *words);
  /// Whether `token` may come next (no state change).
  bool accepts(int32_t token);
  /// Commits `token`; false (and no change) when it is not allowed.
  bool advance(int32_t token);
  /// Undoes the last `n` committed tokens; false when fewer were committed.
  bool rollback(size_t n);
  /// Whether the text so far is a complete match (end-of-sequence allowed).
  bool isAccepting();
  /// Whether an end-of-sequence token was committed.
  bool isFinished() const { return history.back().finished; }
  /// Tokens the constraint forces from here (jump-forward): the tokenization
  /// of the longest byte string every continuation starts with, minus its
  /// last token unless the text must end there. Does not change the state.
  std::vector<int32_t> forcedTokens();
  /// The forced byte string itself.
  std::string forcedBytes();
  /// Byte-level access (tests, tools): whether the bytes can follow / commit
  /// them as if they were one token.
  bool acceptsBytes(std::string_view bytes);
  bool advanceBytes(std::string_view bytes);
  /// Number of committed tokens.
  size_t numTokens() const { return history.size() - 1; }
  void reset();
  const Constraint &constraint() const { return *c; }

private:
  struct Config {
    RowId row;
    LexState lex;
    bool atStart; ///< no byte of the current lexeme consumed yet
    bool finished = false;
  };
  bool step(Config &cfg, uint8_t byte);
  bool runBytes(Config &cfg, std::string_view bytes);
  bool accepting(const Config &cfg);
  void walkBoundary(const TokenTrie &trie, uint32_t node, Config start, uint32_t *words);
  void markToken(const TokenTrie &trie, uint32_t node, uint32_t *words);
  bool tokenAllowed(const Config &cfg, int32_t token, Config *after);

  std::shared_ptr<const Constraint> c;
  std::unique_ptr<Parser> parser;
  std::vector<Config> history;
  std::vector<Config> walkStack;
  /// The last few masks by configuration: inside a long string value the
  /// configuration repeats from token to token.
  struct CachedMask {
    RowId row = kDeadRow;
    LexState lex = kDeadLex;
    bool atStart = false;
    std::vector<uint32_t> words;
  };
  CachedMask maskCache[4];
  unsigned nextCacheSlot = 0;
};

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_MATCHER_H
