//===- Backend.h - from the dec dialect to a shared library -----*- C++ -*-===//

#ifndef DEC_TOOLS_DECC_BACKEND_H
#define DEC_TOOLS_DECC_BACKEND_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace dec {

struct BackendOptions {
  unsigned optLevel = 3;
  std::string cpu = "native"; ///< "native" (this machine), "generic", or an LLVM CPU name
};

/// Runs dec-lower-to-llvm; diagnostics go to the context's handler.
mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module);

/// Translates an LLVM-dialect module to LLVM IR and optimises it for the target.
std::unique_ptr<llvm::Module> translateAndOptimize(mlir::ModuleOp module,
                                                  llvm::LLVMContext &context,
                                                  const BackendOptions &options,
                                                  std::string &error);

/// Writes `module` as assembly (`assembly` true) or as an object file.
bool emitMachineCode(llvm::Module &module, const BackendOptions &options, bool assembly,
                     llvm::raw_pwrite_stream &os, std::string &error);

/// The GPU path: schedules expanded, samplers fused, each sampler a kernel
/// (convert-logits-to-gpu), kernels compiled to PTX for `chip` (e.g. sm_90).
/// Math in the kernels links NVIDIA's libdevice from the toolkit at
/// `cudaPath`. Returns the PTX of every kernel module, or false with `error`
/// set.
bool compileKernelsToPTX(mlir::ModuleOp module, llvm::StringRef chip, llvm::StringRef features,
                         llvm::StringRef cudaPath,
                         std::string &ptx, std::string &error);

/// The CUDA toolkit to use: `explicitPath` if not empty, else $CUDA_ROOT,
/// $CUDA_HOME, $CUDA_PATH, else the toolkit the build found.
std::string cudaToolkitPath(llvm::StringRef explicitPath);

/// Links an object file into a shared library with the system C compiler
/// driver ($DEC_LINKER, else cc, clang-22, gcc, clang).
bool linkSharedLibrary(llvm::StringRef object, llvm::StringRef output, std::string &error);

} // namespace dec

#endif // DEC_TOOLS_DECC_BACKEND_H
