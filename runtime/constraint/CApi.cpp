//===- CApi.cpp - The C ABI of the constraint engine ----------------------===//
//
// Thin wrappers over Vocabulary, Constraint and Matcher. Every entry point
// catches everything: exceptions (bad_alloc included) must never unwind into
// C or compiled code.
//
//===----------------------------------------------------------------------===//
#include "dec/constraint.h"

#include "runtime/constraint/Constraint.h"
#include "runtime/constraint/Matcher.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

using namespace dec::cons;

struct dec_vocab {
  std::shared_ptr<const Vocabulary> vocab;
};
struct dec_constraint {
  std::shared_ptr<const Constraint> constraint;
};
struct dec_matcher {
  Matcher matcher;
  explicit dec_matcher(std::shared_ptr<const Constraint> c) : matcher(std::move(c)) {}
};

namespace {

void setError(char **error, const std::string &message) {
  if (!error)
    return;
  *error = static_cast<char *>(std::malloc(message.size() + 1));
  if (*error)
    std::memcpy(*error, message.c_str(), message.size() + 1);
}

template <typename F> auto guarded(char **error, F f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc &) {
    setError(error, "out of memory");
  } catch (const std::exception &e) {
    setError(error, std::string("internal error: ") + e.what());
  } catch (...) {
    setError(error, "internal error");
  }
  return {};
}

} // namespace

extern "C" {

dec_constraint_options dec_constraint_options_default(void) {
  CompileOptions d;
  return {static_cast<int32_t>(d.whitespace), static_cast<int32_t>(d.maxWhitespace), d.allowEos ? 1 : 0,
          d.strictFormats ? 1 : 0};
}

dec_vocab *dec_vocab_from_tokenizer_json(const char *path, int64_t model_vocab, char **error) {
  if (error)
    *error = nullptr;
  return guarded(error, [&]() -> dec_vocab * {
    if (!path) {
      setError(error, "no tokenizer path");
      return nullptr;
    }
    std::string message;
    auto v = Vocabulary::fromTokenizerFile(path, model_vocab, message);
    if (!v) {
      setError(error, message);
      return nullptr;
    }
    return new dec_vocab{std::move(v)};
  });
}

dec_vocab *dec_vocab_from_token_bytes(const char *const *tokens, const size_t *lengths, int32_t n_tokens,
                                      const int32_t *special, int32_t n_special, const int32_t *eos,
                                      int32_t n_eos, int64_t model_vocab, char **error) {
  if (error)
    *error = nullptr;
  return guarded(error, [&]() -> dec_vocab * {
    if (n_tokens < 0 || (n_tokens > 0 && (!tokens || !lengths)) || n_special < 0 || n_eos < 0 ||
        (n_special > 0 && !special) || (n_eos > 0 && !eos) || model_vocab < 0 || model_vocab > (1 << 30)) {
      setError(error, "invalid arguments");
      return nullptr;
    }
    std::vector<std::string> bytes(static_cast<size_t>(n_tokens));
    for (int32_t i = 0; i < n_tokens; ++i)
      if (tokens[i])
        bytes[i].assign(tokens[i], lengths[i]);
    return new dec_vocab{Vocabulary::fromTokens(std::move(bytes), std::vector<int32_t>(special, special + n_special),
                                                std::vector<int32_t>(eos, eos + n_eos), model_vocab)};
  });
}

void dec_vocab_free(dec_vocab *vocab) { delete vocab; }

int32_t dec_vocab_size(const dec_vocab *vocab) { return vocab ? vocab->vocab->size() : 0; }

size_t dec_vocab_mask_words(const dec_vocab *vocab) { return vocab ? vocab->vocab->maskWords() : 0; }

dec_constraint *dec_constraint_compile(const char *kind, const char *spec, size_t spec_len,
                                       const dec_constraint_options *opts, const dec_vocab *vocab,
                                       char **error) {
  if (error)
    *error = nullptr;
  return guarded(error, [&]() -> dec_constraint * {
    if (!kind || !vocab || (!spec && spec_len > 0)) {
      setError(error, "invalid arguments");
      return nullptr;
    }
    CompileOptions o;
    if (opts) {
      if (opts->json_whitespace < 0 || opts->json_whitespace > 2 || opts->max_whitespace < 0) {
        setError(error, "invalid options");
        return nullptr;
      }
      o.whitespace = static_cast<JsonWhitespace>(opts->json_whitespace);
      o.maxWhitespace = static_cast<uint32_t>(opts->max_whitespace);
      o.allowEos = opts->allow_eos != 0;
      o.strictFormats = opts->strict_formats != 0;
    }
    std::string message;
    auto c = compileConstraint(kind, std::string_view(spec ? spec : "", spec_len), o, vocab->vocab, message);
    if (!c) {
      setError(error, message);
      return nullptr;
    }
    return new dec_constraint{std::move(c)};
  });
}

void dec_constraint_free(dec_constraint *constraint) { delete constraint; }

dec_matcher *dec_matcher_new(const dec_constraint *constraint) {
  if (!constraint)
    return nullptr;
  return guarded(nullptr, [&]() -> dec_matcher * { return new dec_matcher(constraint->constraint); });
}

void dec_matcher_free(dec_matcher *matcher) { delete matcher; }

void dec_matcher_fill_mask(dec_matcher *matcher, uint32_t *words) {
  if (!matcher || !words)
    return;
  bool ok = guarded(nullptr, [&]() -> bool {
    matcher->matcher.fillMask(words);
    return true;
  });
  if (!ok) // out of memory: allow nothing rather than leave garbage
    std::memset(words, 0, matcher->matcher.constraint().vocabulary().maskWords() * 4);
}

int dec_matcher_accepts(dec_matcher *matcher, int32_t token) {
  if (!matcher)
    return 0;
  return guarded(nullptr, [&]() -> int { return matcher->matcher.accepts(token) ? 1 : 0; });
}

int dec_matcher_advance(dec_matcher *matcher, int32_t token) {
  if (!matcher)
    return 0;
  return guarded(nullptr, [&]() -> int { return matcher->matcher.advance(token) ? 1 : 0; });
}

int dec_matcher_rollback(dec_matcher *matcher, size_t n) {
  if (!matcher)
    return 0;
  return guarded(nullptr, [&]() -> int { return matcher->matcher.rollback(n) ? 1 : 0; });
}

int dec_matcher_is_accepting(dec_matcher *matcher) {
  if (!matcher)
    return 0;
  return guarded(nullptr, [&]() -> int { return matcher->matcher.isAccepting() ? 1 : 0; });
}

int dec_matcher_is_finished(const dec_matcher *matcher) { return matcher && matcher->matcher.isFinished() ? 1 : 0; }

size_t dec_matcher_forced_tokens(dec_matcher *matcher, int32_t *out, size_t cap) {
  if (!matcher)
    return 0;
  return guarded(nullptr, [&]() -> size_t {
    std::vector<int32_t> tokens = matcher->matcher.forcedTokens();
    if (out)
      std::memcpy(out, tokens.data(), std::min(cap, tokens.size()) * sizeof(int32_t));
    return tokens.size();
  });
}

size_t dec_matcher_num_tokens(const dec_matcher *matcher) { return matcher ? matcher->matcher.numTokens() : 0; }

void dec_matcher_reset(dec_matcher *matcher) {
  if (matcher)
    guarded(nullptr, [&]() -> bool {
      matcher->matcher.reset();
      return true;
    });
}

} // extern "C"
