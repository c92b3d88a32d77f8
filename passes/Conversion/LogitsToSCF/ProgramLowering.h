//===- ProgramLowering.h - row programs to loops ----------------*- C++ -*-===//

#ifndef DEC_PASSES_CONVERSION_LOGITSTOSCF_PROGRAMLOWERING_H
#define DEC_PASSES_CONVERSION_LOGITSTOSCF_PROGRAMLOWERING_H

#include "passes/Conversion/LogitsToSCF/KernelBuilder.h"

#include "mlir/IR/Operation.h"

namespace mlir::dec {

/// Lowers a logits.transform or logits.choose to loops at the builder's
/// insertion point (the caller erases the program). The generic schedule:
/// per row, every reduction or search is its own pass over the vocabulary,
/// row values are recomputed elementwise where used (never stored), and
/// id counts are materialised in a scratch row.
LogicalResult lowerProgram(Operation *program, KernelBuilder &k);

} // namespace mlir::dec

#endif // DEC_PASSES_CONVERSION_LOGITSTOSCF_PROGRAMLOWERING_H
