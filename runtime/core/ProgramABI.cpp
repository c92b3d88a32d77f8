//===- ProgramABI.cpp - the decrt_* functions compiled programs call ------===//
//
// Each function catches everything: an exception must never unwind into
// compiled code. Errors are recorded on the call (the first one wins) and the
// sequence is finished, so the compiled loop's next decrt_seq_emit ends it.
//
//===----------------------------------------------------------------------===//

#include "runtime/core/Session.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

using namespace dec;
using namespace dec::rt;
using Clock = std::chrono::steady_clock;

void decrt_seq::fail(const std::string &message) {
  if (call->error.empty())
    call->error = message;
  finish("error");
}

void decrt_seq::finish(const std::string &reason) {
  if (finished)
    return;
  finished = true;
  finishReason = reason;
}

void decrt_seq::streamReady() {
  size_t ready = text.size();
  if (!finished && stop)
    ready -= stop->pendingSuffix(text);
  if (ready <= streamed)
    return;
  if (call->options.on_text && !call->cancelled &&
      call->options.on_text(call->options.user, text.data() + streamed, ready - streamed) != 0) {
    call->cancelled = true;
    finish("cancelled");
  }
  streamed = ready;
}

namespace {

double millisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// SplitMix64: decorrelates the Philox keys of nearby seeds / sample indices.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

template <typename T>
void fill(decrt_memref1 *out, T *data, int64_t size) {
  out->allocated = out->aligned = data;
  out->offset = 0;
  out->sizes[0] = size;
  out->strides[0] = 1;
}

template <typename T>
void fill(decrt_memref2 *out, T *data, int64_t rows, int64_t columns) {
  out->allocated = out->aligned = data;
  out->offset = 0;
  out->sizes[0] = rows;
  out->sizes[1] = columns;
  out->strides[0] = columns;
  out->strides[1] = 1;
}

/// The log-probability of every token of `row` (f64 log-sum-exp; NaN and
/// -inf have probability 0), and the emitted token's and the top-n's.
void recordLogprobs(decrt_seq *seq, int32_t token) {
  const std::vector<float> &row = seq->captured;
  size_t vocab = row.size();
  double max = -std::numeric_limits<double>::infinity();
  for (float x : row)
    if (!std::isnan(x) && x > max)
      max = x;
  double mass = 0;
  for (float x : row)
    if (!std::isnan(x) && x > -std::numeric_limits<float>::infinity())
      mass += x == max ? 1.0 : std::exp(double(x) - max);
  double lse = std::log(mass);
  auto logprob = [&](size_t t) -> float {
    float x = row[t];
    if (std::isnan(x) || !(max > -std::numeric_limits<double>::infinity()) ||
        x == -std::numeric_limits<float>::infinity())
      return -std::numeric_limits<float>::infinity();
    return static_cast<float>((x == max ? 0.0 : double(x) - max) - lse);
  };
  seq->tokenLogprobs.push_back(token >= 0 && static_cast<size_t>(token) < vocab
                                   ? logprob(token)
                                   : -std::numeric_limits<float>::infinity());
  size_t n = std::min(static_cast<size_t>(seq->logprobs), vocab);
  std::vector<int32_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  auto before = [&](int32_t a, int32_t b) {
    float la = logprob(a), lb = logprob(b);
    return la > lb || (la == lb && a < b);
  };
  std::partial_sort(order.begin(), order.begin() + n, order.end(), before);
  for (size_t i = 0; i < static_cast<size_t>(seq->logprobs); ++i) {
    // Fewer tokens than asked for: pad with -1 / -inf.
    seq->topLogprobTokens.push_back(i < n ? order[i] : -1);
    seq->topLogprobs.push_back(i < n ? logprob(order[i])
                                     : -std::numeric_limits<float>::infinity());
  }
}

/// Runs `body`, turning any exception into a failure of `seq`.
template <typename Fn>
void guarded(decrt_seq *seq, const char *what, Fn &&body) {
  try {
    body();
  } catch (const std::exception &e) {
    seq->fail(std::string(what) + ": " + e.what());
  } catch (...) {
    seq->fail(std::string(what) + ": unknown error");
  }
}

} // namespace

extern "C" {

decrt_seq *decrt_seq_begin(decrt_text *prompt, int32_t model, int32_t config) {
  Call *call = prompt->call;
  auto owned = std::make_unique<decrt_seq>();
  decrt_seq *seq = owned.get();
  seq->call = call;
  call->sequences.push_back(std::move(owned));
  guarded(seq, "starting a sequence", [&] {
    Session &session = call->session;
    seq->model = &session.model(model);
    seq->config = &session.sequenceConfig(config);
    const TorchModel &lm = *seq->model->model;
    seq->logits.assign(lm.vocabSize(), 0.0f);
    uint64_t index = call->sequences.size() - 1;
    seq->seeds.assign(1, static_cast<int64_t>(
                             mix(call->options.seed ^ mix(call->options.sample_index ^ mix(index)))));
    seq->ban = session.banFilter(config);
    if (seq->ban)
      seq->banState = seq->ban->initialState();
    if (!seq->config->stop.empty())
      seq->stop = std::make_unique<StopMatcher>(seq->config->stop);
    seq->decoder = std::make_unique<IncrementalDecoder>(*seq->model->tokenizer,
                                                        /*skipSpecial=*/true);
    seq->state = lm.newState();

    auto start = Clock::now();
    seq->history = seq->model->tokenizer->encodeWithTemplate(prompt->bytes);
    seq->promptLength = seq->history.size();
    call->loadMs += millisecondsSince(start);
    if (seq->history.empty())
      return seq->fail("the prompt is empty and the tokenizer adds no start token; "
                       "give a non-empty prompt");
    start = Clock::now();
    std::string error;
    if (!lm.forward(seq->state, seq->history.data(), static_cast<int64_t>(seq->history.size()),
                    seq->logits.data(), error))
      return seq->fail("prompt of " + std::to_string(seq->history.size()) + " tokens: " + error);
    seq->logprobs = seq->config->logprobs;
    if (seq->config->constraint) {
      seq->constraint = std::make_unique<ConstraintState>(session.constraint(config),
                                                          seq->config->constraint->rejection);
      seq->constraint->onLogits(seq->logits);
    }
    if (seq->config->guidance) {
      // The unconditional sequence of classifier-free guidance (HF
      // UnbatchedClassifierFreeGuidanceLogitsProcessor): the negative prompt,
      // or else the prompt's last token.
      std::vector<int32_t> uncond =
          seq->config->negative ? seq->model->tokenizer->encodeWithTemplate(*seq->config->negative)
                                : std::vector<int32_t>{seq->history.back()};
      if (uncond.empty())
        return seq->fail("the negative prompt is empty and the tokenizer adds no start token; "
                         "give a non-empty negative prompt");
      seq->guidance = true;
      seq->unconditional = lm.newState();
      seq->unconditionalLogits.assign(lm.vocabSize(), 0.0f);
      if (!lm.forward(seq->unconditional, uncond.data(), static_cast<int64_t>(uncond.size()),
                      seq->unconditionalLogits.data(), error))
        return seq->fail("negative prompt of " + std::to_string(uncond.size()) +
                         " tokens: " + error);
    }
    call->prefillMs += millisecondsSince(start);
  });
  if (seq->logits.empty())
    seq->logits.assign(1, 0.0f); // keep every buffer valid after a failure
  if (seq->seeds.empty())
    seq->seeds.assign(1, 0);
  return seq;
}

int64_t decrt_seq_max_tokens(decrt_seq *seq, int64_t programDefault) {
  int64_t requested = seq->call->options.max_tokens;
  return requested > 0 ? requested : programDefault;
}

void decrt_seq_logits(decrt_seq *seq, decrt_memref2 *out) {
  fill(out, seq->logits.data(), 1, static_cast<int64_t>(seq->logits.size()));
}

void decrt_seq_history(decrt_seq *seq, decrt_memref2 *out) {
  fill(out, seq->history.data(), 1, static_cast<int64_t>(seq->history.size()));
}

void decrt_seq_eos_tokens(decrt_seq *seq, decrt_memref1 *out) {
  static int32_t none = -1;
  if (!seq->model || seq->model->eos.empty())
    return fill(out, &none, 0);
  fill(out, seq->model->eos.data(), static_cast<int64_t>(seq->model->eos.size()));
}

void decrt_seq_allowed_mask(decrt_seq *seq, decrt_memref2 *out) {
  size_t words = (seq->logits.size() + 31) / 32;
  const std::vector<uint32_t> *banMask = nullptr;
  guarded(seq, "computing banned strings", [&] {
    if (seq->ban)
      banMask = &seq->ban->allowedMask(seq->banState);
  });
  // The sequence's own buffer: banned strings AND the constraint (mask mode).
  std::vector<uint32_t> &mask = seq->allowed;
  if (banMask && banMask->size() == words)
    mask = *banMask;
  else
    mask.assign(words, 0xFFFFFFFFu); // no filter (or it failed): everything
  if (seq->constraint && !seq->constraint->rejection() && !seq->finished)
    guarded(seq, "computing the constraint's mask",
            [&] { seq->constraint->restrictMask(mask.data(), mask.size()); });
  fill(out, mask.data(), 1, static_cast<int64_t>(mask.size()));
}

int32_t decrt_seq_check(decrt_seq *seq, int32_t token) {
  if (seq->finished || token < 0 || !seq->constraint)
    return 1;
  bool accepted = true;
  guarded(seq, "checking a token against the constraint",
          [&] { accepted = seq->constraint->check(token, seq->logits); });
  return accepted || seq->finished ? 1 : 0;
}

void decrt_seq_seeds(decrt_seq *seq, decrt_memref1 *out) {
  fill(out, seq->seeds.data(), static_cast<int64_t>(seq->seeds.size()));
}

void decrt_seq_forward(decrt_seq *seq, int32_t token) {
  if (seq->finished)
    return;
  guarded(seq, "model forward", [&] {
    auto start = Clock::now();
    std::string error;
    const TorchModel &lm = *seq->model->model;
    if (!lm.forward(seq->state, &token, 1, seq->logits.data(), error))
      return seq->fail(error);
    if (seq->constraint)
      seq->constraint->onLogits(seq->logits);
    if (seq->guidance) {
      if (seq->unconditional.length() >= lm.maxContext())
        return seq->fail("the unconditional sequence of guidance reached the model's context "
                         "of " + std::to_string(lm.maxContext()) + " tokens");
      if (!lm.forward(seq->unconditional, &token, 1, seq->unconditionalLogits.data(), error))
        return seq->fail("unconditional sequence: " + error);
    }
    seq->forwardMs += millisecondsSince(start);
  });
}

int32_t decrt_seq_emit(decrt_seq *seq, int32_t token) {
  if (seq->finished)
    return 1;
  guarded(seq, "emitting a token", [&] {
    if (token < 0)
      return seq->finish("no_token");
    if (seq->logprobs >= 0 && seq->haveCapture)
      recordLogprobs(seq, token);
    seq->haveCapture = false;
    if (seq->constraint && !seq->constraint->advance(token))
      return seq->fail("the constraint does not allow token " + std::to_string(token) +
                       " after " + std::to_string(seq->history.size() - seq->promptLength) +
                       " generated tokens (the program did not enforce it)");
    seq->history.push_back(token);
    const std::vector<int32_t> &eos = seq->model->eos;
    if (std::find(eos.begin(), eos.end(), token) != eos.end())
      return seq->finish("eos");
    if (seq->ban)
      seq->banState = seq->ban->advance(seq->banState, token);

    size_t before = seq->text.size();
    seq->text += seq->decoder->push(token);
    if (seq->stop) {
      size_t at = seq->stop->find(seq->text, before);
      if (at != std::string::npos) {
        seq->text.resize(at);
        seq->finish("stop");
      }
    }
    if (!seq->finished &&
        static_cast<int64_t>(seq->history.size()) >= seq->model->model->maxContext())
      seq->finish("context");
    seq->streamReady();
  });
  return seq->finished ? 1 : 0;
}

decrt_text *decrt_seq_finish(decrt_seq *seq) {
  Call *call = seq->call;
  guarded(seq, "finishing a sequence", [&] {
    if (!seq->finished)
      seq->finish("length");
    if (seq->decoder && seq->finishReason != "stop")
      seq->text += seq->decoder->flush();
    seq->streamReady();
  });
  call->texts.push_back(decrt_text{seq->text, call});
  seq->output = &call->texts.back();
  return seq->output;
}

void decrt_seq_prompt_tokens(decrt_seq *seq, decrt_memref2 *out) {
  fill(out, seq->history.data(), 1, static_cast<int64_t>(seq->promptLength));
}

void decrt_seq_generated_tokens(decrt_seq *seq, decrt_memref2 *out) {
  // A view of history after the prompt. The compiled code declares the buffer
  // `memref<?x?xi32>` (identity layout: offset statically 0, so lowered code
  // never reads the descriptor's offset): the view starts at the pointer.
  fill(out, seq->history.data() + seq->promptLength, 1,
       static_cast<int64_t>(seq->history.size() - seq->promptLength));
  out->allocated = seq->history.data();
}

void decrt_seq_token_bias(decrt_seq *seq, int32_t rule, decrt_memref2 *out) {
  size_t vocab = seq->logits.size();
  if (rule >= 0 && static_cast<size_t>(rule) >= seq->ruleRows.size()) {
    seq->ruleRows.resize(rule + 1);
    seq->ruleTouched.resize(rule + 1);
  }
  std::vector<float> *row = nullptr;
  guarded(seq, "computing token rules", [&] {
    const TokenRule *tokenRule = seq->call->session.tokenRule(rule);
    if (!tokenRule)
      return seq->fail("the program uses token rule " + std::to_string(rule) +
                       ", which its manifest does not define");
    std::vector<float> &r = seq->ruleRows[rule];
    if (r.size() != vocab)
      r.assign(vocab, 0.0f);
    computeTokenBias(*tokenRule, seq->history.data(), seq->history.size(), r,
                     seq->ruleTouched[rule]);
    row = &r;
  });
  if (!row) {
    // Failed: a row of zeros of the right size keeps the compiled code safe.
    seq->fallbackRow.assign(vocab, 0.0f);
    row = &seq->fallbackRow;
  }
  fill(out, row->data(), 1, static_cast<int64_t>(row->size()));
}

void decrt_seq_unconditional_logits(decrt_seq *seq, decrt_memref2 *out) {
  if (!seq->guidance) {
    if (!seq->finished)
      seq->fail("the program asks for unconditional logits of a sequence without guidance");
    seq->unconditionalLogits.assign(seq->logits.size(), 0.0f);
  }
  fill(out, seq->unconditionalLogits.data(), 1,
       static_cast<int64_t>(seq->unconditionalLogits.size()));
}

void decrt_seq_capture_logits(decrt_seq *seq, const decrt_memref2 *logits) {
  guarded(seq, "capturing logits", [&] {
    if (logits->sizes[0] < 1)
      return;
    const float *row = static_cast<const float *>(logits->aligned) + logits->offset;
    int64_t vocab = logits->sizes[1], stride = logits->strides[1];
    seq->captured.resize(static_cast<size_t>(vocab));
    for (int64_t v = 0; v < vocab; ++v)
      seq->captured[v] = row[v * stride];
    seq->haveCapture = true;
  });
}

} // extern "C"
