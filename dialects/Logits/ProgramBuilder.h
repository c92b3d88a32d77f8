//===- ProgramBuilder.h - building row programs -----------------*- C++ -*-===//
//
// Creates logits.transform / logits.choose programs and the row values inside
// them. Used by logits-decompose (built-in ops as programs) and by MLIRGen
// (transforms written in dec), so that both produce the same IR for the same
// computation and fuse the same way.
//
//===----------------------------------------------------------------------===//

#ifndef DEC_DIALECT_LOGITS_PROGRAMBUILDER_H
#define DEC_DIALECT_LOGITS_PROGRAMBUILDER_H

#include "dialects/Logits/LogitsDialect.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::logits {

/// Builds the body of one program. Construct with begin(), add values, then
/// finish with yieldRow() (transform) or yieldToken() (choose).
class ProgramBuilder {
public:
  /// Starts `logits.transform %logits(inputs)`; `inputArgTypes` are the region
  /// argument types standing for `inputs` (see TransformOp).
  static ProgramBuilder transform(ImplicitLocOpBuilder &b, Value logits, ValueRange inputs,
                                  TypeRange inputArgTypes);
  /// Starts `logits.choose %logits, %tokens(inputs)`.
  static ProgramBuilder choose(ImplicitLocOpBuilder &b, Value logits, Value tokens,
                               ValueRange inputs, TypeRange inputArgTypes);

  Operation *program() const { return op; }
  /// The row of logits, and the region argument of input `i`.
  Value row() const;
  Value input(unsigned i) const;
  ImplicitLocOpBuilder &builder() { return body; }

  // Scalars.
  Value f32(double v);
  Value f64(double v);
  Value i32(int32_t v);

  // Row values.
  Value map(Type elementType, ValueRange rows,
            llvm::function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> element);
  /// where(keep(x), x, -inf): the standard filter shape.
  Value filter(Value row, ValueRange others,
               llvm::function_ref<Value(ImplicitLocOpBuilder &, Value x, ValueRange o)> keep);
  Value weights(Value row, Value max);
  Value idsCount(Value ids);
  Value bitsetTest(Value bits);

  // Scalars from rows.
  Value reduce(ReduceKind kind, Value row, Type resultType);
  Value max(Value row) { return reduce(ReduceKind::Max, row, body.getF32Type()); }
  Value kthLargest(Value row, Value k);
  Value massBoundary(Value keys, Value weights, Value budget);

  void yieldRow(Value row);
  void yieldToken(Value token);

private:
  ProgramBuilder(ImplicitLocOpBuilder &outer, Operation *op);
  Operation *op;
  ImplicitLocOpBuilder body;
};

} // namespace mlir::logits

#endif // DEC_DIALECT_LOGITS_PROGRAMBUILDER_H
