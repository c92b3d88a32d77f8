//===- Tokenizer.h - Hugging Face byte-level BPE tokenizers -----*- C++ -*-===//
//
// Loads a Hugging Face `tokenizer.json` of the byte-level BPE family (GPT-2,
// Llama-3, Qwen, ...) and encodes/decodes with the ids HF `tokenizers` gives.
//
// What is supported, and what is refused with an error naming the component:
//  * model: BPE with vocab, merges ("a b" or ["a", "b"]), ignore_merges; no
//    unk_token, byte_fallback, dropout or subword prefix/suffix.
//  * normalizer: null (or an empty Sequence).
//  * pre_tokenizer: ByteLevel, Split (Regex/String, all behaviors, invert),
//    Digits, and Sequences of these, with ByteLevel last.
//  * decoder: ByteLevel or null; post_processor: null, ByteLevel,
//    TemplateProcessing, or a Sequence of those.
//  * added_tokens with special/lstrip/rstrip/single_word/normalized.
// `truncation` and `padding` are batching options and are ignored.
//
// Regexes run on PCRE2 (JIT) and accept arbitrary bytes: text need not be
// valid UTF-8, and every input byte is represented in the output ids.
// All const member functions are thread-safe.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_TOKENIZER_TOKENIZER_H
#define DEC_RUNTIME_TOKENIZER_TOKENIZER_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dec {

class Tokenizer {
public:
  /// Loads `path`, and the `tokenizer_config.json` next to it when there is
  /// one (for eosTokens()). Never throws: on failure returns nullptr and sets
  /// `error` to a message naming the file and the offending component.
  static std::unique_ptr<Tokenizer> fromFile(const std::string &path, std::string &error);
  /// Loads tokenizer.json contents; `nameForErrors` prefixes error messages.
  static std::unique_ptr<Tokenizer> fromJSON(std::string_view json, std::string &error,
                                             std::string_view nameForErrors = "tokenizer.json");
  ~Tokenizer();
  Tokenizer(const Tokenizer &) = delete;
  Tokenizer &operator=(const Tokenizer &) = delete;

  /// The ids of `text`, like HF `encode(text, add_special_tokens=False)`.
  /// With `parseSpecial`, special tokens written in the text (e.g.
  /// "<|eot_id|>") become their single id; without it they are tokenized as
  /// text (HF's `split_special_tokens=True`; non-special added tokens are
  /// still recognised). The post-processor's template (e.g. a BOS token) is
  /// not applied: see encodeWithTemplate().
  std::vector<int32_t> encode(std::string_view text, bool parseSpecial = true) const;
  /// encode() wrapped in the post_processor's TemplateProcessing `single`
  /// template (HF `encode(text)` with add_special_tokens=True); the same as
  /// encode() when the tokenizer has no template.
  std::vector<int32_t> encodeWithTemplate(std::string_view text, bool parseSpecial = true) const;

  /// The concatenated bytes of the tokens; added tokens are their content, and
  /// special ones are left out with `skipSpecial`. Ids that name no token are
  /// skipped (as HF does). The result is not necessarily valid UTF-8: a
  /// multi-byte character may be split across the ends of the id sequence.
  std::string decode(const int32_t *ids, size_t count, bool skipSpecial = false) const;
  std::string decode(const std::vector<int32_t> &ids, bool skipSpecial = false) const {
    return decode(ids.data(), ids.size(), skipSpecial);
  }

  /// The raw bytes token `id` stands for (an added token: its content); empty
  /// for an id that names no token.
  const std::string &tokenBytes(int32_t id) const;
  /// Whether `id` is an added token marked `special`.
  bool isSpecial(int32_t id) const;
  /// Whether `id` is an added token (special or not).
  bool isAddedToken(int32_t id) const;
  /// Max id + 1 over the model vocabulary and the added tokens.
  int32_t vocabSize() const;
  /// The id of a vocabulary string in its byte-level spelling ("Ġthe") or of
  /// an added token's content ("<|eot_id|>").
  std::optional<int32_t> tokenId(std::string_view tokenString) const;
  /// End-of-sequence ids: tokenizer_config.json's `eos_token` when present,
  /// else the special tokens among <|endoftext|>, <|end_of_text|>, <|eot_id|>,
  /// <|im_end|>, </s>, <eos>, <|end|>. May be empty.
  const std::vector<int32_t> &eosTokens() const;

  size_t numMerges() const;
  size_t numAddedTokens() const;
  /// Bytes that have no single-byte token (0 for a sound byte-level vocab);
  /// HF drops such bytes, and so does encode().
  int numBytesWithoutToken() const;

  /// Opaque state, defined in TokenizerImpl.h (public only so that the
  /// loader's helper functions can name it).
  struct Impl;

private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

/// Streaming detokenization: push ids one at a time and get back text that
/// ends on a UTF-8 character boundary (a byte-level token can end in the
/// middle of a character); flush() returns whatever is held back. Bytes that
/// can never become valid UTF-8 are passed through as they are.
class IncrementalDecoder {
public:
  explicit IncrementalDecoder(const Tokenizer &tokenizer, bool skipSpecial = false)
      : tokenizer(tokenizer), skipSpecial(skipSpecial) {}
  std::string push(int32_t id);
  std::string flush();

private:
  const Tokenizer &tokenizer;
  bool skipSpecial;
  std::string pending; ///< the start of an unfinished UTF-8 character
};

} // namespace dec

#endif // DEC_RUNTIME_TOKENIZER_TOKENIZER_H
