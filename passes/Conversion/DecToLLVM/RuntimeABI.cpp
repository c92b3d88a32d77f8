//===- RuntimeABI.cpp - declarations of the runtime functions -------------===//

#include "passes/Conversion/DecToLLVM/RuntimeABI.h"

#include "mlir/IR/Builders.h"

using namespace mlir;

void mlir::dec::abi::declareRuntimeFunctions(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  b.setInsertionPointToStart(module.getBody());
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  Type voidType = LLVM::LLVMVoidType::get(ctx);
  auto declare = [&](StringRef name, Type result, ArrayRef<Type> params) {
    if (module.lookupSymbol(name))
      return;
    LLVM::LLVMFuncOp::create(b, module.getLoc(), name,
                             LLVM::LLVMFunctionType::get(result, params));
  };
  declare(kSeqBegin, ptr, {ptr, i32, i32});
  declare(kSeqMaxTokens, i64, {ptr, i64});
  for (StringRef name : {kSeqLogits, kSeqHistory, kSeqEosTokens, kSeqAllowedMask, kSeqSeeds})
    declare(name, voidType, {ptr, ptr});
  declare(kSeqForward, voidType, {ptr, i32});
  declare(kSeqEmit, i32, {ptr, i32});
  declare(kSeqCheck, i32, {ptr, i32});
  declare(kSeqFinish, ptr, {ptr});
  for (StringRef name :
       {kSeqPromptTokens, kSeqGeneratedTokens, kSeqUnconditionalLogits, kSeqCaptureLogits})
    declare(name, voidType, {ptr, ptr});
  declare(kSeqTokenBias, voidType, {ptr, i32, ptr});
}
