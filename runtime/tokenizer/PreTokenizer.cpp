//===- PreTokenizer.cpp - HF pre-tokenizers for byte-level BPE ------------===//

#include "runtime/tokenizer/PreTokenizer.h"

#include "runtime/tokenizer/JsonUtil.h"

#include <algorithm>

namespace dec {

using namespace json_util;

namespace {

/// GPT-2's pattern, which HF's ByteLevel pre-tokenizer splits with when
/// `use_regex` is set (tokenizers/src/pre_tokenizers/byte_level.rs).
constexpr const char *kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

/// HF's Digits pre-tokenizer splits on `char::is_numeric`, i.e. general
/// category N; as a regex, each such character is one match.
constexpr const char *kNumericCharPattern = R"(\p{N})";

std::shared_ptr<const Regex> compileForPath(std::string_view pattern, const std::string &path) {
  std::string error;
  std::shared_ptr<const Regex> regex = Regex::compile(rewriteWhitespaceEscapes(pattern), error);
  if (!regex)
    fail(path + ": cannot compile regex " + quote(pattern) + ": " + error);
  return regex;
}

SplitBehavior parseBehavior(const Json &value, const std::string &path) {
  const std::string &name = requireString(value, path);
  if (name == "Removed")
    return SplitBehavior::Removed;
  if (name == "Isolated")
    return SplitBehavior::Isolated;
  if (name == "MergedWithPrevious")
    return SplitBehavior::MergedWithPrevious;
  if (name == "MergedWithNext")
    return SplitBehavior::MergedWithNext;
  if (name == "Contiguous")
    return SplitBehavior::Contiguous;
  fail(path + ": unknown split behavior " + quote(name));
}

} // namespace

void findMatchSpans(const Regex &regex, std::string_view text, bool invert,
                    std::vector<Regex::Match> &matchesScratch, std::vector<Span> &spans) {
  spans.clear();
  if (text.empty()) {
    spans.push_back({0, 0, invert});
    return;
  }
  matchesScratch.clear();
  regex.findAll(text, matchesScratch);
  size_t previousEnd = 0;
  for (const Regex::Match &match : matchesScratch) {
    if (previousEnd != match.begin)
      spans.push_back({previousEnd, match.begin, invert});
    spans.push_back({match.begin, match.end, !invert});
    previousEnd = match.end;
  }
  if (previousEnd != text.size())
    spans.push_back({previousEnd, text.size(), invert});
}

void splitByBehavior(std::string_view text, const std::vector<Span> &spans, SplitBehavior behavior,
                     std::vector<std::string_view> &pieces) {
  auto emit = [&](size_t begin, size_t end) {
    if (begin < end)
      pieces.push_back(text.substr(begin, end - begin));
  };
  switch (behavior) {
  case SplitBehavior::Isolated:
    for (const Span &span : spans)
      emit(span.begin, span.end);
    return;
  case SplitBehavior::Removed:
    for (const Span &span : spans)
      if (!span.isMatch)
        emit(span.begin, span.end);
    return;
  default:
    break;
  }

  // The merging behaviors, folded exactly like NormalizedString::split: a span
  // joins the piece being built instead of starting a new one when...
  struct Piece {
    size_t begin, end;
  };
  std::vector<Piece> merged;
  bool previousWasMatch = false;
  auto fold = [&](const Span &span, bool extendsLast, bool extendAtFront) {
    if (extendsLast && !merged.empty()) {
      if (extendAtFront)
        merged.back().begin = span.begin;
      else
        merged.back().end = span.end;
    } else {
      merged.push_back({span.begin, span.end});
    }
    previousWasMatch = span.isMatch;
  };
  switch (behavior) {
  case SplitBehavior::Contiguous: // ...it is of the same kind as the last one.
    for (const Span &span : spans)
      fold(span, span.isMatch == previousWasMatch, false);
    break;
  case SplitBehavior::MergedWithPrevious: // ...it is a match following a non-match.
    for (const Span &span : spans)
      fold(span, span.isMatch && !previousWasMatch, false);
    break;
  case SplitBehavior::MergedWithNext: // ...scanning backwards, likewise.
    for (auto it = spans.rbegin(); it != spans.rend(); ++it)
      fold(*it, it->isMatch && !previousWasMatch, true);
    std::reverse(merged.begin(), merged.end());
    break;
  default:
    break;
  }
  for (const Piece &piece : merged)
    emit(piece.begin, piece.end);
}

std::unique_ptr<PreTokenizer> PreTokenizer::fromJSON(const Json &config) {
  if (config.is_null())
    fail("pre_tokenizer is null, but byte-level BPE needs a ByteLevel pre-tokenizer");
  auto preTokenizer = std::unique_ptr<PreTokenizer>(new PreTokenizer());
  preTokenizer->addStepsFromJSON(config, "pre_tokenizer");
  if (!preTokenizer->sawByteLevel)
    fail("pre_tokenizer has no ByteLevel step (only byte-level BPE is supported)");
  return preTokenizer;
}

void PreTokenizer::addStepsFromJSON(const Json &config, const std::string &path) {
  const std::string &type = componentType(config, path);
  if (type == "Sequence") {
    const Json &children =
        requireArray(requireMember(config, "pretokenizers", path), path + ".pretokenizers");
    for (size_t i = 0; i < children.size(); ++i)
      addStepsFromJSON(children[i], path + ".pretokenizers[" + std::to_string(i) + "]");
    return;
  }
  if (sawByteLevel)
    fail(path + ": a " + type + " step after the ByteLevel step is not supported");

  if (type == "ByteLevel") {
    sawByteLevel = true;
    // HF's defaults (ByteLevel::default()) when the members are absent.
    if (optionalBool(config, "add_prefix_space", true, path))
      steps.push_back({Step::Kind::AddPrefixSpace, nullptr});
    if (optionalBool(config, "use_regex", true, path))
      steps.push_back(
          {Step::Kind::Split, compileForPath(kGpt2Pattern, path), SplitBehavior::Isolated, false});
    return;
  }
  if (type == "Split") {
    const Json &pattern = requireObject(requireMember(config, "pattern", path), path + ".pattern");
    std::string patternSource;
    if (const Json *regex = findMember(pattern, "Regex"))
      patternSource = requireString(*regex, path + ".pattern.Regex");
    else if (const Json *literal = findMember(pattern, "String"))
      patternSource = escapeRegexLiteral(requireString(*literal, path + ".pattern.String"));
    else
      fail(path + ".pattern must have a 'Regex' or a 'String' member");
    steps.push_back({Step::Kind::Split, compileForPath(patternSource, path + ".pattern"),
                     parseBehavior(requireMember(config, "behavior", path), path + ".behavior"),
                     optionalBool(config, "invert", false, path)});
    return;
  }
  if (type == "Digits") {
    // pre_tokenizers/digits.rs: Isolated digits, or Contiguous runs of them.
    bool individual = optionalBool(config, "individual_digits", false, path);
    steps.push_back({Step::Kind::Split, compileForPath(kNumericCharPattern, path),
                     individual ? SplitBehavior::Isolated : SplitBehavior::Contiguous, false});
    return;
  }
  fail(path + " type " + quote(type) + " is not supported (only byte-level BPE)");
}

void PreTokenizer::apply(const Step &step, std::string_view piece, Scratch &scratch,
                         std::vector<std::string_view> &out) const {
  switch (step.kind) {
  case Step::Kind::AddPrefixSpace:
    // HF prepends the space to every piece that reaches ByteLevel, not only
    // to the start of the text.
    if (piece.front() == ' ') {
      out.push_back(piece);
    } else {
      std::string &spaced = scratch.created.emplace_back();
      spaced.reserve(piece.size() + 1);
      spaced.push_back(' ');
      spaced.append(piece);
      out.push_back(spaced);
    }
    return;
  case Step::Kind::Split:
    findMatchSpans(*step.regex, piece, step.invert, scratch.matches, scratch.spans);
    splitByBehavior(piece, scratch.spans, step.behavior, out);
    return;
  }
}

void PreTokenizer::split(std::string_view text, Scratch &scratch,
                         std::vector<std::string_view> &pieces) const {
  pieces.clear();
  scratch.created.clear();
  if (text.empty())
    return;
  pieces.push_back(text);
  for (const Step &step : steps) {
    scratch.pending.clear();
    for (std::string_view piece : pieces)
      apply(step, piece, scratch, scratch.pending);
    pieces.swap(scratch.pending);
  }
}

} // namespace dec
