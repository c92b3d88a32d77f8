//===- LogitsDecomposeProcessors.h - processors as row programs -*- C++ -*-===//
//
// The operations of dialects/Logits/LogitsProcessorOps.td have no lowering of
// their own: their decomposition into a row program is their definition.
// logits-decompose uses it, and convert-logits-to-scf decomposes them before
// lowering (so they work in every pipeline).
//
//===----------------------------------------------------------------------===//

#ifndef DEC_PASSES_TRANSFORMS_LOGITSDECOMPOSEPROCESSORS_H
#define DEC_PASSES_TRANSFORMS_LOGITSDECOMPOSEPROCESSORS_H

#include "mlir/IR/Operation.h"

namespace mlir::dec {

/// Whether `op` is one of the processors defined by their decomposition.
bool isDecomposedProcessor(Operation *op);

/// Builds `op`'s row program right before it and erases `op`. `op` must satisfy
/// isDecomposedProcessor.
void decomposeProcessor(Operation *op);

} // namespace mlir::dec

#endif // DEC_PASSES_TRANSFORMS_LOGITSDECOMPOSEPROCESSORS_H
