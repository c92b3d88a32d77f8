//===- Vocabulary.h - A tokenizer's tokens as byte strings ------*- C++ -*-===//
//
// What the constraint engine needs from a tokenizer, prepared once per
// tokenizer and shared by every constraint compiled for it: the bytes of each
// token, the token trie, which ids are special (never text) and which end the
// sequence, and the "JSON string slices" (tokens that are whole runs of
// ordinary string characters, bucketed by length), which turn the most common
// mask of all — inside a JSON string — into a bitset copy plus a walk over
// the few thousand remaining tokens.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_VOCABULARY_H
#define DEC_RUNTIME_CONSTRAINT_VOCABULARY_H

#include "runtime/constraint/TokenTrie.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace dec {
class Tokenizer;
}

namespace dec::cons {

/// Tokens that spell whole characters of a JSON string body needing no
/// escape (valid UTF-8, no '"', '\\' or control character), by length.
struct JsonStringSlices {
  std::vector<int16_t> length;             ///< per token: characters, or -1
  std::vector<std::vector<uint32_t>> upTo; ///< upTo[k]: mask of tokens with length 1..k
  TokenTrie others;                        ///< the trie of every other token
  int maxLength = 0;
};

class Vocabulary {
public:
  /// From a loaded tokenizer. `modelVocab` is the number of logits of the
  /// model (masks have ceil(modelVocab / 32) words); 0 means the tokenizer's
  /// size. Ids at or above the tokenizer's size are never allowed.
  static std::shared_ptr<const Vocabulary> fromTokenizer(std::shared_ptr<const Tokenizer> tokenizer,
                                                         int64_t modelVocab, std::string &error);
  /// Loads tokenizer.json at `path`.
  static std::shared_ptr<const Vocabulary> fromTokenizerFile(const std::string &path, int64_t modelVocab,
                                                             std::string &error);
  /// From explicit token bytes (tests): `special` ids are never text.
  static std::shared_ptr<const Vocabulary> fromTokens(std::vector<std::string> tokens,
                                                      std::vector<int32_t> special, std::vector<int32_t> eos,
                                                      int64_t modelVocab = 0);

  /// The number of ids a mask covers.
  int32_t size() const { return size_; }
  size_t maskWords() const { return (static_cast<size_t>(size_) + 31) / 32; }
  const std::string &tokenBytes(int32_t id) const;
  /// Whether `id` names a token that can appear in constrained text.
  bool isText(int32_t id) const { return id >= 0 && id < size_ && textToken_[id]; }
  bool isEos(int32_t id) const;
  const std::vector<int32_t> &eosTokens() const { return eos_; }
  const TokenTrie &trie() const { return trie_; }
  /// Built on first use (thread-safe).
  const JsonStringSlices &jsonStringSlices() const;
  /// The tokenizer, when built from one (used to tokenize forced text).
  const Tokenizer *tokenizer() const { return tokenizer_.get(); }
  /// Tokenizes text (with the tokenizer, else greedily by longest match).
  std::vector<int32_t> tokenize(const std::string &text) const;

private:
  Vocabulary() = default;
  void finish();

  std::shared_ptr<const Tokenizer> tokenizer_;
  std::vector<std::string> bytes_;
  std::vector<uint8_t> textToken_;
  std::vector<int32_t> eos_;
  int32_t size_ = 0;
  TokenTrie trie_;
  mutable std::once_flag slicesOnce_;
  mutable std::unique_ptr<JsonStringSlices> slices_;
};

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_VOCABULARY_H
