//===- RuntimeABI.h - the runtime functions compiled programs call -*- C++ -*-===//
//
// Names and LLVM signatures of the `decrt_*` functions (runtime/include/dec/
// program_abi.h is the C side of the same contract; docs/abi.md explains it).
//
//===----------------------------------------------------------------------===//

#ifndef DEC_PASSES_CONVERSION_DECTOLLVM_RUNTIMEABI_H
#define DEC_PASSES_CONVERSION_DECTOLLVM_RUNTIMEABI_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::dec::abi {

/// Version of the contract; the runtime refuses libraries with another one.
constexpr int32_t kVersion = 1;

constexpr llvm::StringLiteral kManifestSymbol = "__dec_manifest";
constexpr llvm::StringLiteral kVersionSymbol = "__dec_abi_version";
constexpr llvm::StringLiteral kEntryPrefix = "__dec_entry_";

constexpr llvm::StringLiteral kSeqBegin = "decrt_seq_begin";            // ptr(ptr, i32, i32)
constexpr llvm::StringLiteral kSeqMaxTokens = "decrt_seq_max_tokens";   // i64(ptr, i64)
constexpr llvm::StringLiteral kSeqLogits = "decrt_seq_logits";          // void(ptr, ptr desc)
constexpr llvm::StringLiteral kSeqHistory = "decrt_seq_history";        // void(ptr, ptr desc)
constexpr llvm::StringLiteral kSeqEosTokens = "decrt_seq_eos_tokens";   // void(ptr, ptr desc)
constexpr llvm::StringLiteral kSeqAllowedMask = "decrt_seq_allowed_mask"; // void(ptr, ptr desc)
constexpr llvm::StringLiteral kSeqSeeds = "decrt_seq_seeds";            // void(ptr, ptr desc)
constexpr llvm::StringLiteral kSeqForward = "decrt_seq_forward";        // void(ptr, i32)
constexpr llvm::StringLiteral kSeqEmit = "decrt_seq_emit";              // i32(ptr, i32)
constexpr llvm::StringLiteral kSeqCheck = "decrt_seq_check";            // i32(ptr, i32)
constexpr llvm::StringLiteral kSeqFinish = "decrt_seq_finish";          // ptr(ptr)
constexpr llvm::StringLiteral kSeqPromptTokens = "decrt_seq_prompt_tokens";       // void(ptr, ptr desc)
constexpr llvm::StringLiteral kSeqGeneratedTokens = "decrt_seq_generated_tokens"; // void(ptr, ptr desc)
constexpr llvm::StringLiteral kSeqTokenBias = "decrt_seq_token_bias";     // void(ptr, i32, ptr desc)
constexpr llvm::StringLiteral kSeqUnconditionalLogits =
    "decrt_seq_unconditional_logits";                                     // void(ptr, ptr desc)
constexpr llvm::StringLiteral kSeqCaptureLogits = "decrt_seq_capture_logits"; // void(ptr, ptr desc)

/// Declares every runtime function in `module` (idempotent).
void declareRuntimeFunctions(ModuleOp module);

} // namespace mlir::dec::abi

#endif // DEC_PASSES_CONVERSION_DECTOLLVM_RUNTIMEABI_H
