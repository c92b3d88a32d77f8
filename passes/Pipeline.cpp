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
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::dec::buildLowerToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createDecExpandSchedules());
  pm.addPass(createConvertLogitsToSCF());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Before scf-to-cf: it lowers the per-step alloca scopes while they are one block.
  pm.addPass(createConvertDecToLLVM());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::dec::registerAllPasses() {
  registerDecPasses();
  PassPipelineRegistration<>("dec-lower-to-llvm",
                             "Lower a dec program to the LLVM dialect (CPU)",
                             buildLowerToLLVMPipeline);
}
