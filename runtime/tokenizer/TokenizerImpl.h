//===- TokenizerImpl.h - The state behind dec::Tokenizer --------*- C++ -*-===//
#ifndef DEC_RUNTIME_TOKENIZER_TOKENIZERIMPL_H
#define DEC_RUNTIME_TOKENIZER_TOKENIZERIMPL_H

#include "runtime/tokenizer/AddedTokens.h"
#include "runtime/tokenizer/BPE.h"
#include "runtime/tokenizer/PreTokenizer.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace dec {

struct Tokenizer::Impl {
  enum class TokenKind : uint8_t { None, Model, Added, Special };

  std::unique_ptr<BPEModel> model;
  std::unique_ptr<PreTokenizer> preTokenizer;
  std::vector<AddedToken> addedTokens;
  std::unordered_map<std::string, int32_t> addedTokenIds; ///< content -> id
  std::unique_ptr<AddedTokenSplitter> addedTokenSplitter;

  /// Indexed by id, [0, vocabSize): what the token decodes to (pointing into
  /// `model` or `addedTokens`) and its kind. An added token's content wins
  /// over a model token with the same id.
  std::vector<const std::string *> bytesById;
  std::vector<TokenKind> kindById;

  /// The post-processor template around the sequence (e.g. BOS before it).
  std::vector<int32_t> templatePrefix;
  std::vector<int32_t> templateSuffix;
  std::vector<int32_t> eosTokens;

  TokenKind kindOf(int32_t id) const {
    return id >= 0 && static_cast<size_t>(id) < kindById.size() ? kindById[id] : TokenKind::None;
  }
};

} // namespace dec

#endif // DEC_RUNTIME_TOKENIZER_TOKENIZERIMPL_H
