//===- constraint-fuzzer.cpp - libFuzzer target for the constraint compilers ===//
//
// The first byte picks the spec language (regex, JSON Schema, GBNF, Lark,
// choice, stop strings); the rest is the spec. A spec that compiles is then
// exercised the way a decoder would: a few masks, commits, a single-token
// check, forced tokens and a rollback, over a small vocabulary of bytes and
// multi-byte pieces. Any crash, sanitizer report, leak, hang (-timeout) or
// memory blow-up (-rss_limit_mb) is a bug; the compilers must refuse what they
// cannot handle with an error message instead.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/Constraint.h"
#include "runtime/constraint/Matcher.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using namespace dec::cons;

namespace {

std::shared_ptr<const Vocabulary> vocabulary() {
  static std::shared_ptr<const Vocabulary> v = [] {
    std::vector<std::string> tokens;
    for (int b = 0; b < 256; ++b)
      tokens.push_back(std::string(1, static_cast<char>(b)));
    for (const char *t : {"{\"", "\": ", "\", \"", "\"}", "true", "false", "null", "12", "-1", "0.5", "ab", "abc",
                          "\\n", "\\u00", "\xc3\xa9", "\xe2\x82", ", ", "[\"", "\"]", "  ", "name", "id"})
      tokens.push_back(t);
    tokens.push_back("<eos>");
    int32_t eos = static_cast<int32_t>(tokens.size() - 1);
    return Vocabulary::fromTokens(tokens, {eos}, {eos});
  }();
  return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 8192)
    return 0;
  static const char *const kinds[] = {"regex", "json_schema", "gbnf", "lark", "choice", "stop"};
  const char *kind = kinds[data[0] % 6];
  std::string spec(reinterpret_cast<const char *>(data + 1), size - 1);
  CompileOptions options;
  options.whitespace = static_cast<JsonWhitespace>((data[0] / 6) % 3);
  std::string error;
  auto c = compileConstraint(kind, spec, options, vocabulary(), error);
  if (!c) {
    if (error.empty())
      __builtin_trap(); // a refusal must say why
    return 0;
  }
  const Vocabulary &vocab = c->vocabulary();
  Matcher m(c);
  std::vector<uint32_t> mask(vocab.maskWords());
  uint32_t pick = 2166136261u;
  for (size_t i = 0; i < size; ++i)
    pick = (pick ^ data[i]) * 16777619u;
  for (int step = 0; step < 6; ++step) {
    m.fillMask(mask.data());
    std::vector<int32_t> allowed;
    for (int32_t t = 0; t < vocab.size(); ++t)
      if ((mask[t / 32] >> (t % 32)) & 1)
        allowed.push_back(t);
    if (allowed.empty())
      break;
    int32_t t = allowed[pick % allowed.size()];
    pick = pick * 1103515245u + 12345u;
    // The mask, the single-token check and the commit must agree.
    if (!m.accepts(t) || !m.advance(t))
      __builtin_trap();
    if (m.isFinished())
      break;
  }
  m.forcedTokens();
  m.rollback(1);
  m.fillMask(mask.data());
  return 0;
}
