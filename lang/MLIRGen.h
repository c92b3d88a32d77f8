//===- MLIRGen.h - ProgramPlan to the dec dialect ---------------*- C++ -*-===//

#ifndef DEC_LANG_MLIRGEN_H
#define DEC_LANG_MLIRGEN_H

#include "lang/Plan.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir {
class MLIRContext;
}

namespace dec::lang {

/// Registers and loads the dialects MLIRGen emits (dec, logits, arith, memref).
void loadFrontendDialects(mlir::MLIRContext &context);

/// Emits the program as `dec.model` symbols and one `dec.decode` per entry,
/// each returning a `dec.autoregressive` schedule whose sampler region is the
/// entry's logits pipeline. Locations point at the .dec source.
mlir::OwningOpRef<mlir::ModuleOp> generateMLIR(mlir::MLIRContext &context,
                                               const ProgramPlan &plan);

} // namespace dec::lang

#endif // DEC_LANG_MLIRGEN_H
