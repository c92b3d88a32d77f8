//===- TokenSplit.h - Per-lexer-state precomputed masks ---------*- C++ -*-===//
//
// For a lexer state q, every token falls in one of three classes:
//   inside   - its bytes keep q's lexemes alive without completing one that
//              must end: allowed, whatever the parser state (every lexeme of
//              q was allowed by the parser when it started);
//   dead     - q dies inside the token before any lexeme could end: rejected;
//   boundary - a lexeme ends within the token: depends on the parser.
// The split is computed once per lexer state (the XGrammar "context-independent
// tokens" idea, keyed by lexer state rather than by grammar position) and
// reused at every later mask in that state; only the boundary tokens are
// walked again, and they are few (in a JSON string body: the ones with a
// quote).
//
// JSON string bodies get a faster first walk: the vocabulary's string slices
// say which tokens are plain runs of n string characters, so for a state
// "up to k more characters, then a closing quote" those tokens are one
// precomputed bitset and only the others (about 5% of Llama-3) are walked.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_TOKENSPLIT_H
#define DEC_RUNTIME_CONSTRAINT_TOKENSPLIT_H

#include "runtime/constraint/Lexer.h"
#include "runtime/constraint/TokenTrie.h"
#include "runtime/constraint/Vocabulary.h"

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace dec::cons {

struct TokenSplit {
  /// A trie node where a lexeme boundary falls: the node's byte either ends
  /// the lexemes of `before` (they cannot take it) or completes a lexeme
  /// that must end.
  struct Boundary {
    uint32_t node;
    LexState before;
  };
  const std::vector<uint32_t> *sharedInside = nullptr; ///< a vocabulary slice, or null
  std::vector<uint32_t> denseInside;                   ///< or a private bitset
  std::vector<int32_t> sparseInside;                   ///< plus these ids
  const TokenTrie *trie = nullptr;                     ///< the trie `boundaries` index
  std::vector<Boundary> boundaries;

  /// Writes the inside tokens as a mask of `words` words.
  void fillInside(uint32_t *words, size_t numWords) const;
  size_t bytes() const {
    return denseInside.size() * 4 + sparseInside.size() * 4 + boundaries.size() * sizeof(Boundary);
  }
};

class TokenSplitCache {
public:
  TokenSplitCache(const Vocabulary &vocab, Lexer &lexer, std::unordered_set<RegexId> stringCharClasses)
      : vocab(vocab), lexer(lexer), stringCharClasses(std::move(stringCharClasses)) {}
  const TokenSplit &get(LexState q) {
    if (static_cast<size_t>(q) < splits.size() && splits[q])
      return *splits[q];
    return compute(q);
  }
  size_t memoryBytes() const { return totalBytes; }

private:
  const TokenSplit &compute(LexState q);
  /// Walks `trie` from q with the lexer alone.
  void walk(const TokenTrie &trie, LexState q, TokenSplit &split, std::vector<int32_t> &inside);
  /// The longest run of string characters q's string-body lexemes can take
  /// before their closing quote (-1: none has that shape); `allEntries` says
  /// whether every lexeme of q has it.
  int64_t stringBodyCapacity(LexState q, bool &allEntries);
  /// How many string characters a body regex absorbs staying alive, or -1.
  int64_t bodyCapacity(RegexId body);
  /// Whether every run of plain string characters keeps q alive without a
  /// lexeme having to end (explores q's closure under such runs).
  bool absorbsStringCharacters(LexState q);
  /// Whether every run of plain string characters leads r to a state that
  /// accepts (cached per regex).
  bool absorbsAll(RegexId r);

  const Vocabulary &vocab;
  Lexer &lexer;
  std::unordered_set<RegexId> stringCharClasses;
  std::vector<std::unique_ptr<TokenSplit>> splits;
  size_t totalBytes = 0;
  std::vector<LexState> stack;
  std::unordered_map<RegexId, bool> absorbing;
};

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_TOKENSPLIT_H
