//===- PreTokenizer.h - HF pre-tokenizers for byte-level BPE ----*- C++ -*-===//
//
// Splits text into pre-tokens, the units BPE merges within. Supported, with
// Hugging Face `tokenizers` semantics: ByteLevel, Split (Regex or String
// pattern, every SplitDelimiterBehavior, invert), Digits and Sequence.
//
// Pre-tokens stay raw bytes: the byte-level alphabet is a bijection, so the
// BPE model's vocabulary is keyed by bytes instead of spelling each pre-token
// in that alphabet. For the same reason ByteLevel must be the last step: a
// step after it would see the byte-level spelling.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_TOKENIZER_PRETOKENIZER_H
#define DEC_RUNTIME_TOKENIZER_PRETOKENIZER_H

#include "runtime/tokenizer/Regex.h"

#include <nlohmann/json_fwd.hpp>

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dec {

/// HF's SplitDelimiterBehavior: what becomes of the pattern matches.
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

/// A stretch of text and whether it is a match of the pattern ("delimiter").
struct Span {
  size_t begin, end;
  bool isMatch;
};

/// HF's `Pattern::find_matches`: spans that cover `text`, the matches of
/// `regex` and the gaps between them; `invert` swaps the two kinds.
void findMatchSpans(const Regex &regex, std::string_view text, bool invert,
                    std::vector<Regex::Match> &matchesScratch, std::vector<Span> &spans);

/// HF's `NormalizedString::split`: applies `behavior` to `spans` and appends the
/// resulting non-empty pieces of `text`.
void splitByBehavior(std::string_view text, const std::vector<Span> &spans, SplitBehavior behavior,
                     std::vector<std::string_view> &pieces);

class PreTokenizer {
public:
  /// Reusable buffers; one per thread.
  struct Scratch {
    std::vector<std::string_view> pending;
    std::vector<Regex::Match> matches;
    std::vector<Span> spans;
    /// Storage for pieces that are not substrings of the input (a ByteLevel
    /// prefix space). A deque keeps earlier strings in place as it grows.
    std::deque<std::string> created;
  };

  /// Builds the pre-tokenizer described by the `pre_tokenizer` member of
  /// tokenizer.json. Throws json_util::LoadError.
  static std::unique_ptr<PreTokenizer> fromJSON(const nlohmann::json &config);

  /// Replaces `pieces` with the pre-tokens of `text`. They point into `text` or
  /// into `scratch`, and stay valid until `scratch` is reused.
  void split(std::string_view text, Scratch &scratch, std::vector<std::string_view> &pieces) const;

private:
  struct Step {
    enum class Kind { Split, AddPrefixSpace } kind;
    std::shared_ptr<const Regex> regex; // Kind::Split
    SplitBehavior behavior = SplitBehavior::Isolated;
    bool invert = false;
  };

  void addStepsFromJSON(const nlohmann::json &config, const std::string &path);
  void apply(const Step &step, std::string_view piece, Scratch &scratch,
             std::vector<std::string_view> &out) const;

  std::vector<Step> steps;
  bool sawByteLevel = false;
};

} // namespace dec

#endif // DEC_RUNTIME_TOKENIZER_PRETOKENIZER_H
