//===- TokenRules.h - per-step token biases from the tokens so far -*- C++ -*-===//
//
// The run-time half of `dec.token_bias` (docs/abi.md): sequence biases (HF
// SequenceBiasLogitsProcessor), bad words (HF NoBadWordsLogitsProcessor, vLLM
// `bad_words`), logit bias (vLLM / OpenAI `logit_bias`) and no-repeat-n-gram
// bans (HF NoRepeatNGramLogitsProcessor) become a dense row of biases that
// compiled code adds to the logits (logits.add_bias). Plain C++ without
// libtorch, so that it can be tested alone (test/unit/TokenRulesTest.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef DEC_RUNTIME_CORE_TOKENRULES_H
#define DEC_RUNTIME_CORE_TOKENRULES_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dec::rt {

/// A token rule with every token sequence resolved to ids.
struct TokenRule {
  struct Entry {
    std::vector<int32_t> ids; ///< non-empty, each in [0, vocab)
    float bias = 0;           ///< added to the last token's logit when it applies
    bool ban = false;         ///< the last token is banned instead (-inf)
  };
  std::vector<Entry> entries; ///< applied in this order
  int64_t ngram = 0;          ///< > 0: no-repeat-n-gram of this size
};

/// The token sequences vLLM bans for the bad word `word`
/// (SamplingParams.update_from_tokenizer): the word with leading whitespace
/// removed, and, when " " + that word encodes to as many tokens with a
/// different first token, that encoding too. `encode` is the tokenizer
/// without special tokens. Empty encodings are dropped.
std::vector<std::vector<int32_t>>
tokenizeWordVariants(const std::string &word,
                     const std::function<std::vector<int32_t>(const std::string &)> &encode);

/// The bias row of `rule` after `tokens` (the prompt and the generated tokens,
/// HF's input_ids), as HF builds it: a zero row, plus the bias of every
/// one-token entry, plus, in order, the bias of every longer entry whose
/// other tokens end `tokens` (and that is not longer than `tokens`); banned
/// entries and n-gram completions get -inf.
///
/// `row` has `vocab` entries and is reused from step to step: only the entries
/// listed in `touched` (by the previous call) are reset, so a step costs
/// O(rule size + n-gram scan) instead of O(vocab).
void computeTokenBias(const TokenRule &rule, const int32_t *tokens, size_t count,
                      std::vector<float> &row, std::vector<int32_t> &touched);

} // namespace dec::rt

#endif // DEC_RUNTIME_CORE_TOKENRULES_H
