//===- Vocabulary.cpp - A tokenizer's tokens as byte strings --------------===//
#include "runtime/constraint/Vocabulary.h"

#include "runtime/constraint/CharSet.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <algorithm>

namespace dec::cons {

std::shared_ptr<const Vocabulary> Vocabulary::fromTokenizer(std::shared_ptr<const Tokenizer> tokenizer,
                                                            int64_t modelVocab, std::string &error) {
  if (!tokenizer) {
    error = "no tokenizer";
    return nullptr;
  }
  if (modelVocab < 0 || modelVocab > (int64_t(1) << 30)) {
    error = "model vocabulary size " + std::to_string(modelVocab) + " out of range";
    return nullptr;
  }
  std::shared_ptr<Vocabulary> v(new Vocabulary());
  int32_t n = tokenizer->vocabSize();
  v->size_ = modelVocab > 0 ? static_cast<int32_t>(modelVocab) : n;
  v->bytes_.resize(v->size_);
  v->textToken_.assign(v->size_, 0);
  for (int32_t id = 0; id < std::min(n, v->size_); ++id) {
    v->bytes_[id] = tokenizer->tokenBytes(id);
    v->textToken_[id] = !tokenizer->isSpecial(id) && !v->bytes_[id].empty();
  }
  for (int32_t id : tokenizer->eosTokens())
    if (id >= 0 && id < v->size_)
      v->eos_.push_back(id);
  v->tokenizer_ = std::move(tokenizer);
  v->finish();
  return v;
}

std::shared_ptr<const Vocabulary> Vocabulary::fromTokenizerFile(const std::string &path, int64_t modelVocab,
                                                                std::string &error) {
  std::unique_ptr<Tokenizer> tok = Tokenizer::fromFile(path, error);
  if (!tok)
    return nullptr;
  return fromTokenizer(std::shared_ptr<const Tokenizer>(std::move(tok)), modelVocab, error);
}

std::shared_ptr<const Vocabulary> Vocabulary::fromTokens(std::vector<std::string> tokens,
                                                         std::vector<int32_t> special, std::vector<int32_t> eos,
                                                         int64_t modelVocab) {
  std::shared_ptr<Vocabulary> v(new Vocabulary());
  v->size_ = std::max<int32_t>(static_cast<int32_t>(tokens.size()), static_cast<int32_t>(modelVocab));
  tokens.resize(v->size_);
  v->bytes_ = std::move(tokens);
  v->textToken_.assign(v->size_, 0);
  for (int32_t id = 0; id < v->size_; ++id)
    v->textToken_[id] = !v->bytes_[id].empty();
  for (int32_t id : special)
    if (id >= 0 && id < v->size_)
      v->textToken_[id] = 0;
  for (int32_t id : eos)
    if (id >= 0 && id < v->size_)
      v->eos_.push_back(id);
  v->finish();
  return v;
}

void Vocabulary::finish() {
  std::vector<std::pair<std::string_view, int32_t>> entries;
  for (int32_t id = 0; id < size_; ++id)
    if (textToken_[id])
      entries.push_back({bytes_[id], id});
  trie_.build(std::move(entries));
}

const std::string &Vocabulary::tokenBytes(int32_t id) const {
  static const std::string none;
  return id >= 0 && id < size_ ? bytes_[id] : none;
}

bool Vocabulary::isEos(int32_t id) const { return std::find(eos_.begin(), eos_.end(), id) != eos_.end(); }

const JsonStringSlices &Vocabulary::jsonStringSlices() const {
  std::call_once(slicesOnce_, [this] {
    auto s = std::make_unique<JsonStringSlices>();
    s->length.assign(size_, -1);
    std::vector<std::pair<std::string_view, int32_t>> others;
    for (int32_t id = 0; id < size_; ++id) {
      if (!textToken_[id])
        continue;
      const std::string &b = bytes_[id];
      int chars = 0;
      bool safe = true;
      for (size_t i = 0; i < b.size() && safe;) {
        uint32_t c;
        int n = decodeUtf8(b, i, c);
        if (n == 0 || c < 0x20 || c == '"' || c == '\\')
          safe = false;
        i += n ? n : 1;
        ++chars;
      }
      if (safe && chars > 0 && chars < 0x7FFF) {
        s->length[id] = static_cast<int16_t>(chars);
        s->maxLength = std::max(s->maxLength, chars);
      } else {
        others.push_back({b, id});
      }
    }
    size_t words = maskWords();
    s->upTo.assign(s->maxLength + 1, std::vector<uint32_t>(words, 0));
    for (int32_t id = 0; id < size_; ++id)
      if (s->length[id] > 0)
        s->upTo[s->length[id]][id / 32] |= 1u << (id % 32);
    for (int k = 1; k <= s->maxLength; ++k)
      for (size_t w = 0; w < words; ++w)
        s->upTo[k][w] |= s->upTo[k - 1][w];
    s->others.build(std::move(others));
    slices_ = std::move(s);
  });
  return *slices_;
}

std::vector<int32_t> Vocabulary::tokenize(const std::string &text) const {
  if (tokenizer_)
    return tokenizer_->encode(text, /*parseSpecial=*/false);
  std::vector<int32_t> ids;
  for (size_t i = 0; i < text.size();) {
    auto [node, len] = trie_.longestPrefixToken(std::string_view(text).substr(i));
    if (len == 0)
      return {};
    ids.push_back(trie_.nodes()[node].token);
    i += len;
  }
  return ids;
}

} // namespace dec::cons
