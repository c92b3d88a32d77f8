//===- Tokenizer.cpp - Encoding and decoding ------------------------------===//
//
// encode: added-token sections -> pre-tokens -> BPE ids, reusing per-thread
// buffers. decode: concatenation of precomputed token bytes.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/tokenizer/ScratchBuffer.h"
#include "runtime/tokenizer/TokenizerImpl.h"
#include "runtime/tokenizer/Utf8.h"

#include <utility>

namespace dec {

namespace {

struct EncodeScratch {
  std::vector<Section> sections;
  std::vector<std::string_view> pieces;
  PreTokenizer::Scratch preTokenizer;

  void releaseIfLarge() {
    dec::releaseIfLarge(sections);
    dec::releaseIfLarge(pieces);
    dec::releaseIfLarge(preTokenizer.pending);
    dec::releaseIfLarge(preTokenizer.matches);
    dec::releaseIfLarge(preTokenizer.spans);
    preTokenizer.created.clear();
  }
};

EncodeScratch &encodeScratch() {
  thread_local EncodeScratch scratch;
  return scratch;
}

const std::string &emptyString() {
  static const std::string empty;
  return empty;
}

} // namespace

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool parseSpecial) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 4 + 4); // English averages over 4 bytes per token
  EncodeScratch &scratch = encodeScratch();
  scratch.sections.clear();
  impl->addedTokenSplitter->split(text, parseSpecial, scratch.sections);
  for (const Section &section : scratch.sections) {
    if (section.addedTokenId != Section::kText) {
      ids.push_back(section.addedTokenId);
      continue;
    }
    impl->preTokenizer->split(section.text, scratch.preTokenizer, scratch.pieces);
    impl->model->encode(scratch.pieces, ids);
  }
  scratch.releaseIfLarge();
  return ids;
}

std::vector<int32_t> Tokenizer::encodeWithTemplate(std::string_view text, bool parseSpecial) const {
  std::vector<int32_t> ids = impl->templatePrefix;
  std::vector<int32_t> body = encode(text, parseSpecial);
  ids.insert(ids.end(), body.begin(), body.end());
  ids.insert(ids.end(), impl->templateSuffix.begin(), impl->templateSuffix.end());
  return ids;
}

std::string Tokenizer::decode(const int32_t *ids, size_t count, bool skipSpecial) const {
  std::string text;
  text.reserve(count * 4);
  for (size_t i = 0; i < count; ++i) {
    Impl::TokenKind kind = impl->kindOf(ids[i]);
    if (kind == Impl::TokenKind::None || (skipSpecial && kind == Impl::TokenKind::Special))
      continue;
    text += *impl->bytesById[ids[i]];
  }
  return text;
}

const std::string &Tokenizer::tokenBytes(int32_t id) const {
  return impl->kindOf(id) == Impl::TokenKind::None ? emptyString() : *impl->bytesById[id];
}

bool Tokenizer::isSpecial(int32_t id) const { return impl->kindOf(id) == Impl::TokenKind::Special; }

bool Tokenizer::isAddedToken(int32_t id) const {
  Impl::TokenKind kind = impl->kindOf(id);
  return kind == Impl::TokenKind::Added || kind == Impl::TokenKind::Special;
}

int32_t Tokenizer::vocabSize() const { return static_cast<int32_t>(impl->kindById.size()); }

std::optional<int32_t> Tokenizer::tokenId(std::string_view tokenString) const {
  // Added tokens first, like HF's AddedVocabulary::token_to_id.
  auto it = impl->addedTokenIds.find(std::string(tokenString));
  if (it != impl->addedTokenIds.end())
    return it->second;
  return impl->model->idOfVocabString(tokenString);
}

const std::vector<int32_t> &Tokenizer::eosTokens() const { return impl->eosTokens; }
size_t Tokenizer::numMerges() const { return impl->model->numMerges(); }
size_t Tokenizer::numAddedTokens() const { return impl->addedTokens.size(); }
int Tokenizer::numBytesWithoutToken() const { return impl->model->numBytesWithoutToken(); }

//===----------------------------------------------------------------------===//
// IncrementalDecoder
//===----------------------------------------------------------------------===//

std::string IncrementalDecoder::push(int32_t id) {
  if (skipSpecial && tokenizer.isSpecial(id))
    return {};
  const std::string &bytes = tokenizer.tokenBytes(id);
  if (tokenizer.isAddedToken(id)) {
    // No character continues across an added token: what is held back can
    // never complete, so it goes out as it is.
    std::string text = std::exchange(pending, {});
    return text + bytes;
  }
  pending += bytes;
  size_t complete = utf8::completePrefixLength(pending);
  std::string text = pending.substr(0, complete);
  pending.erase(0, complete);
  return text;
}

std::string IncrementalDecoder::flush() { return std::exchange(pending, {}); }

} // namespace dec
