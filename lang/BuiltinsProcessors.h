//===- BuiltinsProcessors.h - the HF / vLLM processor built-ins -*- C++ -*-===//
//
// The built-ins of docs/language.md §7.2 beyond the first five transforms:
//
//   frequency_penalty(f, scope:) presence_penalty(p, scope:) no_repeat_ngram(n)
//   bad_words(x, ...) sequence_bias(seq, bias) logit_bias(tokens, biases)
//   allow_tokens(x, ...) suppress_tokens(x, ...) suppress_at_begin(x, ...)
//   min_new_tokens(n) min_length(n) force_bos(t)
//   force_eos_at_max remove_inf_nan log_softmax              (values)
//   cfg(scale, negative:)                                    (a schedule's guidance:)
//
// and the pieces Builtins.cpp asks for: repetition_penalty's `scope:` and
// autoregressive's `guidance:`, `logprobs:` and `logprobs_mode:`.
//
//===----------------------------------------------------------------------===//

#ifndef DEC_LANG_BUILTINSPROCESSORS_H
#define DEC_LANG_BUILTINSPROCESSORS_H

#include "lang/Builtins.h"

namespace dec::lang {

/// Appends the processor functions to the built-in table.
void appendProcessorBuiltins(std::vector<BuiltinFunction> &table);

/// `force_eos_at_max`, `remove_inf_nan`, `log_softmax`.
std::optional<Value> lookupProcessorValue(llvm::StringRef name, llvm::SMRange use);
const std::vector<llvm::StringRef> &processorValueNames();

/// Reads the optional `scope:` argument in `slot` ("all", "prompt" or
/// "generated") into `step`; `fallback` when absent. False after an error.
bool evaluateTokenScope(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args,
                        size_t slot, TokenScope fallback, TransformStep &step);

/// The schedule arguments `guidance:`, `logprobs:` and `logprobs_mode:` (any
/// slot may be absent). False after an error.
bool evaluateScheduleExtras(Sema &sema, const BoundArgs &args, size_t guidanceSlot,
                            size_t logprobsSlot, size_t modeSlot, ScheduleCall &call);

} // namespace dec::lang

#endif // DEC_LANG_BUILTINSPROCESSORS_H
