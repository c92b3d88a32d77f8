//===- TokenTrie.h - Flattened trie of token byte strings -------*- C++ -*-===//
//
// The vocabulary as a trie laid out in preorder in one array: a mask walk is
// a single forward loop that steps an automaton once per node and, when the
// automaton dies, jumps over the node's whole subtree (`end`). Tokens that
// share a prefix share the automaton steps for it, and a dead prefix prunes
// every token below it; this is the structure llguidance walks at ~13
// cycles per node.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_TOKENTRIE_H
#define DEC_RUNTIME_CONSTRAINT_TOKENTRIE_H

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dec::cons {

struct TrieNode {
  uint8_t byte;    ///< the last byte of the prefix this node spells
  uint8_t unused;
  uint16_t depth;  ///< prefix length; the root has depth 0
  int32_t token;   ///< a token whose bytes are exactly this prefix, or -1
  uint32_t end;    ///< index one past the node's last descendant
};

class TokenTrie {
public:
  /// Builds the trie of (bytes, token id) pairs; empty strings are ignored.
  /// Tokens with identical bytes share a node (see sameBytes()).
  void build(std::vector<std::pair<std::string_view, int32_t>> tokens);
  const std::vector<TrieNode> &nodes() const { return nodes_; }
  size_t size() const { return nodes_.size(); }
  size_t maxDepth() const { return maxDepth_; }
  /// Further tokens whose bytes equal those of `node`'s token (added tokens
  /// that duplicate a vocabulary entry); usually empty.
  const std::vector<std::pair<uint32_t, int32_t>> &duplicates() const { return duplicates_; }
  /// The node index of the longest token that is a prefix of `bytes`, with
  /// its length; (0, 0) when none.
  std::pair<uint32_t, size_t> longestPrefixToken(std::string_view bytes) const;

private:
  std::vector<TrieNode> nodes_;
  std::vector<std::pair<uint32_t, int32_t>> duplicates_;
  size_t maxDepth_ = 0;
};

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_TOKENTRIE_H
