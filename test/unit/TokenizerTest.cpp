//===- TokenizerTest.cpp - Unit tests for runtime/tokenizer ---------------===//
//
// Hand-made tokenizer.json documents with expected ids derived from their
// merges by hand. Unless a test says otherwise, the vocabulary is "every byte
// b is token b" (spelled in GPT-2's byte alphabet) plus the tokens the test
// adds from id 256 on, so a byte that no merge touches shows up as its value.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/PreTokenizer.h"
#include "runtime/tokenizer/Regex.h"
#include "runtime/tokenizer/Utf8.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <random>
#include <stdexcept>
#include <thread>

using dec::IncrementalDecoder;
using dec::Tokenizer;
using Json = nlohmann::json;
using Ids = std::vector<int32_t>;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// bytes_to_unicode() of GPT-2's encoder.py, transcribed independently of the
/// library so that the library's table can be checked against it.
std::array<char32_t, 256> referenceByteAlphabet() {
  std::vector<int> bytes;
  for (int b = '!'; b <= '~'; ++b)
    bytes.push_back(b);
  for (int b = 0xA1; b <= 0xAC; ++b)
    bytes.push_back(b);
  for (int b = 0xAE; b <= 0xFF; ++b)
    bytes.push_back(b);
  std::vector<int> codepoints = bytes;
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    if (std::find(bytes.begin(), bytes.end(), b) == bytes.end()) {
      bytes.push_back(b);
      codepoints.push_back(256 + n++);
    }
  }
  std::array<char32_t, 256> table{};
  for (size_t i = 0; i < bytes.size(); ++i)
    table[bytes[i]] = codepoints[i];
  return table;
}

std::string utf8Of(char32_t c) {
  std::string out;
  dec::utf8::appendCodepoint(out, c);
  return out;
}

/// The byte-level spelling of raw bytes, via the reference table.
std::string spell(std::string_view bytes) {
  static const std::array<char32_t, 256> table = referenceByteAlphabet();
  std::string out;
  for (unsigned char b : bytes)
    out += utf8Of(table[b]);
  return out;
}

/// Every byte b is token b.
Json allByteVocab() {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b)
    vocab[spell(std::string(1, static_cast<char>(b)))] = b;
  return vocab;
}

Json byteLevelPreTokenizer(bool addPrefixSpace = false, bool useRegex = true) {
  return {{"type", "ByteLevel"},
          {"add_prefix_space", addPrefixSpace},
          {"trim_offsets", true},
          {"use_regex", useRegex}};
}

/// A complete tokenizer.json around `vocab` and `merges` (raw-byte strings
/// "a b" are spelled in the byte alphabet here).
Json tokenizerDocument(Json vocab,
                       const std::vector<std::pair<std::string, std::string>> &merges = {}) {
  Json mergeList = Json::array();
  for (const auto &[left, right] : merges)
    mergeList.push_back(spell(left) + " " + spell(right));
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", Json::array()},
          {"normalizer", nullptr},
          {"pre_tokenizer", byteLevelPreTokenizer()},
          {"post_processor",
           {{"type", "ByteLevel"},
            {"add_prefix_space", true},
            {"trim_offsets", false},
            {"use_regex", true}}},
          {"decoder",
           {{"type", "ByteLevel"},
            {"add_prefix_space", true},
            {"trim_offsets", true},
            {"use_regex", true}}},
          {"model",
           {{"type", "BPE"},
            {"dropout", nullptr},
            {"unk_token", nullptr},
            {"continuing_subword_prefix", nullptr},
            {"end_of_word_suffix", nullptr},
            {"fuse_unk", false},
            {"byte_fallback", false},
            {"ignore_merges", false},
            {"vocab", std::move(vocab)},
            {"merges", std::move(mergeList)}}}};
}

/// The all-bytes vocabulary plus `extra` tokens (raw bytes) numbered from 256.
Json vocabWith(const std::vector<std::string> &extra) {
  Json vocab = allByteVocab();
  int32_t id = 256;
  for (const std::string &token : extra)
    vocab[spell(token)] = id++;
  return vocab;
}

Json addedToken(int32_t id, const std::string &content, bool special = true) {
  return {{"id", id},        {"content", content},  {"single_word", false}, {"lstrip", false},
          {"rstrip", false}, {"normalized", false}, {"special", special}};
}

/// Loads `document`; a failure throws, which fails the test that called it.
std::unique_ptr<Tokenizer> load(const Json &document) {
  std::string error;
  std::unique_ptr<Tokenizer> tokenizer = Tokenizer::fromJSON(document.dump(), error);
  if (!tokenizer)
    throw std::runtime_error("cannot load the test tokenizer: " + error);
  return tokenizer;
}

/// The error of loading `text`; "" (and a test failure) if it loads.
std::string loadError(const std::string &text) {
  std::string error;
  std::unique_ptr<Tokenizer> tokenizer = Tokenizer::fromJSON(text, error);
  EXPECT_FALSE(tokenizer) << "unexpectedly loaded";
  EXPECT_FALSE(error.empty());
  return error;
}

std::vector<std::string> preTokenize(const Json &config, std::string_view text) {
  std::unique_ptr<dec::PreTokenizer> preTokenizer = dec::PreTokenizer::fromJSON(config);
  dec::PreTokenizer::Scratch scratch;
  std::vector<std::string_view> pieces;
  preTokenizer->split(text, scratch, pieces);
  return {pieces.begin(), pieces.end()};
}

/// Llama-3's pre-tokenizer: its Split regex, then ByteLevel without regex.
Json llama3PreTokenizer() {
  return {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Split"},
         {"pattern",
          {{"Regex",
            R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}}},
         {"behavior", "Isolated"},
         {"invert", false}},
        byteLevelPreTokenizer(false, false)}}};
}

Json splitPreTokenizer(const std::string &regex, const std::string &behavior, bool invert = false) {
  return {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"},
             {"pattern", {{"Regex", regex}}},
             {"behavior", behavior},
             {"invert", invert}},
            byteLevelPreTokenizer(false, false)}}};
}

std::vector<std::string> splitWith(const std::string &regex, const std::string &behavior,
                                   std::string_view text, bool invert = false) {
  return preTokenize(splitPreTokenizer(regex, behavior, invert), text);
}

using Strings = std::vector<std::string>;

//===----------------------------------------------------------------------===//
// The byte alphabet
//===----------------------------------------------------------------------===//

TEST(ByteLevelTest, MatchesGpt2BytesToUnicode) {
  std::array<char32_t, 256> reference = referenceByteAlphabet();
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(dec::byte_level::byteToCodepoint(static_cast<uint8_t>(b)), reference[b])
        << "byte " << b;
    EXPECT_EQ(dec::byte_level::codepointToByte(reference[b]), b);
  }
}

TEST(ByteLevelTest, KnownCodepoints) {
  using dec::byte_level::byteToCodepoint;
  EXPECT_EQ(byteToCodepoint(' '), U'\u0120');  // 'Ġ'
  EXPECT_EQ(byteToCodepoint('\n'), U'\u010A'); // 'Ċ'
  EXPECT_EQ(byteToCodepoint(0x00), U'\u0100');
  EXPECT_EQ(byteToCodepoint(0x7F), U'\u0121');
  EXPECT_EQ(byteToCodepoint(0xA0), U'\u0142');
  EXPECT_EQ(byteToCodepoint(0xAD), U'\u0143');
  EXPECT_EQ(byteToCodepoint('a'), U'a');
  EXPECT_EQ(byteToCodepoint(0xA1), U'\u00A1');
  EXPECT_EQ(byteToCodepoint(0xFF), U'\u00FF');
}

TEST(ByteLevelTest, CodepointsOutsideTheAlphabet) {
  using dec::byte_level::codepointToByte;
  EXPECT_EQ(codepointToByte(U' '), -1); // a space is spelled 'Ġ'
  EXPECT_EQ(codepointToByte(U'\u00AD'), -1);
  EXPECT_EQ(codepointToByte(U'\u0144'), -1);
  EXPECT_EQ(codepointToByte(U'\u4E00'), -1);
}

TEST(ByteLevelTest, EncodeDecodeRoundTripsEveryByte) {
  std::string bytes;
  for (int b = 0; b < 256; ++b)
    bytes.push_back(static_cast<char>(b));
  std::string spelled = dec::byte_level::encode(bytes);
  EXPECT_EQ(spelled, spell(bytes));
  EXPECT_EQ(dec::byte_level::decode(spelled), bytes);
  EXPECT_EQ(dec::byte_level::decode("\xC4\xA0hello"), " hello"); // "Ġhello"
  EXPECT_EQ(dec::byte_level::decode("hello world"), std::nullopt);
  EXPECT_EQ(dec::byte_level::decode("\xC4"), std::nullopt); // truncated UTF-8
}

//===----------------------------------------------------------------------===//
// UTF-8 helpers
//===----------------------------------------------------------------------===//

TEST(Utf8Test, CompletePrefixHoldsBackUnfinishedCharacters) {
  using dec::utf8::completePrefixLength;
  EXPECT_EQ(completePrefixLength(""), 0u);
  EXPECT_EQ(completePrefixLength("abc"), 3u);
  EXPECT_EQ(completePrefixLength("a\xF0"), 1u);
  EXPECT_EQ(completePrefixLength("a\xF0\x9F"), 1u);
  EXPECT_EQ(completePrefixLength("a\xF0\x9F\x98"), 1u);
  EXPECT_EQ(completePrefixLength("a\xF0\x9F\x98\x80"), 5u);
  EXPECT_EQ(completePrefixLength("\xE2\x82"), 0u);
  // Never valid, so nothing to wait for.
  EXPECT_EQ(completePrefixLength("a\xFF"), 2u);
  EXPECT_EQ(completePrefixLength("a\x80"), 2u);
  EXPECT_EQ(completePrefixLength("\xF0\x80"), 2u); // overlong lead/second pair
  EXPECT_EQ(completePrefixLength("\xED\xA0"), 2u); // would be a surrogate
  EXPECT_EQ(completePrefixLength("\xC3\xA9\x80"), 3u);
}

TEST(Utf8Test, DecodeRejectsIllFormedSequences) {
  using dec::utf8::decodeAt;
  EXPECT_TRUE(decodeAt("\xC3\xA9", 0).valid);
  EXPECT_EQ(decodeAt("\xC3\xA9", 0).codepoint, U'\u00E9');
  EXPECT_FALSE(decodeAt("\xC0\xAF", 0).valid);         // overlong
  EXPECT_FALSE(decodeAt("\xED\xA0\x80", 0).valid);     // surrogate
  EXPECT_FALSE(decodeAt("\xF4\x90\x80\x80", 0).valid); // above U+10FFFF
  EXPECT_EQ(decodeAt("\xF4\x90\x80\x80", 0).length, 1u);
  EXPECT_EQ(dec::utf8::decodeBefore("a\xF0\x9F\x98\x80", 5).codepoint, U'\U0001F600');
  EXPECT_FALSE(dec::utf8::decodeBefore("a\x98\x80", 3).valid);
}

//===----------------------------------------------------------------------===//
// Merges
//===----------------------------------------------------------------------===//

TEST(MergeTest, LowestRankMergesFirstWhateverItsPosition) {
  // "abc": (a,b) and (b,c) are both mergeable; the one listed first wins.
  auto bcFirst = load(tokenizerDocument(vocabWith({"bc", "ab"}), {{"b", "c"}, {"a", "b"}}));
  EXPECT_EQ(bcFirst->encode("abc"), (Ids{'a', 256}));
  auto abFirst = load(tokenizerDocument(vocabWith({"bc", "ab"}), {{"a", "b"}, {"b", "c"}}));
  EXPECT_EQ(abFirst->encode("abc"), (Ids{257, 'c'}));
}

TEST(MergeTest, EqualRanksMergeLeftmostFirst) {
  auto tokenizer = load(tokenizerDocument(vocabWith({"aa"}), {{"a", "a"}}));
  EXPECT_EQ(tokenizer->encode("aaa"), (Ids{256, 'a'}));
  EXPECT_EQ(tokenizer->encode("aaaa"), (Ids{256, 256}));
  EXPECT_EQ(tokenizer->encode("aaaaa"), (Ids{256, 256, 'a'}));
}

TEST(MergeTest, MergedTokensMergeFurther) {
  // "abcd": cd (rank 0), then ab (1), then ab+cd (2).
  auto tokenizer = load(
      tokenizerDocument(vocabWith({"cd", "ab", "abcd"}), {{"c", "d"}, {"a", "b"}, {"ab", "cd"}}));
  EXPECT_EQ(tokenizer->encode("abcd"), (Ids{258}));
  EXPECT_EQ(tokenizer->encode("abc"), (Ids{257, 'c'}));
}

TEST(MergeTest, StaleCandidatesAreSkipped) {
  // "xabc": a+b (rank 0) makes "ab"; then x+ab (rank 1) beats the now stale
  // b+c (rank 2), giving [xab, c] rather than [x, a, bc].
  auto tokenizer = load(
      tokenizerDocument(vocabWith({"ab", "xab", "bc"}), {{"a", "b"}, {"x", "ab"}, {"b", "c"}}));
  EXPECT_EQ(tokenizer->encode("xabc"), (Ids{257, 'c'}));
  EXPECT_EQ(tokenizer->encode("bc"), (Ids{258}));
}

TEST(MergeTest, HelloWorld) {
  auto tokenizer = load(tokenizerDocument(
      vocabWith({"he", "ll", "hell", "hello", " w", "or", " wor", "ld", " world"}),
      {{"h", "e"},
       {"l", "l"},
       {"he", "ll"},
       {"hell", "o"},
       {" ", "w"},
       {"o", "r"},
       {" w", "or"},
       {"l", "d"},
       {" wor", "ld"}}));
  EXPECT_EQ(tokenizer->encode("hello world"), (Ids{259, 264}));
  // The GPT-2 regex splits before " world", so "o" and " " never merge.
  EXPECT_EQ(tokenizer->encode("hello worldhello"), (Ids{259, 264, 259}));
  EXPECT_EQ(tokenizer->decode(Ids{259, 264}), "hello world");
}

TEST(MergeTest, PairFormMergesEqualStringForm) {
  Json document = tokenizerDocument(vocabWith({"bc", "ab"}));
  // (Json::array: a braced list of pairs would make an object.)
  document["model"]["merges"] = Json::array({Json::array({"b", "c"}), Json::array({"a", "b"})});
  EXPECT_EQ(load(document)->encode("abc"), (Ids{'a', 256}));
}

TEST(MergeTest, RepeatedMergeKeepsItsLastRank) {
  // HF collects the merges into a hash map, so the last rank of a pair wins:
  // (b,c) ends with rank 2, below (a,b)'s 1.
  auto tokenizer =
      load(tokenizerDocument(vocabWith({"bc", "ab"}), {{"b", "c"}, {"a", "b"}, {"b", "c"}}));
  EXPECT_EQ(tokenizer->encode("abc"), (Ids{257, 'c'}));
  EXPECT_EQ(tokenizer->numMerges(), 2u);
}

TEST(MergeTest, VersionHeaderIsSkipped) {
  Json document = tokenizerDocument(vocabWith({"ab"}));
  document["model"]["merges"] = {"#version: 0.2", spell("a") + " " + spell("b")};
  EXPECT_EQ(load(document)->encode("ab"), (Ids{256}));
}

TEST(MergeTest, IgnoreMergesUsesWholeVocabularyPieces) {
  // "abc" is a token, but the merges alone only reach [ab, c].
  Json document = tokenizerDocument(vocabWith({"abc", "ab"}), {{"a", "b"}});
  EXPECT_EQ(load(document)->encode("abc"), (Ids{257, 'c'}));
  document["model"]["ignore_merges"] = true;
  auto tokenizer = load(document);
  EXPECT_EQ(tokenizer->encode("abc"), (Ids{256}));
  // " abc" is not a token, so it goes through the merges: [Ġ, ab, c].
  EXPECT_EQ(tokenizer->encode("abc abc"), (Ids{256, ' ', 257, 'c'}));
  EXPECT_EQ(tokenizer->encode("abcd"), (Ids{257, 'c', 'd'}));
}

TEST(MergeTest, BytesWithoutATokenAreDroppedLikeHF) {
  Json vocab = {{"a", 0}, {"b", 1}, {"ab", 2}};
  Json document = tokenizerDocument(vocab, {{"a", "b"}});
  auto tokenizer = load(document);
  EXPECT_EQ(tokenizer->numBytesWithoutToken(), 254);
  // 'x' has no token: dropped, and its neighbours become adjacent.
  EXPECT_EQ(tokenizer->encode("axb"), (Ids{2}));
}

//===----------------------------------------------------------------------===//
// Pre-tokenizers
//===----------------------------------------------------------------------===//

TEST(PreTokenizerTest, Gpt2Regex) {
  EXPECT_EQ(preTokenize(byteLevelPreTokenizer(), "Hello world's  3 tests!\n\n"),
            (Strings{"Hello", " world", "'s", " ", " 3", " tests", "!", "\n\n"}));
  EXPECT_EQ(preTokenize(byteLevelPreTokenizer(), "I'M  ok   "),
            (Strings{"I", "'", "M", " ", " ok", "   "})); // the GPT-2 regex is case-sensitive
  EXPECT_EQ(preTokenize(byteLevelPreTokenizer(), ""), Strings{});
}

TEST(PreTokenizerTest, Llama3Regex) {
  EXPECT_EQ(preTokenize(llama3PreTokenizer(), "I'M 12345 tokens\r\n\r\n  ok"),
            (Strings{"I", "'M", " ", "123", "45", " tokens", "\r\n\r\n", " ", " ok"}));
  EXPECT_EQ(preTokenize(llama3PreTokenizer(), "it's WE'RE"), (Strings{"it", "'s", " WE", "'RE"}));
  EXPECT_EQ(preTokenize(llama3PreTokenizer(), "x=1;\n  y"),
            (Strings{"x", "=", "1", ";\n", " ", " y"}));
  // Unicode-aware classes and case folding: U+017F LONG S folds to 's'.
  EXPECT_EQ(preTokenize(llama3PreTokenizer(), "don't 日本語 3.14"),
            (Strings{"don", "'t", " 日本語", " ", "3", ".", "14"}));
  EXPECT_EQ(preTokenize(llama3PreTokenizer(), "x'\u017Fy"), (Strings{"x", "'\u017F", "y"}));
}

TEST(PreTokenizerTest, WhiteSpaceIsUnicodeWhiteSpace) {
  // Oniguruma's (HF's) \s is the White_Space property: U+0085 is a space;
  // U+180E (no longer a space since Unicode 6.3) and U+FEFF are not.
  EXPECT_EQ(preTokenize(byteLevelPreTokenizer(), "!\xC2\x85"), (Strings{"!", "\xC2\x85"}));
  EXPECT_EQ(preTokenize(byteLevelPreTokenizer(), "!\u180E"), (Strings{"!\u180E"}));
  EXPECT_EQ(preTokenize(byteLevelPreTokenizer(), "!\uFEFF"), (Strings{"!\uFEFF"}));
  EXPECT_EQ(preTokenize(byteLevelPreTokenizer(), "a\u3000b"), (Strings{"a", "\u3000", "b"}));
}

TEST(PreTokenizerTest, RewriteWhitespaceEscapes) {
  EXPECT_EQ(dec::rewriteWhitespaceEscapes(R"(\s+(?!\S))"),
            R"(\p{White_Space}+(?!\P{White_Space}))");
  EXPECT_EQ(dec::rewriteWhitespaceEscapes(R"([^\s\p{L}])"), R"([^\p{White_Space}\p{L}])");
  EXPECT_EQ(dec::rewriteWhitespaceEscapes(R"(\\s)"), R"(\\s)");
  EXPECT_EQ(dec::rewriteWhitespaceEscapes(R"(\Q\s\E\s)"), R"(\Q\s\E\p{White_Space})");
  EXPECT_EQ(dec::rewriteWhitespaceEscapes(R"(\d\w\.)"), R"(\d\w\.)");
}

TEST(PreTokenizerTest, SplitBehaviors) {
  // The example of HF's SplitDelimiterBehavior documentation.
  const char *text = "the-final--countdown";
  EXPECT_EQ(splitWith("-", "Removed", text), (Strings{"the", "final", "countdown"}));
  EXPECT_EQ(splitWith("-", "Isolated", text),
            (Strings{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(splitWith("-", "MergedWithPrevious", text),
            (Strings{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(splitWith("-", "MergedWithNext", text), (Strings{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(splitWith("-", "Contiguous", text), (Strings{"the", "-", "final", "--", "countdown"}));
}

TEST(PreTokenizerTest, SplitInvert) {
  // Inverted, the matches are the pieces to keep and the gaps the delimiters.
  EXPECT_EQ(splitWith(R"(\w+)", "Removed", "Hey friend!", true), (Strings{"Hey", "friend"}));
  EXPECT_EQ(splitWith(R"(\w+)", "Isolated", "Hey friend!", true),
            (Strings{"Hey", " ", "friend", "!"}));
  EXPECT_EQ(splitWith(R"(\w+)", "MergedWithPrevious", "Hey friend!", true),
            (Strings{"Hey ", "friend!"}));
  EXPECT_EQ(splitWith(R"(\w+)", "MergedWithNext", "Hey friend!", true),
            (Strings{"Hey", " friend", "!"}));
}

TEST(PreTokenizerTest, SplitOnStringPattern) {
  Json config = {{"type", "Sequence"},
                 {"pretokenizers",
                  {{{"type", "Split"}, {"pattern", {{"String", "a.b"}}}, {"behavior", "Isolated"}},
                   byteLevelPreTokenizer(false, false)}}};
  // The string is literal: "a.b" must not match "axb".
  EXPECT_EQ(preTokenize(config, "1a.b2axb"), (Strings{"1", "a.b", "2axb"}));
}

TEST(PreTokenizerTest, EmptyMatchesFollowOnigIteration) {
  // Empty matches split between characters...
  EXPECT_EQ(splitWith("x*", "Isolated", "ab"), (Strings{"a", "b"}));
  // ...and one right after a match is skipped, as the onig crate does.
  std::string error;
  std::unique_ptr<dec::Regex> regex = dec::Regex::compile("a*", error);
  ASSERT_TRUE(regex) << error;
  std::vector<dec::Regex::Match> matches;
  regex->findAll("baaa", matches);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].begin, 0u);
  EXPECT_EQ(matches[0].end, 0u);
  EXPECT_EQ(matches[1].begin, 1u);
  EXPECT_EQ(matches[1].end, 4u);
}

TEST(PreTokenizerTest, Digits) {
  auto digits = [](bool individual) {
    return Json{{"type", "Sequence"},
                {"pretokenizers",
                 {{{"type", "Digits"}, {"individual_digits", individual}},
                  byteLevelPreTokenizer(false, false)}}};
  };
  EXPECT_EQ(preTokenize(digits(true), "abc123d"), (Strings{"abc", "1", "2", "3", "d"}));
  EXPECT_EQ(preTokenize(digits(false), "abc123d45"), (Strings{"abc", "123", "d", "45"}));
  // Rust's char::is_numeric: any general category N.
  EXPECT_EQ(preTokenize(digits(false), "x\u0663\u0664\u00B2y"),
            (Strings{"x", "\u0663\u0664\u00B2", "y"}));
}

TEST(PreTokenizerTest, PrefixSpaceGoesOnEveryPiece) {
  EXPECT_EQ(preTokenize(byteLevelPreTokenizer(true), "hello world"), (Strings{" hello", " world"}));
  EXPECT_EQ(preTokenize(byteLevelPreTokenizer(true), " hello"), (Strings{" hello"}));
  Json sequence = {{"type", "Sequence"},
                   {"pretokenizers",
                    {{{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", "Isolated"}},
                     byteLevelPreTokenizer(true, false)}}};
  EXPECT_EQ(preTokenize(sequence, "a-b"), (Strings{" a", " -", " b"}));
}

TEST(PreTokenizerTest, PrefixSpaceIsAddedPerSectionWhenEncoding) {
  Json document = tokenizerDocument(allByteVocab());
  document["pre_tokenizer"] = byteLevelPreTokenizer(true);
  document["added_tokens"] = {addedToken(300, "<x>")};
  auto tokenizer = load(document);
  EXPECT_EQ(tokenizer->encode("a<x>b"), (Ids{' ', 'a', 300, ' ', 'b'}));
  EXPECT_EQ(tokenizer->encode(""), Ids{});
}

//===----------------------------------------------------------------------===//
// Added tokens
//===----------------------------------------------------------------------===//

Json addedTokenDocument(const std::vector<Json> &addedTokens) {
  Json document = tokenizerDocument(allByteVocab());
  document["added_tokens"] = addedTokens;
  return document;
}

TEST(AddedTokenTest, SplitsOnSpecialTokens) {
  auto tokenizer = load(addedTokenDocument({addedToken(300, "<|x|>")}));
  EXPECT_EQ(tokenizer->encode("a<|x|>b"), (Ids{'a', 300, 'b'}));
  EXPECT_EQ(tokenizer->encode("<|x|><|x|>"), (Ids{300, 300}));
  EXPECT_EQ(tokenizer->encode("<|x|"), (Ids{'<', '|', 'x', '|'}));
  // Without special-token parsing the text is tokenized as text.
  EXPECT_EQ(tokenizer->encode("a<|x|>b", false), (Ids{'a', '<', '|', 'x', '|', '>', 'b'}));
  EXPECT_TRUE(tokenizer->isSpecial(300));
  EXPECT_EQ(tokenizer->tokenBytes(300), "<|x|>");
}

TEST(AddedTokenTest, NonSpecialTokensAreRecognisedEvenWithoutSpecialParsing) {
  auto tokenizer =
      load(addedTokenDocument({addedToken(300, "<|x|>"), addedToken(301, "foo", false)}));
  EXPECT_EQ(tokenizer->encode("foo<|x|>", false), (Ids{301, '<', '|', 'x', '|', '>'}));
  EXPECT_FALSE(tokenizer->isSpecial(301));
  EXPECT_TRUE(tokenizer->isAddedToken(301));
}

TEST(AddedTokenTest, LeftmostThenLongestMatchWins) {
  auto tokenizer = load(addedTokenDocument(
      {addedToken(300, "<|a"), addedToken(301, "<|ab|>"), addedToken(302, "b|>x")}));
  EXPECT_EQ(tokenizer->encode("<|ab|>"), (Ids{301}));
  EXPECT_EQ(tokenizer->encode("<|abc"), (Ids{300, 'b', 'c'}));
  // "<|ab|>" starts before "b|>x", so it wins although both match.
  EXPECT_EQ(tokenizer->encode("<|ab|>x"), (Ids{301, 'x'}));
}

TEST(AddedTokenTest, LstripAndRstripSwallowWhiteSpace) {
  Json mask = addedToken(300, "<mask>");
  mask["lstrip"] = true;
  auto left = load(addedTokenDocument({mask}));
  EXPECT_EQ(left->encode("a   <mask>  b"), (Ids{'a', 300, ' ', ' ', 'b'}));
  mask["lstrip"] = false;
  mask["rstrip"] = true;
  auto right = load(addedTokenDocument({mask}));
  EXPECT_EQ(right->encode("a   <mask>  b"), (Ids{'a', ' ', ' ', ' ', 300, 'b'}));
  mask["lstrip"] = true;
  auto both = load(addedTokenDocument({mask}));
  // Tab, no-break space and newline are all White_Space.
  EXPECT_EQ(both->encode("a\t\u00A0<mask>\n b"), (Ids{'a', 300, 'b'}));
  EXPECT_EQ(both->encode("<mask>"), (Ids{300}));
  EXPECT_EQ(both->encode(" <mask> "), (Ids{300}));
}

TEST(AddedTokenTest, SingleWordNeedsNonWordNeighbours) {
  Json word = addedToken(300, "ab", false);
  word["single_word"] = true;
  auto tokenizer = load(addedTokenDocument({word}));
  EXPECT_EQ(tokenizer->encode("ab cd"), (Ids{300, ' ', 'c', 'd'}));
  EXPECT_EQ(tokenizer->encode("(ab)"), (Ids{'(', 300, ')'}));
  EXPECT_EQ(tokenizer->encode("xab"), (Ids{'x', 'a', 'b'}));
  EXPECT_EQ(tokenizer->encode("abé"), (Ids{'a', 'b', 0xC3, 0xA9}));
}

TEST(AddedTokenTest, NormalizedTokensAreMatchedAfterTheOthers) {
  // HF first splits on the tokens with normalized=false, then on the others in
  // what is left, so "bcd" wins over the leftmost "abc" here.
  Json bcd = addedToken(301, "bcd", false);
  Json abc = addedToken(300, "abc", false);
  abc["normalized"] = true;
  auto tokenizer = load(addedTokenDocument({abc, bcd}));
  EXPECT_EQ(tokenizer->encode("abcd"), (Ids{'a', 301}));
  EXPECT_EQ(tokenizer->encode("abc"), (Ids{300}));
}

//===----------------------------------------------------------------------===//
// Decoding and arbitrary bytes
//===----------------------------------------------------------------------===//

TEST(DecodeTest, SpecialTokensAndUnknownIds) {
  auto tokenizer =
      load(addedTokenDocument({addedToken(300, "<s>"), addedToken(301, "<x>", false)}));
  Ids ids = {300, 'h', 'i', 301, 9999, -1, 299};
  EXPECT_EQ(tokenizer->decode(ids), "<s>hi<x>");
  EXPECT_EQ(tokenizer->decode(ids, /*skipSpecial=*/true), "hi<x>");
  EXPECT_EQ(tokenizer->vocabSize(), 302);
  EXPECT_EQ(tokenizer->tokenBytes(299), "");
  EXPECT_EQ(tokenizer->tokenBytes(' '), " ");
  EXPECT_EQ(tokenizer->tokenId("\xC4\xA0"), ' '); // "Ġ"
  EXPECT_EQ(tokenizer->tokenId("<s>"), 300);
  EXPECT_EQ(tokenizer->tokenId("nope"), std::nullopt);
}

TEST(DecodeTest, InvalidUtf8RoundTrips) {
  auto gpt2 = load(tokenizerDocument(allByteVocab()));
  Json llamaDocument = tokenizerDocument(allByteVocab());
  llamaDocument["pre_tokenizer"] = llama3PreTokenizer();
  auto llama = load(llamaDocument);
  const std::string samples[] = {
      "\xFF\xFE abc \xC3\x28 \xE2\x82 \xF0\x9F\x98",
      "\x80\xED\xA0\x80\xC0\xAF", // a lone continuation, a surrogate, an overlong
      std::string("a\0b\0\0", 5),
      "\xF0\x9F\x98\x80\xF0\x9F\x98",
      "  \xFF  \n\xFE\r\n",
  };
  for (const std::string &text : samples) {
    for (Tokenizer *tokenizer : {gpt2.get(), llama.get()}) {
      Ids ids = tokenizer->encode(text);
      EXPECT_EQ(ids.size(), text.size()); // no merges: one token per byte
      EXPECT_EQ(tokenizer->decode(ids), text);
    }
  }
  // Random bytes, deterministically.
  std::mt19937 random(12345);
  for (int i = 0; i < 300; ++i) {
    std::string text(random() % 64, '\0');
    for (char &c : text)
      c = static_cast<char>(random() % 256);
    EXPECT_EQ(llama->decode(llama->encode(text)), text);
    EXPECT_EQ(gpt2->decode(gpt2->encode(text)), text);
  }
}

TEST(DecodeTest, LongInputs) {
  auto tokenizer = load(tokenizerDocument(vocabWith({"aa"}), {{"a", "a"}}));
  std::string letters(100001, 'a');
  Ids ids = tokenizer->encode(letters);
  EXPECT_EQ(ids.size(), 50001u);
  EXPECT_EQ(tokenizer->decode(ids), letters);
  Json llamaDocument = tokenizerDocument(allByteVocab());
  llamaDocument["pre_tokenizer"] = llama3PreTokenizer();
  auto llama = load(llamaDocument);
  std::string spaces = std::string(1 << 20, ' ') + "x" + std::string(1 << 20, '\n');
  EXPECT_EQ(llama->decode(llama->encode(spaces)), spaces);
}

TEST(IncrementalDecoderTest, EmojiSplitAcrossTokens) {
  // U+1F600 is F0 9F 98 80.
  auto tokenizer = load(addedTokenDocument({addedToken(300, "<s>")}));
  IncrementalDecoder decoder(*tokenizer);
  EXPECT_EQ(decoder.push('a'), "a");
  EXPECT_EQ(decoder.push(0xF0), "");
  EXPECT_EQ(decoder.push(0x9F), "");
  EXPECT_EQ(decoder.push(0x98), "");
  EXPECT_EQ(decoder.push(0x80), "\U0001F600");
  EXPECT_EQ(decoder.flush(), "");
}

TEST(IncrementalDecoderTest, MultiByteTokens) {
  auto tokenizer = load(tokenizerDocument(vocabWith({"a\xF0\x9F", "\x98\x80!"})));
  IncrementalDecoder decoder(*tokenizer);
  EXPECT_EQ(decoder.push(256), "a");
  EXPECT_EQ(decoder.push(257), "\U0001F600!");
}

TEST(IncrementalDecoderTest, InvalidBytesPassThrough) {
  auto tokenizer = load(addedTokenDocument({addedToken(300, "<s>")}));
  IncrementalDecoder decoder(*tokenizer);
  EXPECT_EQ(decoder.push(0xFF), "\xFF");
  EXPECT_EQ(decoder.push(0xF0), "");
  EXPECT_EQ(decoder.push('x'), "\xF0x"); // the character can no longer complete
  EXPECT_EQ(decoder.push(0xE2), "");
  EXPECT_EQ(decoder.push(300), "\xE2<s>");
  EXPECT_EQ(decoder.push(0xC3), "");
  EXPECT_EQ(decoder.flush(), "\xC3");
  IncrementalDecoder skipping(*tokenizer, /*skipSpecial=*/true);
  EXPECT_EQ(skipping.push(300), "");
  EXPECT_EQ(skipping.push('a'), "a");
}

//===----------------------------------------------------------------------===//
// Post-processor template, eos, threads
//===----------------------------------------------------------------------===//

TEST(TemplateTest, EncodeWithTemplateAddsSpecialTokens) {
  Json document = addedTokenDocument({addedToken(300, "<s>"), addedToken(301, "</s>")});
  Json processor = {{"type", "TemplateProcessing"},
                    {"single",
                     {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                      {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                      {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}}}},
                    {"pair", Json::array()},
                    {"special_tokens",
                     {{"<s>", {{"id", "<s>"}, {"ids", {300}}, {"tokens", {"<s>"}}}},
                      {"</s>", {{"id", "</s>"}, {"ids", {301}}, {"tokens", {"</s>"}}}}}}};
  document["post_processor"] = {{"type", "Sequence"},
                                {"processors", {{{"type", "ByteLevel"}}, processor}}};
  auto tokenizer = load(document);
  EXPECT_EQ(tokenizer->encode("hi"), (Ids{'h', 'i'}));
  EXPECT_EQ(tokenizer->encodeWithTemplate("hi"), (Ids{300, 'h', 'i', 301}));
  EXPECT_EQ(tokenizer->eosTokens(), (Ids{301}));
}

TEST(EosTest, KnownNamesAmongSpecialTokens) {
  auto tokenizer =
      load(addedTokenDocument({addedToken(300, "<|eot_id|>"), addedToken(301, "<|end_of_text|>"),
                               addedToken(302, "<|endoftext|>", false)}));
  // The list order, special tokens only.
  EXPECT_EQ(tokenizer->eosTokens(), (Ids{301, 300}));
  auto none = load(tokenizerDocument(allByteVocab()));
  EXPECT_TRUE(none->eosTokens().empty());
}

TEST(ThreadTest, ConcurrentEncodesAgree) {
  Json document = tokenizerDocument(vocabWith({"he", "ll", "hell", "hello"}),
                                    {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}});
  document["pre_tokenizer"] = llama3PreTokenizer();
  document["added_tokens"] = {addedToken(300, "<s>")};
  auto tokenizer = load(document);
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i)
    texts.push_back("hello<s> world " + std::to_string(i * 7919) + " hellohello\n\n it's " +
                    std::string(i % 13, 'l'));
  std::vector<Ids> expected;
  for (const std::string &text : texts)
    expected.push_back(tokenizer->encode(text));
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round)
        for (size_t i = 0; i < texts.size(); ++i)
          failures[t] += tokenizer->encode(texts[i]) != expected[i];
    });
  }
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
  EXPECT_EQ(expected[0].front(), 259);
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

struct ErrorCase {
  const char *name;
  std::function<void(Json &)> corrupt;
  std::string expected;
};

TEST(ErrorTest, EveryCorruptionIsReported) {
  const std::vector<ErrorCase> cases = {
      {"no model", [](Json &d) { d.erase("model"); },
       "tokenizer.json: the top level: missing 'model'"},
      {"model not an object", [](Json &d) { d["model"] = 3; },
       "tokenizer.json: model must be an object, not an integer"},
      {"model without type", [](Json &d) { d["model"].erase("type"); },
       "tokenizer.json: model: missing 'type'"},
      {"WordPiece", [](Json &d) { d["model"]["type"] = "WordPiece"; },
       "tokenizer.json: model type 'WordPiece' is not supported (only byte-level BPE)"},
      {"unk_token", [](Json &d) { d["model"]["unk_token"] = "<unk>"; },
       "tokenizer.json: model.unk_token must be null: byte-level BPE has a token for every byte"},
      {"byte_fallback", [](Json &d) { d["model"]["byte_fallback"] = true; },
       "tokenizer.json: model.byte_fallback is not supported (only byte-level BPE)"},
      {"byte_fallback type", [](Json &d) { d["model"]["byte_fallback"] = "no"; },
       "tokenizer.json: model.byte_fallback must be a boolean, not a string"},
      {"dropout", [](Json &d) { d["model"]["dropout"] = 0.5; },
       "tokenizer.json: model.dropout must be null (BPE dropout is a training-time option), not "
       "0.5"},
      {"subword prefix", [](Json &d) { d["model"]["continuing_subword_prefix"] = "##"; },
       "tokenizer.json: model.continuing_subword_prefix must be null (byte-level BPE uses none), "
       "not '##'"},
      {"word suffix", [](Json &d) { d["model"]["end_of_word_suffix"] = "</w>"; },
       "tokenizer.json: model.end_of_word_suffix must be null (byte-level BPE uses none), not "
       "'</w>'"},
      {"no vocab", [](Json &d) { d["model"].erase("vocab"); },
       "tokenizer.json: model: missing 'vocab'"},
      {"vocab array", [](Json &d) { d["model"]["vocab"] = Json::array(); },
       "tokenizer.json: model.vocab must be an object, not an array"},
      {"empty vocab", [](Json &d) { d["model"]["vocab"] = Json::object(); },
       "tokenizer.json: model.vocab is empty"},
      {"id not a number", [](Json &d) { d["model"]["vocab"]["a"] = "0"; },
       "tokenizer.json: model.vocab['a'] must be an integer id, not a string"},
      {"fractional id", [](Json &d) { d["model"]["vocab"]["a"] = 1.5; },
       "tokenizer.json: model.vocab['a'] must be an integer id, not a number"},
      {"negative id", [](Json &d) { d["model"]["vocab"]["a"] = -1; },
       "tokenizer.json: model.vocab['a']: id -1 is out of range [0, 4194304)"},
      {"huge id", [](Json &d) { d["model"]["vocab"]["a"] = 4294967296ULL; },
       "tokenizer.json: model.vocab['a']: id 4294967296 is out of range [0, 4194304)"},
      {"duplicate id", [](Json &d) { d["model"]["vocab"]["b"] = 97; },
       "tokenizer.json: model.vocab: id 97 is used by both 'a' and 'b'"},
      {"no merges", [](Json &d) { d["model"].erase("merges"); },
       "tokenizer.json: model: missing 'merges'"},
      {"merges object", [](Json &d) { d["model"]["merges"] = Json::object(); },
       "tokenizer.json: model.merges must be an array, not an object"},
      {"merge of unknown token", [](Json &d) { d["model"]["merges"] = {"a \xE2\x82\xAC"}; },
       "tokenizer.json: model.merges[0]: unknown token '\xE2\x82\xAC'"},
      {"merged token missing",
       [](Json &d) {
         d["model"]["merges"] = {"a b", "b a"};
       },
       "tokenizer.json: model.merges[1]: merged token 'ba' is not in the vocabulary"},
      {"merge without space", [](Json &d) { d["model"]["merges"] = {"ab"}; },
       "tokenizer.json: model.merges[0]: 'ab' is not two tokens separated by one space"},
      {"merge with two spaces", [](Json &d) { d["model"]["merges"] = {"a b c"}; },
       "tokenizer.json: model.merges[0]: 'a b c' is not two tokens separated by one space"},
      {"merge of wrong type", [](Json &d) { d["model"]["merges"] = {5}; },
       "tokenizer.json: model.merges[0] must be a string \"a b\" or a pair [\"a\", \"b\"], not 5"},
      {"merge triple",
       [](Json &d) {
         d["model"]["merges"] = {{"a", "b", "c"}};
       },
       "tokenizer.json: model.merges[0] must be a string \"a b\" or a pair [\"a\", \"b\"], not "
       "[\"a\",\"b\",\"c\"]"},
      {"no pre-tokenizer", [](Json &d) { d.erase("pre_tokenizer"); },
       "tokenizer.json: pre_tokenizer is null, but byte-level BPE needs a ByteLevel pre-tokenizer"},
      {"Metaspace",
       [](Json &d) {
         d["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "_"}};
       },
       "tokenizer.json: pre_tokenizer type 'Metaspace' is not supported (only byte-level BPE)"},
      {"nested Whitespace",
       [](Json &d) {
         d["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Whitespace"}}}}};
       },
       "tokenizer.json: pre_tokenizer.pretokenizers[0] type 'Whitespace' is not supported (only "
       "byte-level BPE)"},
      {"no ByteLevel",
       [](Json &d) {
         d["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Digits"}}}}};
       },
       "tokenizer.json: pre_tokenizer has no ByteLevel step (only byte-level BPE is supported)"},
      {"step after ByteLevel",
       [](Json &d) {
         d["pre_tokenizer"] = {{"type", "Sequence"},
                               {"pretokenizers", {byteLevelPreTokenizer(), {{"type", "Digits"}}}}};
       },
       "tokenizer.json: pre_tokenizer.pretokenizers[1]: a Digits step after the ByteLevel step is "
       "not supported"},
      {"bad regex", [](Json &d) { d["pre_tokenizer"] = splitPreTokenizer("(", "Isolated"); },
       "tokenizer.json: pre_tokenizer.pretokenizers[0].pattern: cannot compile regex '(': missing "
       "closing "
       "parenthesis at offset 1"},
      {"bad behavior", [](Json &d) { d["pre_tokenizer"] = splitPreTokenizer("a", "Sideways"); },
       "tokenizer.json: pre_tokenizer.pretokenizers[0].behavior: unknown split behavior "
       "'Sideways'"},
      {"pattern kind",
       [](Json &d) {
         d["pre_tokenizer"] = {
             {"type", "Sequence"},
             {"pretokenizers", {{{"type", "Split"}, {"pattern", Json::object()}}}}};
       },
       "tokenizer.json: pre_tokenizer.pretokenizers[0].pattern must have a 'Regex' or a 'String' "
       "member"},
      {"flag type", [](Json &d) { d["pre_tokenizer"]["add_prefix_space"] = "yes"; },
       "tokenizer.json: pre_tokenizer.add_prefix_space must be a boolean, not a string"},
      {"NFC",
       [](Json &d) {
         d["normalizer"] = {{"type", "NFC"}};
       },
       "tokenizer.json: normalizer type 'NFC' is not supported (only byte-level BPE without "
       "normalization)"},
      {"nested NFKC",
       [](Json &d) {
         d["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFKC"}}}}};
       },
       "tokenizer.json: normalizer.normalizers[0] type 'NFKC' is not supported (only byte-level "
       "BPE without "
       "normalization)"},
      {"decoder",
       [](Json &d) {
         d["decoder"] = {{"type", "WordPiece"}};
       },
       "tokenizer.json: decoder type 'WordPiece' is not supported (only ByteLevel)"},
      {"post-processor",
       [](Json &d) {
         d["post_processor"] = {{"type", "BertProcessing"}};
       },
       "tokenizer.json: post_processor type 'BertProcessing' is not supported (only ByteLevel and "
       "TemplateProcessing)"},
      {"template token missing",
       [](Json &d) {
         d["post_processor"] = {
             {"type", "TemplateProcessing"},
             {"single", {{{"SpecialToken", {{"id", "<s>"}}}}, {{"Sequence", {{"id", "A"}}}}}},
             {"special_tokens", Json::object()}};
       },
       "tokenizer.json: post_processor.single[0]: '<s>' is not in post_processor.special_tokens"},
      {"template id not a token",
       [](Json &d) {
         d["post_processor"] = {
             {"type", "TemplateProcessing"},
             {"single", {{{"SpecialToken", {{"id", "<s>"}}}}, {{"Sequence", {{"id", "A"}}}}}},
             {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {999}}}}}}};
       },
       "tokenizer.json: post_processor.special_tokens['<s>'].ids: id 999 is not a token"},
      {"template without sequence",
       [](Json &d) {
         d["post_processor"] = {{"type", "TemplateProcessing"},
                                {"single", Json::array()},
                                {"special_tokens", Json::object()}};
       },
       "tokenizer.json: post_processor.single has no Sequence A"},
      {"added tokens object", [](Json &d) { d["added_tokens"] = Json::object(); },
       "tokenizer.json: added_tokens must be an array, not an object"},
      {"added token without id",
       [](Json &d) {
         d["added_tokens"] = {{{"content", "<x>"}}};
       },
       "tokenizer.json: added_tokens[0]: missing 'id'"},
      {"added token empty", [](Json &d) { d["added_tokens"] = {addedToken(300, "")}; },
       "tokenizer.json: added_tokens[0]: empty content"},
      {"added token flag",
       [](Json &d) {
         d["added_tokens"] = {addedToken(300, "<x>")};
         d["added_tokens"][0]["special"] = "true";
       },
       "tokenizer.json: added_tokens[0].special must be a boolean, not a string"},
      {"added duplicate id",
       [](Json &d) {
         d["added_tokens"] = {addedToken(300, "<x>"), addedToken(300, "<y>")};
       },
       "tokenizer.json: added_tokens[1]: id 300 is already used by added_tokens[0]"},
      {"added duplicate content",
       [](Json &d) {
         d["added_tokens"] = {addedToken(300, "<x>"), addedToken(301, "<x>")};
       },
       "tokenizer.json: added_tokens[1]: content '<x>' is already added_tokens[0]"},
  };
  for (const ErrorCase &errorCase : cases) {
    Json document = tokenizerDocument(Json{{"a", 97}, {"b", 98}, {"ab", 256}}, {{"a", "b"}});
    errorCase.corrupt(document);
    EXPECT_EQ(loadError(document.dump()), errorCase.expected) << errorCase.name;
  }
}

TEST(ErrorTest, MalformedJson) {
  EXPECT_EQ(loadError(""),
            "tokenizer.json: invalid JSON: parse error at line 1, column 1: syntax error "
            "while parsing value - unexpected end of input; expected '[', '{', or a literal");
  EXPECT_EQ(loadError("[]"), "tokenizer.json: the top level must be an object, not an array");
  std::string error;
  EXPECT_FALSE(Tokenizer::fromJSON("{\"model\": ", error, "my.json"));
  EXPECT_EQ(error.rfind("my.json: invalid JSON: ", 0), 0u) << error;
}

TEST(ErrorTest, MissingFile) {
  std::string error;
  EXPECT_FALSE(Tokenizer::fromFile("/nonexistent/tokenizer.json", error));
  EXPECT_EQ(error, "cannot open '/nonexistent/tokenizer.json': No such file or directory");
}

TEST(ErrorTest, TruncationsAndMutationsNeverCrash) {
  Json document = tokenizerDocument(vocabWith({"he", "ll", "hell", "hello"}),
                                    {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}});
  document["pre_tokenizer"] = llama3PreTokenizer();
  document["added_tokens"] = {addedToken(300, "<s>")};
  std::string text = document.dump();
  std::string error;
  ASSERT_TRUE(Tokenizer::fromJSON(text, error)) << error;
  for (size_t length = 0; length < text.size(); length += 7) {
    error.clear();
    EXPECT_FALSE(Tokenizer::fromJSON(text.substr(0, length), error));
    EXPECT_FALSE(error.empty());
  }
  std::mt19937 random(777);
  for (int i = 0; i < 500; ++i) {
    std::string mutated = text;
    for (int j = 0; j < 3; ++j)
      mutated[random() % mutated.size()] = "{}[]\",:0a-\\ "[random() % 13];
    error.clear();
    std::unique_ptr<Tokenizer> tokenizer = Tokenizer::fromJSON(mutated, error);
    if (tokenizer)
      tokenizer->encode("hello <s> world");
    else
      EXPECT_FALSE(error.empty());
  }
}

} // namespace
