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

#include <cstdint>
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
};

struct TransformStep {
  TransformKind kind;
  double value; ///< top_k: an integral value in [1, 2^31-1]
  Loc loc;      ///< the call that produced this step, e.g. `top_p(0.95)`
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
  Loc loc;
};

enum class ScheduleKind {
  Autoregressive, ///< one token per model forward: transform, choose, check, append
};

struct ScheduleCall {
  ScheduleKind kind = ScheduleKind::Autoregressive;
  int modelIndex = -1; ///< into ProgramPlan::models
  SamplerPlan sampler;
  ConstraintPlan constraint;
  Loc loc;
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
