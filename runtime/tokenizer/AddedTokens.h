//===- AddedTokens.h - Splitting text on added tokens -----------*- C++ -*-===//
//
// Before pre-tokenization HF cuts the input at occurrences of added tokens
// (tokenizers/src/tokenizer/added_vocabulary.rs): leftmost-longest,
// non-overlapping matches, first of the tokens with `normalized: false` on the
// raw text, then of those with `normalized: true` in the pieces left over.
// `lstrip`/`rstrip` make a token swallow the whitespace before/after it, and a
// `single_word` token only counts when no word character touches it.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_TOKENIZER_ADDEDTOKENS_H
#define DEC_RUNTIME_TOKENIZER_ADDEDTOKENS_H

#include "runtime/tokenizer/Regex.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dec {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool singleWord = false;
  bool normalized = false;
};

/// A stretch of the input: either text for the pre-tokenizer and the model, or
/// one added token (including any whitespace it stripped).
struct Section {
  std::string_view text;
  int32_t addedTokenId; ///< kText for text
  static constexpr int32_t kText = -1;
};

/// Byte trie of token contents, for leftmost-longest matching.
class TokenTrie {
public:
  TokenTrie() : nodes(1) { isFirstByte.fill(false); }
  void insert(std::string_view content, int32_t tokenIndex);
  bool empty() const { return nodes.size() == 1; }

  struct Match {
    size_t begin, end;
    int32_t tokenIndex;
  };
  /// The leftmost match starting at or after `from`, the longest there.
  bool findLeftmostLongest(std::string_view text, size_t from, Match &match) const;

private:
  struct Node {
    std::vector<std::pair<unsigned char, int32_t>> children;
    int32_t tokenIndex = -1;
  };
  int32_t child(int32_t node, unsigned char byte) const;

  std::vector<Node> nodes;
  std::array<bool, 256> isFirstByte;
};

class AddedTokenSplitter {
public:
  /// Throws json_util::LoadError when a `single_word` token needs a Unicode
  /// property this PCRE2 lacks.
  explicit AddedTokenSplitter(std::vector<AddedToken> tokens);

  /// Appends the sections of `text`. With `parseSpecial` false, special tokens
  /// are not recognised (they are ordinary text) but other added tokens still
  /// are: HF's `encode_special_tokens`.
  void split(std::string_view text, bool parseSpecial, std::vector<Section> &sections) const;

private:
  void splitWith(const TokenTrie &trie, std::string_view text, bool parseSpecial,
                 std::vector<Section> &sections) const;
  bool touchesWordCharacter(std::string_view text, size_t begin, size_t end) const;

  std::vector<AddedToken> tokens;
  TokenTrie rawTrie;        ///< tokens with normalized == false
  TokenTrie normalizedTrie; ///< tokens with normalized == true
  /// A word character as Rust's `regex` defines `\w`; only for single_word.
  std::unique_ptr<Regex> wordCharacter;
};

} // namespace dec

#endif // DEC_RUNTIME_TOKENIZER_ADDEDTOKENS_H
