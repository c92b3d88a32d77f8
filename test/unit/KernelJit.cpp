//===- KernelJit.cpp - JIT-compile logits kernels for unit tests ----------===//

#include "test/unit/KernelJit.h"

#include "dialects/Dec/DecDialect.h"
#include "dialects/Logits/LogitsDialect.h"
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
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdio>
#include <cstdlib>

using namespace dec::test;

mlir::MLIRContext &dec::test::jitContext() {
  static mlir::MLIRContext *ctx = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    mlir::DialectRegistry registry;
    registry.insert<mlir::logits::LogitsDialect, mlir::dec::DecDialect, mlir::arith::ArithDialect,
                    mlir::cf::ControlFlowDialect, mlir::func::FuncDialect,
                    mlir::index::IndexDialect, mlir::LLVM::LLVMDialect, mlir::math::MathDialect,
                    mlir::memref::MemRefDialect, mlir::scf::SCFDialect>();
    mlir::registerBuiltinDialectTranslation(registry);
    mlir::registerLLVMDialectTranslation(registry);
    auto *c = new mlir::MLIRContext(registry); // Lives as long as the engines.
    c->disableMultithreading(); // One-op modules; no thread pool needed.
    c->loadAllAvailableDialects();
    return c;
  }();
  return *ctx;
}

void dec::test::jitFailure(const std::string &why) {
  std::fprintf(stderr, "%s\n", why.c_str());
  std::abort();
}

namespace {

void addLowering(mlir::PassManager &pm, Lowering lowering) {
  if (lowering == Lowering::Production) {
    mlir::dec::buildLowerToLLVMPipeline(pm);
    return;
  }
  if (lowering == Lowering::Programs || lowering == Lowering::Vectorized) {
    pm.addPass(mlir::dec::createLogitsDecompose());
    pm.addPass(mlir::dec::createLogitsFuse());
    pm.addPass(mlir::createCanonicalizerPass());
  }
  if (lowering == Lowering::Vectorized)
    pm.addPass(mlir::dec::createConvertLogitsToVector());
  pm.addPass(mlir::dec::createConvertLogitsToSCF());
  pm.addPass(mlir::createSCFToControlFlowPass());
  pm.addPass(mlir::memref::createExpandStridedMetadataPass());
  pm.addPass(mlir::createConvertVectorToLLVMPass());
  pm.addPass(mlir::createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(mlir::createConvertMathToLLVMPass());
  pm.addPass(mlir::createArithToLLVMConversionPass());
  pm.addPass(mlir::createConvertIndexToLLVMPass());
  pm.addPass(mlir::createConvertControlFlowToLLVMPass());
  pm.addPass(mlir::createConvertFuncToLLVMPass());
  pm.addPass(mlir::createReconcileUnrealizedCastsPass());
}

} // namespace

std::unique_ptr<mlir::ExecutionEngine> dec::test::jitCompile(mlir::ModuleOp module,
                                                             Lowering lowering, void *&entry) {
  mlir::PassManager pm(&jitContext());
  addLowering(pm, lowering);
  if (mlir::failed(pm.run(module)))
    jitFailure("cannot lower kernel");
  // `transformer` is a function_ref: the optimizer must outlive create().
  auto optimize = mlir::makeOptimizingTransformer(/*optLevel=*/2, /*sizeLevel=*/0,
                                                  /*targetMachine=*/nullptr);
  mlir::ExecutionEngineOptions options;
  options.transformer = optimize;
  auto engine = mlir::ExecutionEngine::create(module, options);
  if (!engine)
    jitFailure("cannot JIT kernel: " + llvm::toString(engine.takeError()));
  auto symbol = (*engine)->lookup("_mlir_ciface_k");
  if (!symbol)
    jitFailure("no _mlir_ciface_k: " + llvm::toString(symbol.takeError()));
  entry = *symbol;
  return std::move(*engine);
}

std::string dec::test::kernelSource(const std::string &params, const std::string &body) {
  return "func.func @k(" + params + ") attributes {llvm.emit_c_interface} {\n  " + body +
         "\n  return\n}\n";
}
