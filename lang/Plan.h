//===- Plan.h - The resolved program plan: front end -> MLIRGen contract --------*- C++ -*-===//
//
// The front end (parser + Sema) evaluates everything a .dec program says at compile time
// (models, samplers, constraints and the schedule each decode entry returns) and hands
// the result to MLIRGen as a ProgramPlan.  The plan is fully resolved: no names to look
// up, every constant folded and range-checked, every path absolute and checked to exist,
// every constraint merged into one conjunction per schedule call.  MLIRGen can trust it.
//
// Field names are part of the contract with MLIRGen; add fields, do not rename them.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_PLAN_H
#define DEC_LANG_PLAN_H

#include "lang/TransformPlan.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dec::lang {

/// A source position for diagnostics and debug info.  `file` is the path the front end
/// opened (the main file as given, imports as resolved); line and column are 1-based,
/// the column counts bytes.  line == 0 means "no location" (e.g. a default value).
struct Loc {
  std::string file;
  unsigned line = 0, col = 0;
};

/// A logits -> logits transform, applied in pipeline order before the terminal choice.
enum class TransformKind {
  Temperature,       ///< logits / value;                 value > 0
  TopK,              ///< keep the `value` largest logits; value is integral, >= 1
  TopP,              ///< keep the smallest set of most probable tokens with mass >= value;
                     ///< 0 < value <= 1 (1 keeps everything)
  MinP,              ///< keep tokens with p >= value * max p; 0 <= value <= 1
  RepetitionPenalty, ///< for tokens already in prompt+output: l > 0 ? l / value : l * value
                     ///< (the CTRL / HF rule); value > 0
  User,              ///< a `transform` written in dec: TransformStep::user is its body
  // The rest of the HF / vLLM processor set (docs/language.md §7.2); their
  // extra arguments are in TransformStep::args.
  FrequencyPenalty,  ///< vLLM: l -= value * count(t) over args.scope (default generated)
  PresencePenalty,   ///< vLLM: l -= value * (count(t) > 0) over args.scope
  NoRepeatNGram,     ///< HF: ban tokens that complete an n-gram (n = value) seen before
  BadWords,          ///< HF / vLLM: ban the last token of args.sequences when the rest
                     ///< ends the tokens so far
  SequenceBias,      ///< HF: add args.sequences[i].bias likewise
  LogitBias,         ///< vLLM / OpenAI: l[t] += bias for the one-token args.sequences
  AllowTokens,       ///< vLLM allowed_token_ids: only args.tokens (and EOS if args.eos)
  SuppressTokens,    ///< HF SuppressTokens: args.tokens are -inf
  SuppressAtBegin,   ///< HF SuppressTokensAtBegin: args.tokens are -inf at the first step
  MinNewTokens,      ///< HF MinNewTokensLength / vLLM min_tokens: no EOS before `value` tokens
  MinLength,         ///< HF MinLength: no EOS while prompt + generated < value
  ForceBos,          ///< HF ForcedBOS: the first generated token is args.tokens / EOS
  ForceEosAtMax,     ///< HF ForcedEOS: the last token the budget allows is EOS
  RemoveInfNan,      ///< HF InfNanRemove: NaN -> 0, +-inf -> +-FLT_MAX
  LogSoftmax,        ///< HF LogitNormalization: log_softmax
};

/// Which tokens a penalty counts.
enum class TokenScope { All, Prompt, Generated };

/// A token sequence of bad_words / sequence_bias / logit_bias: token ids, or
/// text the runtime tokenizes (vLLM's bad-words rule).
struct TokenSequence {
  std::vector<int32_t> ids; ///< >= 0; a single -1 stands for the EOS tokens (logit_bias)
  std::string text;         ///< when `ids` is empty
  double bias = 0;          ///< sequence_bias / logit_bias
};

/// The arguments of the processors beyond TransformStep::value.
struct ProcessorArgs {
  TokenScope scope = TokenScope::All;   ///< penalties
  std::vector<int32_t> tokens;          ///< distinct ids >= 0 (allow, suppress, force_bos)
  bool eos = false;                     ///< the EOS tokens are listed too
  std::vector<TokenSequence> sequences; ///< bad_words, sequence_bias, logit_bias
};

struct TransformStep {
  TransformKind kind;
  double value; ///< top_k: an integral value in [1, 2^31-1]
  Loc loc;      ///< the call that produced this step, e.g. `top_p(0.95)`
  /// User: the checked body with its compile-time parameters folded in (lang/TransformPlan.h).
  std::shared_ptr<const UserTransform> user = nullptr;
  ProcessorArgs args; ///< FrequencyPenalty ... LogSoftmax, and RepetitionPenalty's scope
};

/// How the next token is picked from the transformed logits.
enum class ChoiceKind {
  Greedy, ///< argmax (ties: lowest token id)
  Sample, ///< draw from softmax(logits)
};

struct SamplerPlan {
  std::string name; ///< best human-readable name ("story", "nucleus", a let name); may be ""
  std::vector<TransformStep> steps; ///< applied in order
  ChoiceKind choice = ChoiceKind::Greedy;
  Loc loc;
};

struct ModelPlan {
  std::string name;          ///< the declaration (or let) name; "" when written inline
  std::string kind;          ///< "causal" (the only kind in this version)
  std::string modelPath;     ///< absolute, lexically normalised, exists (a regular file)
  std::string tokenizerPath; ///< absolute, lexically normalised, exists (a regular file)
  Loc loc;                   ///< the `causal(...)` call
};

/// A constraint on the generated text that the runtime's constraint engine
/// compiles for the model's vocabulary (docs/constraints.md).
struct StructuredConstraint {
  std::string kind; ///< "regex", "json_schema", "gbnf", "lark" or "choice"
  std::string spec; ///< its source (choice: a JSON array of the strings)
};

/// How a schedule enforces its structured constraint.
enum class Enforcement {
  Mask,      ///< the allowed-token mask applied before the sampler
  Rejection, ///< sample, check the one token, resample without it on a rejection
};

/// The conjunction of everything a schedule call must respect.  Generation ends at EOS
/// (unless banEos), as soon as the generated text contains a stop string (the returned
/// text ends just before it; EOS is not part of the text either), or after maxTokens
/// generated tokens, whichever comes first.
struct ConstraintPlan {
  int64_t maxTokens = 256;                ///< in [1, 2^31-1]; the smallest of all given
  std::vector<std::string> stopStrings;   ///< non-empty, distinct, in source order
  std::vector<std::string> bannedStrings; ///< non-empty, distinct: the decoded text never
                                          ///< contains one of them
  std::vector<int32_t> bannedTokens;      ///< distinct token ids (>= 0) never sampled
  bool banEos = false;                    ///< EOS is never sampled (ends only by stop/max)
  std::optional<StructuredConstraint> structured; ///< the text matches it
  Enforcement enforce = Enforcement::Mask;
  Loc loc;
};

enum class ScheduleKind {
  Autoregressive, ///< one token per model forward: transform, choose, check, append
};

/// Classifier-free guidance (HF UnbatchedClassifierFreeGuidanceLogitsProcessor):
/// `autoregressive(..., guidance: cfg(scale, negative: "..."))`.
struct GuidancePlan {
  double scale = 1;                    ///< > 0
  std::optional<std::string> negative; ///< the unconditional prompt; else the prompt's last token
  Loc loc;
};

struct ScheduleCall {
  ScheduleKind kind = ScheduleKind::Autoregressive;
  int modelIndex = -1; ///< into ProgramPlan::models
  SamplerPlan sampler;
  ConstraintPlan constraint;
  Loc loc;
  std::optional<GuidancePlan> guidance;
  int logprobs = -1;              ///< >= 0: report log-probabilities and the top `logprobs`
  bool logprobsProcessed = false; ///< of the logits the choice sees (else the model's)
};

/// One `decode NAME(prompt: string) -> string { ... }`: the exported entry point.  In this
/// version it takes the prompt text and returns the generated text.
struct DecodeEntry {
  std::string name;
  ScheduleCall schedule;
  Loc loc;
};

struct ProgramPlan {
  std::vector<ModelPlan> models;        ///< every distinct model (pair of files) the program
                                        ///< names, in order of evaluation: declarations in
                                        ///< source order, then decode bodies
  std::vector<DecodeEntry> entries;     ///< in source order (main file, then imports)
  std::vector<std::string> sourceFiles; ///< every file read: the main file first, then
                                        ///< imports in load order (for dependency tracking)
};

} // namespace dec::lang

#endif // DEC_LANG_PLAN_H
