//===- MLIRGenProcessors.h - the HF / vLLM processors to IR -----*- C++ -*-===//
//
// MLIRGen for the processors of lang/BuiltinsProcessors.cpp: each step becomes
// a logits op (LogitsProcessorOps.td) fed by dec ops for what the runtime
// knows (generated tokens, EOS ids, token-rule bias rows, the budget).
//
//===----------------------------------------------------------------------===//

#ifndef DEC_LANG_MLIRGENPROCESSORS_H
#define DEC_LANG_MLIRGENPROCESSORS_H

#include "lang/Plan.h"

#include "dialects/Dec/DecDialect.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace dec::lang {

/// Whether `kind` is emitted by emitProcessorStep.
bool isProcessorKind(TransformKind kind);

/// Emits `step` (isProcessorKind) on the logits of `schedule`'s sampler region.
void emitProcessorStep(mlir::ImplicitLocOpBuilder &b, const TransformStep &step,
                       mlir::dec::AutoregressiveOp schedule);

/// The tokens a penalty with `scope` counts: dec.history, dec.prompt_tokens or
/// dec.generated_tokens.
mlir::Value emitScopedTokens(mlir::ImplicitLocOpBuilder &b, TokenScope scope,
                             mlir::Value sequence);

/// Sets the schedule's guidance and logprobs attributes from `call`.
void emitScheduleExtras(const ScheduleCall &call, mlir::dec::AutoregressiveOp schedule);

} // namespace dec::lang

#endif // DEC_LANG_MLIRGENPROCESSORS_H
