//===- KernelJit.h - JIT-compile logits kernels for unit tests --*- C++ -*-===//
//
// The unit tests of the logits lowerings compile small MLIR functions
// `@k(...) attributes {llvm.emit_c_interface}` through one of dec's lowering
// pipelines, JIT them with MLIR's ExecutionEngine, and call them through the
// C interface (`_mlir_ciface_k`) with memref descriptors of std::vectors.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_TEST_UNIT_KERNELJIT_H
#define DEC_TEST_UNIT_KERNELJIT_H

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Parser/Parser.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dec::test {

enum class Lowering {
  /// convert-logits-to-scf and the upstream conversions: the reference
  /// lowering (test/passes/convert-logits-to-scf-exec.mlir's pipeline).
  Reference,
  /// logits-decompose, logits-fuse and canonicalize first (every op becomes a
  /// row program, a sequence of ops one program), then Reference.
  Programs,
  /// As Programs, with the programs lowered by convert-logits-to-vector.
  Vectorized,
  /// dec-lower-to-llvm: the production pipeline.
  Production,
};

/// The context every kernel is parsed in (dialects loaded, one per process).
mlir::MLIRContext &jitContext();

/// Prints `why` and aborts: a kernel that does not compile is a broken test.
[[noreturn]] void jitFailure(const std::string &why);

/// Lowers `module` with `lowering` and JIT-compiles it; returns the engine and
/// the address of `_mlir_ciface_k`. Aborts on failure.
std::unique_ptr<mlir::ExecutionEngine> jitCompile(mlir::ModuleOp module, Lowering lowering,
                                                  void *&entry);

/// `func.func @k(<params>) { <body>; return }` with the C interface.
std::string kernelSource(const std::string &params, const std::string &body);

/// A JIT-compiled function `@k` with the C interface `_mlir_ciface_k`.
template <typename Sig> class Kernel;
template <typename... Args> class Kernel<void(Args...)> {
public:
  explicit Kernel(const std::string &source, Lowering lowering = Lowering::Reference) {
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::parseSourceString<mlir::ModuleOp>(source, &jitContext());
    if (!module)
      jitFailure("cannot parse kernel:\n" + source);
    init(*module, lowering);
  }
  Kernel(mlir::OwningOpRef<mlir::ModuleOp> module, Lowering lowering) { init(*module, lowering); }
  void operator()(Args... args) const { fn(args...); }

private:
  void init(mlir::ModuleOp module, Lowering lowering) {
    void *entry = nullptr;
    engine = jitCompile(module, lowering, entry);
    fn = reinterpret_cast<void (*)(Args...)>(entry);
  }
  std::unique_ptr<mlir::ExecutionEngine> engine;
  void (*fn)(Args...) = nullptr;
};

using F32Matrix = StridedMemRefType<float, 2>;
using F32Vector = StridedMemRefType<float, 1>;
using I32Matrix = StridedMemRefType<int32_t, 2>;
using I32Vector = StridedMemRefType<int32_t, 1>;
using I64Vector = StridedMemRefType<int64_t, 1>;

template <typename T>
StridedMemRefType<T, 2> matrixRef(std::vector<T> &data, int64_t rows, int64_t cols) {
  return {data.data(), data.data(), 0, {rows, cols}, {cols, 1}};
}
template <typename T> StridedMemRefType<T, 1> vectorRef(std::vector<T> &data) {
  return {data.data(), data.data(), 0, {static_cast<int64_t>(data.size())}, {1}};
}

} // namespace dec::test

#endif // DEC_TEST_UNIT_KERNELJIT_H
