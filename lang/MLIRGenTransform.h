//===- MLIRGenTransform.h - User-defined transforms as row programs -------*- C++ -*-===//

#ifndef DEC_LANG_MLIRGENTRANSFORM_H
#define DEC_LANG_MLIRGENTRANSFORM_H

#include "lang/TransformPlan.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace dec::lang {

/// Emits one use of a transform written in dec as a `logits.transform` on `logits`
/// (memref<?x?xf32>), at the builder's insertion point:
///
///   * the values of compile-time parameters are the program's inputs (constants made
///     here, as MLIRGen does for the built-in transforms' parameters);
///   * scalars, reductions (`logits.reduce`, `logits.kth_largest`,
///     `logits.mass_boundary`) and `logits.weights` are program operations, in the order
///     of the plan's nodes;
///   * elementwise row expressions become `logits.map`s, one per row value that a
///     reduction or the result needs, each fusing every elementwise operation between
///     it and the rows it reads (operands in node order).
///
/// The plan's expansions of softmax & co. follow logits-decompose, so a dec transform that
/// states a built-in's computation produces the same program as the built-in's
/// decomposition.
void emitUserTransform(mlir::ImplicitLocOpBuilder &b, mlir::Value logits,
                       const UserTransform &transform);

} // namespace dec::lang

#endif // DEC_LANG_MLIRGENTRANSFORM_H
