//===- Session.h - sessions, calls and sequences ----------------*- C++ -*-===//
//
// A Session is a Program with its models and tokenizers loaded. Running an
// entry point creates a Call, which owns the texts and Sequences the compiled
// code asks for through the decrt_* functions (ProgramABI.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef DEC_RUNTIME_CORE_SESSION_H
#define DEC_RUNTIME_CORE_SESSION_H

#include "dec/program_abi.h"
#include "dec/runtime.h"
#include "runtime/core/ConstraintState.h"
#include "runtime/core/Program.h"
#include "runtime/core/StringMatchers.h"
#include "runtime/core/TokenRules.h"
#include "runtime/model/TorchModel.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace dec::rt {

class Call;

/// One model of the program, loaded.
struct BoundModel {
  std::string name;
  std::unique_ptr<TorchModel> model;
  std::shared_ptr<const Tokenizer> tokenizer;
  std::vector<int32_t> eos;
};

class Session {
public:
  static std::unique_ptr<Session> create(Program &program, const dec_session_options *options,
                                         std::string &error);
  Program &program() { return program_; }
  BoundModel &model(int index) { return models[index]; }
  const Manifest::SequenceConfig &sequenceConfig(int index) const {
    return program_.manifest().sequences[index];
  }
  /// The ban filter of sequence config `index`; nullptr when it bans nothing.
  BanFilter *banFilter(int index) { return banFilters[index].get(); }
  /// The compiled structured constraint of sequence config `index`; nullptr
  /// when it has none.
  std::shared_ptr<const cons::Constraint> constraint(int index) const {
    return constraints[index];
  }
  /// Token rule `index` of the manifest, resolved to ids; nullptr when out of range.
  const TokenRule *tokenRule(int index) const {
    return index >= 0 && index < static_cast<int>(tokenRules.size()) ? &tokenRules[index]
                                                                      : nullptr;
  }

  /// Runs `entry` on `prompt`; fills `result` (owned by the caller).
  bool run(const std::string &entry, const std::string &prompt, const dec_run_options &options,
           dec_result &result, std::string &error);

private:
  explicit Session(Program &program) : program_(program) {}
  Program &program_;
  std::vector<BoundModel> models;
  std::vector<std::unique_ptr<BanFilter>> banFilters;
  std::vector<std::shared_ptr<const cons::Constraint>> constraints;
  std::vector<TokenRule> tokenRules;
};

} // namespace dec::rt

/// Text owned by a call (the prompt, and each finished sequence's output).
struct decrt_text {
  std::string bytes;
  dec::rt::Call *call = nullptr;
};

/// One sequence: tokens, model state, string matchers and streamed text.
struct decrt_seq {
  using Clock = std::chrono::steady_clock;

  dec::rt::Call *call = nullptr;
  dec::rt::BoundModel *model = nullptr;
  const dec::rt::Manifest::SequenceConfig *config = nullptr;
  dec::ModelState state;
  std::vector<float> logits;           ///< [1, vocab]
  std::vector<int32_t> history;        ///< prompt then generated tokens
  size_t promptLength = 0;
  std::vector<int64_t> seeds;          ///< [1]
  dec::rt::BanFilter *ban = nullptr;
  int32_t banState = 0;
  std::unique_ptr<dec::rt::StopMatcher> stop;
  std::unique_ptr<dec::IncrementalDecoder> decoder;
  std::string text;                    ///< complete UTF-8 generated so far
  size_t streamed = 0;                 ///< bytes of `text` passed to the callback
  bool finished = false;
  std::string finishReason;
  decrt_text *output = nullptr;        ///< set by decrt_seq_finish
  double forwardMs = 0;

  /// dec.token_bias rows, per rule index (allocated on first use), and the
  /// entries each last set.
  std::vector<std::vector<float>> ruleRows;
  std::vector<std::vector<int32_t>> ruleTouched;
  std::vector<float> fallbackRow; ///< what a failed rule returns: zeros
  /// The structured constraint (regex, JSON Schema, grammar, choice), if any.
  std::unique_ptr<dec::rt::ConstraintState> constraint;
  std::vector<uint32_t> allowed; ///< the mask decrt_seq_allowed_mask returns
  /// Classifier-free guidance: the unconditional sequence's model state and
  /// next-token logits.
  bool guidance = false;
  dec::ModelState unconditional;
  std::vector<float> unconditionalLogits;
  /// Log-probabilities: the last dec.capture_logits, and per emitted token its
  /// log-probability and the top `logprobs` (ids, log-probabilities).
  int64_t logprobs = -1;
  std::vector<float> captured;
  bool haveCapture = false;
  std::vector<float> tokenLogprobs;
  std::vector<int32_t> topLogprobTokens;
  std::vector<float> topLogprobs;

  /// Records an error on the call and finishes the sequence.
  void fail(const std::string &message);
  void finish(const std::string &reason);
  /// Streams the part of `text` that can no longer become a stop string
  /// (all of it once finished).
  void streamReady();
};

namespace dec::rt {

/// One call of an entry point.
class Call {
public:
  Call(Session &session, const dec_run_options &options) : session(session), options(options) {}
  Session &session;
  dec_run_options options;
  decrt_text prompt;
  std::deque<decrt_text> texts;                 ///< outputs; stable addresses
  std::vector<std::unique_ptr<decrt_seq>> sequences;
  std::string error;                            ///< first error, if any
  bool cancelled = false;
  double loadMs = 0, prefillMs = 0;
};

} // namespace dec::rt

#endif // DEC_RUNTIME_CORE_SESSION_H
