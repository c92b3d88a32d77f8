//===- RowEmitter.h - code for the elements of row values -------*- C++ -*-===//
//
// Row values of a program (`!logits.row<T>`) are never stored: wherever a pass
// over the vocabulary needs one, the emitter produces the code computing it
// at position `v`, for one token (width 1) or for `width` consecutive tokens
// as a vector, optionally masked at the end of the row. Map bodies are
// re-emitted with vector types (arith/math ops are elementwise), scalars of
// the program are broadcast.
//
//===----------------------------------------------------------------------===//

#ifndef DEC_PASSES_CONVERSION_LOGITSTOVECTOR_ROWEMITTER_H
#define DEC_PASSES_CONVERSION_LOGITSTOVECTOR_ROWEMITTER_H

#include "passes/Conversion/LogitsToSCF/KernelBuilder.h"

#include "mlir/IR/IRMapping.h"

namespace mlir::dec {

/// Which lanes an emitted element covers: `width` tokens from `v`; `mask`
/// (vector<width x i1>) marks the valid ones, null means all.
struct Lanes {
  unsigned width = 1;
  Value mask;
  bool vector() const { return width > 1; }
};

class RowEmitter {
public:
  /// `program` is a logits.transform/choose; `row` the current row index;
  /// `scalars` maps program values already computed for this row.
  RowEmitter(Operation *program, KernelBuilder &k, Value vocab, const IRMapping &scalars,
             const DenseMap<Operation *, Value> &scratch,
             const DenseMap<Operation *, Value> &presence)
      : program(program), k(k), b(k.builder()), vocab(vocab), scalars(scalars), scratch(scratch),
        presence(presence) {}

  void setRow(Value r) { row = r; }
  /// Code computing `value` (a row value of the program) at `v`.
  Value element(Value value, Value v, Lanes lanes);
  /// `scalar` (a program scalar) as a value usable next to lanes of `lanes`.
  Value broadcast(Value scalar, Lanes lanes);
  /// The type of one element of `value` for `lanes`.
  Type laneType(Type element, Lanes lanes);
  /// A constant of `element` type (f32/f64/integer) for `lanes`.
  Value constant(Type element, double value, Lanes lanes);

  /// The buffer row an input of rank 2 contributes: `row`, or 0 when the
  /// buffer has a single row (shared by the batch).
  Value bufferRow(Value buffer);
  Value inputOf(BlockArgument arg);

  /// Loads `width` elements from a [rows, V] buffer (masked lanes get `fill`).
  Value load(Value buffer, Value bufferRow, Value v, Lanes lanes, double fill);

  /// Whether every op of every map body can be emitted with vector types.
  static bool vectorizable(Operation *program);

private:
  Value mapElement(Operation *map, Value v, Lanes lanes);

  Operation *program;
  KernelBuilder &k;
  ImplicitLocOpBuilder &b;
  Value vocab, row;
  const IRMapping &scalars;
  /// logits.ids_count: when the op has no scratch, counts are found by
  /// scanning the id list (GPU kernels); else `scratch` holds the counts, valid only where the
  /// `presence` bitset (ceil(V/32) words) has the token's bit set. A scratch
  /// entry that is a null Value means the program only tests `count > 0`:
  /// the element is then 1 where the bit is set, 0 elsewhere.
  const DenseMap<Operation *, Value> &scratch;
  const DenseMap<Operation *, Value> &presence;

  /// logits.ids_count without scratch (one token): count by scanning the list.
  Value countByScan(Operation *op, Value v);
  /// Whether token `v` (or the lanes from `v`) is set in `words`.
  Value testBits(Value words, Value wordsRow, Value v, Lanes lanes);
};

} // namespace mlir::dec

#endif // DEC_PASSES_CONVERSION_LOGITSTOVECTOR_ROWEMITTER_H
