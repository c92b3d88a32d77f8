//===- Passes.h - dec's passes and pipelines --------------------*- C++ -*-===//

#ifndef DEC_PASSES_PASSES_H
#define DEC_PASSES_PASSES_H

#include "dialects/Dec/DecDialect.h"
#include "dialects/Logits/LogitsDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::dec {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Everything from the dec dialect down to the LLVM dialect, for the CPU:
/// dec-expand-schedules; with fusion logits-decompose, logits-fuse and
/// convert-logits-to-vector; convert-logits-to-scf for anything left; then
/// the conversions to LLVM (ours and upstream's). Registered as
/// `dec-lower-to-llvm{fuse=true vector-width=16}`.
struct LowerToLLVMOptions {
  bool fuse = true;          ///< fused, vectorized samplers (else one loop nest per op)
  unsigned vectorWidth = 16; ///< f32 lanes per vector
};
void buildLowerToLLVMPipeline(OpPassManager &pm, const LowerToLLVMOptions &options = {});

/// Registers the passes and the `dec-lower-to-llvm` pipeline with the global
/// registry (for dec-opt and decc).
void registerAllPasses();

} // namespace mlir::dec

#endif // DEC_PASSES_PASSES_H
