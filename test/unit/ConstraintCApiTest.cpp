//===- ConstraintCApiTest.cpp - The C ABI of the constraint engine --------===//
#include "dec/constraint.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct TinyVocab {
  std::vector<std::string> tokens{"a", "b", "ab", "{", "}", "\"", "x", ":", " ", "<eos>"};
  dec_vocab *v = nullptr;
  TinyVocab() {
    std::vector<const char *> ptrs;
    std::vector<size_t> lengths;
    for (const std::string &t : tokens) {
      ptrs.push_back(t.data());
      lengths.push_back(t.size());
    }
    int32_t eos = 9;
    char *error = nullptr;
    v = dec_vocab_from_token_bytes(ptrs.data(), lengths.data(), static_cast<int32_t>(tokens.size()), &eos, 1,
                                   &eos, 1, 40, &error);
    EXPECT_EQ(error, nullptr);
  }
  ~TinyVocab() { dec_vocab_free(v); }
};

TEST(ConstraintCApi, CompileMaskAdvanceRollback) {
  TinyVocab tv;
  ASSERT_NE(tv.v, nullptr);
  EXPECT_EQ(dec_vocab_size(tv.v), 40);
  EXPECT_EQ(dec_vocab_mask_words(tv.v), 2u);
  char *error = nullptr;
  const char *spec = "(ab)+";
  dec_constraint *c = dec_constraint_compile("regex", spec, std::strlen(spec), nullptr, tv.v, &error);
  ASSERT_NE(c, nullptr) << error;
  dec_matcher *m = dec_matcher_new(c);
  dec_constraint_free(c); // the matcher keeps it alive
  uint32_t mask[2];
  dec_matcher_fill_mask(m, mask);
  EXPECT_EQ(mask[0], (1u << 0) | (1u << 2)); // "a", "ab"
  EXPECT_EQ(mask[1], 0u);
  EXPECT_EQ(dec_matcher_accepts(m, 1), 0);
  EXPECT_EQ(dec_matcher_advance(m, 1), 0);
  EXPECT_EQ(dec_matcher_advance(m, 2), 1);
  EXPECT_EQ(dec_matcher_is_accepting(m), 1);
  dec_matcher_fill_mask(m, mask);
  EXPECT_EQ(mask[0], (1u << 0) | (1u << 2) | (1u << 9)); // EOS allowed now
  EXPECT_EQ(dec_matcher_advance(m, 9), 1);
  EXPECT_EQ(dec_matcher_is_finished(m), 1);
  EXPECT_EQ(dec_matcher_num_tokens(m), 2u);
  EXPECT_EQ(dec_matcher_rollback(m, 3), 0);
  EXPECT_EQ(dec_matcher_rollback(m, 2), 1);
  EXPECT_EQ(dec_matcher_num_tokens(m), 0u);
  dec_matcher_free(m);
}

TEST(ConstraintCApi, ForcedTokensAndOptions) {
  TinyVocab tv;
  char *error = nullptr;
  const char *schema = R"({"type":"object","properties":{"x":{"const":"ab"}},"required":["x"],
                           "additionalProperties":false})";
  dec_constraint_options opts = dec_constraint_options_default();
  EXPECT_EQ(opts.json_whitespace, DEC_JSON_WS_PYTHON);
  dec_constraint *c = dec_constraint_compile("json_schema", schema, std::strlen(schema), &opts, tv.v, &error);
  ASSERT_NE(c, nullptr) << error;
  dec_matcher *m = dec_matcher_new(c);
  int32_t out[16];
  size_t n = dec_matcher_forced_tokens(m, out, 16);
  // Everything is forced: {"x": "ab"} and then the end.
  std::string text;
  for (size_t i = 0; i < n && i < 16; ++i)
    text += tv.tokens[out[i]];
  EXPECT_EQ(text, "{\"x\": \"ab\"}");
  EXPECT_EQ(dec_matcher_forced_tokens(m, nullptr, 0), n);
  for (size_t i = 0; i < n; ++i)
    EXPECT_EQ(dec_matcher_advance(m, out[i]), 1);
  EXPECT_EQ(dec_matcher_is_accepting(m), 1);
  dec_matcher_reset(m);
  EXPECT_EQ(dec_matcher_num_tokens(m), 0u);
  dec_matcher_free(m);
  dec_constraint_free(c);
}

TEST(ConstraintCApi, ErrorsAreMessagesNotCrashes) {
  TinyVocab tv;
  char *error = nullptr;
  EXPECT_EQ(dec_constraint_compile("regex", "(", 1, nullptr, tv.v, &error), nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("missing ')'"), std::string::npos) << error;
  std::free(error);
  error = nullptr;
  EXPECT_EQ(dec_constraint_compile("yaml", "", 0, nullptr, tv.v, &error), nullptr);
  EXPECT_NE(std::string(error).find("unknown constraint kind"), std::string::npos);
  std::free(error);
  EXPECT_EQ(dec_constraint_compile("regex", "a", 1, nullptr, nullptr, nullptr), nullptr);
  EXPECT_EQ(dec_vocab_from_tokenizer_json("/nonexistent/tokenizer.json", 0, &error), nullptr);
  EXPECT_NE(error, nullptr);
  std::free(error);
  EXPECT_EQ(dec_matcher_new(nullptr), nullptr);
  EXPECT_EQ(dec_matcher_advance(nullptr, 0), 0);
  dec_matcher_fill_mask(nullptr, nullptr);
}

} // namespace
