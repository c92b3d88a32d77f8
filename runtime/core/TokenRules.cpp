//===- TokenRules.cpp - per-step token biases from the tokens so far ------===//

#include "runtime/core/TokenRules.h"

#include <algorithm>
#include <limits>

using namespace dec::rt;

std::vector<std::vector<int32_t>> dec::rt::tokenizeWordVariants(
    const std::string &word,
    const std::function<std::vector<int32_t>(const std::string &)> &encode) {
  // Python's str.lstrip() (for ASCII whitespace).
  size_t start = word.find_first_not_of(" \t\n\r\f\v");
  std::string stripped = start == std::string::npos ? std::string() : word.substr(start);
  std::vector<std::vector<int32_t>> variants;
  std::vector<int32_t> plain = encode(stripped);
  if (plain.empty())
    return variants;
  variants.push_back(plain);
  std::vector<int32_t> spaced = encode(" " + stripped);
  if (!spaced.empty() && spaced[0] != plain[0] && spaced.size() == plain.size())
    variants.push_back(spaced);
  return variants;
}

void dec::rt::computeTokenBias(const TokenRule &rule, const int32_t *tokens, size_t count,
                               std::vector<float> &row, std::vector<int32_t> &touched) {
  const float negInf = -std::numeric_limits<float>::infinity();
  for (int32_t t : touched)
    row[t] = 0.0f;
  touched.clear();
  auto set = [&](int32_t t, float value) {
    row[t] = value;
    touched.push_back(t);
  };

  // HF: bias = zeros; bias += length_1_bias (one-token entries).
  for (const TokenRule::Entry &e : rule.entries)
    if (e.ids.size() == 1 && !e.ban)
      set(e.ids[0], 0.0f + e.bias);
  // Then, per longer entry whose prefix ends the tokens: bias[last] += b.
  for (const TokenRule::Entry &e : rule.entries) {
    if (e.ids.size() == 1 || e.ban || e.ids.size() > count)
      continue;
    size_t prefix = e.ids.size() - 1;
    if (std::equal(e.ids.begin(), e.ids.begin() + prefix, tokens + count - prefix))
      set(e.ids.back(), row[e.ids.back()] + e.bias);
  }
  // Banned sequences (HF NoBadWords, a SequenceBias of -inf): -inf on the
  // last token when it would complete one, under the same condition.
  for (const TokenRule::Entry &e : rule.entries) {
    if (!e.ban || e.ids.size() > count)
      continue;
    size_t prefix = e.ids.size() - 1;
    if (std::equal(e.ids.begin(), e.ids.begin() + prefix, tokens + count - prefix))
      set(e.ids.back(), negInf);
  }
  // NoRepeatNGram: with cur_len + 1 >= n, every n-gram of the tokens whose
  // first n - 1 tokens are the last n - 1 tokens bans its last token.
  if (rule.ngram > 0 && count + 1 >= static_cast<size_t>(rule.ngram)) {
    size_t n = static_cast<size_t>(rule.ngram);
    const int32_t *last = tokens + count - (n - 1);
    for (size_t i = 0; i + n <= count; ++i)
      if (std::equal(tokens + i, tokens + i + n - 1, last))
        set(tokens[i + n - 1], negInf);
  }
}
