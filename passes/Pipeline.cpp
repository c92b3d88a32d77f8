//===- Pipeline.cpp - dec's lowering pipeline and pass registration -------===//

#include "passes/Passes.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::dec::buildLowerToLLVMPipeline(OpPassManager &pm, const LowerToLLVMOptions &options) {
  pm.addPass(createDecExpandSchedules());
  if (options.fuse) {
    // Every logits op as a row program, each sampler as one program, lowered
    // to vectorized passes over the vocabulary.
    pm.addPass(createLogitsDecompose());
    pm.addPass(createLogitsFuse());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    ConvertLogitsToVectorOptions vector;
    vector.vectorWidth = options.vectorWidth;
    pm.addPass(createConvertLogitsToVector(vector));
  }
  // The reference lowering of what is left (everything, without fusion).
  pm.addPass(createConvertLogitsToSCF());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Before scf-to-cf: it lowers the per-step alloca scopes while they are one block.
  pm.addPass(createConvertDecToLLVM());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

namespace {
struct PipelineOptions : public PassPipelineOptions<PipelineOptions> {
  Option<bool> fuse{*this, "fuse",
                    llvm::cl::desc("Fuse each sampler into one vectorized kernel (default true); "
                                   "false lowers every logits op on its own"),
                    llvm::cl::init(true)};
  Option<unsigned> vectorWidth{*this, "vector-width", llvm::cl::desc("f32 lanes per vector"),
                               llvm::cl::init(16)};
};
} // namespace

void mlir::dec::registerAllPasses() {
  registerDecPasses();
  PassPipelineRegistration<PipelineOptions>(
      "dec-lower-to-llvm", "Lower a dec program to the LLVM dialect (CPU)",
      [](OpPassManager &pm, const PipelineOptions &options) {
        LowerToLLVMOptions lowering;
        lowering.fuse = options.fuse;
        lowering.vectorWidth = options.vectorWidth;
        buildLowerToLLVMPipeline(pm, lowering);
      });
}
