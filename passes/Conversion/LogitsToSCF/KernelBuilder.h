//===- KernelBuilder.h - building blocks of row kernels ---------*- C++ -*-===//
//
// Small helpers for emitting the loops of the logits lowering: counted loops
// with and without carried values, row reductions, order-preserving keys of
// floats, and the Philox4x32-10 counter-based generator. Everything is built
// from scf/arith/math/memref so the result lowers to LLVM (and later to GPU
// code) with upstream conversions.
//
//===----------------------------------------------------------------------===//

#ifndef DEC_PASSES_CONVERSION_LOGITSTOSCF_KERNELBUILDER_H
#define DEC_PASSES_CONVERSION_LOGITSTOSCF_KERNELBUILDER_H

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::dec {

class KernelBuilder {
public:
  explicit KernelBuilder(ImplicitLocOpBuilder &b) : b(b) {}
  ImplicitLocOpBuilder &builder() { return b; }

  // Constants.
  Value index(int64_t v);
  Value i1(bool v);
  Value i32(int32_t v);
  Value i64(int64_t v);
  Value f32(float v);
  Value f64(double v);
  Value negInf();
  /// An f32 constant shaped like `like` (a scalar, or a splat vector).
  Value splatLike(Value like, float v);

  /// for (iv = lo; iv < hi; iv += step) body(iv); `step` defaults to 1.
  void forRange(Value lo, Value hi, llvm::function_ref<void(Value iv)> body, Value step = {});
  /// Counted loop carrying `init`; body returns the next values. Returns the finals.
  SmallVector<Value> forRange(Value lo, Value hi, ValueRange init,
                              llvm::function_ref<SmallVector<Value>(Value iv, ValueRange acc)> body,
                              Value step = {});
  /// if (cond) then()
  void ifThen(Value cond, llvm::function_ref<void()> then);
  /// cond ? then() : otherwise(), each producing values of `types`.
  SmallVector<Value> ifThenElse(Value cond, TypeRange types,
                                llvm::function_ref<SmallVector<Value>()> then,
                                llvm::function_ref<SmallVector<Value>()> otherwise);

  /// Row `row` of a [batch, vocab] buffer: load / store element `v`.
  Value load(Value buffer, Value row, Value v);
  void store(Value value, Value buffer, Value row, Value v);

  /// max over the row ignoring NaN; -inf when the row has no number above -inf.
  Value rowMax(Value logits, Value row, Value vocab);
  /// The token's unnormalised probability (logits.weights): exp(l - max), 1
  /// for the maximum itself, 0 for -inf and NaN.
  Value weight(Value logit, Value max);
  /// sum over the row of weight(l, max), accumulated in f64.
  Value rowMass(Value logits, Value row, Value vocab, Value max);

  /// An i32 whose unsigned order is the order of the float `x` (-inf lowest
  /// after NaN, which maps to 0 so it sorts below every number).
  Value orderedKey(Value x);

  /// The walk of logits.sample_index from token `start` (index) with running
  /// sum `startSum` (f64): the first token of positive weight (`weight(v)`,
  /// f32, read at a clamped index) whose running f64 sum exceeds `target`;
  /// the last token of positive weight from `start` on when rounding leaves
  /// the target unreached; -1 when none has a positive weight. Returns an i32.
  Value sampleWalk(Value start, Value startSum, Value vocab, Value target,
                   llvm::function_ref<Value(Value v)> weight);

  /// Uniform f32 in [0, 1): top 24 bits of the first word of
  /// Philox4x32-10(counter = (step lo, step hi, 0, 0), key = (seed lo, seed hi)).
  Value philoxUniform(Value seed, Value step);

private:
  ImplicitLocOpBuilder &b;
};

} // namespace mlir::dec

#endif // DEC_PASSES_CONVERSION_LOGITSTOSCF_KERNELBUILDER_H
