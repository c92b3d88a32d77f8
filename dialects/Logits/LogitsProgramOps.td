//===- LogitsProgramOps.td - row programs -------------------*- tablegen -*-===//
//
// Row programs are the unit of fusion. `logits.transform` rewrites the logits
// and `logits.choose` picks one token per row; their region is a program over
// one row made of whole-row values (`!logits.row<T>`) and scalars:
// elementwise `logits.map`s, reductions, threshold searches, and sampling.
// Every built-in transform decomposes into one (logits-decompose), user
// transforms written in dec are emitted as one (MLIRGen), consecutive
// programs on the same buffer merge into one (logits-fuse), and the lowering
// decides how many passes over the vocabulary the whole program needs.
//
//===----------------------------------------------------------------------===//

#ifndef DEC_DIALECT_LOGITS_LOGITSPROGRAMOPS_TD
#define DEC_DIALECT_LOGITS_LOGITSPROGRAMOPS_TD

include "dialects/Logits/LogitsTypes.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Programs
//===----------------------------------------------------------------------===//

class Logits_ProgramOp<string mnemonic, list<Trait> traits = []>
    : Logits_Op<mnemonic, traits # [IsolatedFromAbove, SingleBlock]> {
  let hasRegionVerifier = 1;
  let hasCanonicalizer = 1;
  code programExtraDecls = [{
    /// The row of logits the program runs on.
    ::mlir::BlockArgument getRowArg() { return getBody().getArgument(0); }
    /// The region argument standing for input `i`.
    ::mlir::BlockArgument getInputArg(unsigned i) { return getBody().getArgument(i + 1); }
  }];
}

def Logits_TransformOp : Logits_ProgramOp<"transform"> {
  let summary = "Rewrites each row of the logits with a row program";
  let description = [{
    Runs the region once per row `b` of `logits` and stores the row value it
    yields back into the row. The region's first argument is the row
    (`!logits.row<f32>`); the others stand for `inputs`, by region type:

    | region argument | input | meaning for row `b` |
    |---|---|---|
    | scalar `T` | `T` | the same value for every row |
    | scalar `T` | `memref<?xT>` | element `b` (a per-row parameter) |
    | `!logits.ids` | `memref<?x?xi32>` | row `b` (or row 0 when there is one row) |
    | `!logits.ids` | `memref<?xi32>` | the list, shared by all rows |
    | `!logits.bitset` | `memref<?x?xi32>` | row `b` of a `[batch, ceil(V/32)]` bitset |
    | `!logits.row<f32>` | `memref<?x?xf32>` | row `b` of another `[batch, V]` buffer |

    ```mlir
    logits.transform %logits(%t : f32) : memref<?x?xf32> {
    ^bb0(%x: !logits.row<f32>, %temp: f32):
      %y = logits.map(%x) : !logits.row<f32> -> !logits.row<f32> {
      ^bb0(%v: f32):
        %d = arith.divf %v, %temp : f32
        logits.map_yield %d : f32
      }
      logits.yield %y : !logits.row<f32>
    }
    ```
  }];
  let arguments = (ins Arg<Logits_Buffer, "logits [batch, vocab]", [MemRead, MemWrite]>:$logits,
                       Variadic<AnyType>:$inputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $logits (`(` $inputs^ `:` qualified(type($inputs)) `)`)? `:` qualified(type($logits)) attr-dict-with-keyword $body
  }];
  let extraClassDeclaration = programExtraDecls;
}

def Logits_ChooseOp : Logits_ProgramOp<"choose"> {
  let summary = "Picks one token per row with a row program";
  let description = [{
    Like `logits.transform` (same region arguments), but the region yields an
    `i32` token, stored to `tokens[b]`; the logits are only read.

    ```mlir
    logits.choose %logits, %tokens : memref<?x?xf32>, memref<?xi32> {
    ^bb0(%x: !logits.row<f32>):
      %t = logits.reduce argmax %x : !logits.row<f32> -> i32
      logits.yield %t : i32
    }
    ```
  }];
  let arguments = (ins Arg<Logits_Buffer, "logits [batch, vocab]", [MemRead]>:$logits,
                       Arg<MemRefRankOf<[I32], [1]>, "chosen token per row", [MemWrite]>:$tokens,
                       Variadic<AnyType>:$inputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $logits `,` $tokens (`(` $inputs^ `:` qualified(type($inputs)) `)`)? `:` qualified(type($logits)) `,` qualified(type($tokens))
    attr-dict-with-keyword $body
  }];
  let extraClassDeclaration = programExtraDecls;
}

def Logits_YieldOp : Logits_Op<"yield", [
    Pure, Terminator, ReturnLike, ParentOneOf<["TransformOp", "ChooseOp"]>]> {
  let summary = "The result of a row program: the new row, or the chosen token";
  let arguments = (ins AnyType:$value);
  let assemblyFormat = "$value attr-dict `:` qualified(type($value))";
}

//===----------------------------------------------------------------------===//
// Row values
//===----------------------------------------------------------------------===//

class Logits_RowOp<string mnemonic, list<Trait> traits = []>
    : Logits_Op<mnemonic, traits # [Pure]>;

def Logits_MapOp : Logits_RowOp<"map", [SingleBlock]> {
  let summary = "Elementwise computation over rows";
  let description = [{
    `result[v] = body(rows[0][v], rows[1][v], ...)` for every token `v`. The
    body is scalar code (arith, math) over the rows' elements and any scalar
    of the enclosing program.

    ```mlir
    %y = logits.map(%x, %c) : !logits.row<f32>, !logits.row<i32> -> !logits.row<f32> {
    ^bb0(%v: f32, %n: i32):
      ...
      logits.map_yield %r : f32
    }
    ```
  }];
  let arguments = (ins Variadic<Logits_AnyRow>:$rows);
  let results = (outs Logits_AnyRow:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $rows `)` `:` qualified(type($rows)) `->` qualified(type($result)) attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [OpBuilder<(ins "::mlir::Type":$elementType, "::mlir::ValueRange":$rows,
      "::llvm::function_ref<::mlir::Value(::mlir::OpBuilder &, ::mlir::Location, "
      "::mlir::ValueRange)>":$body)>];
}

def Logits_MapYieldOp : Logits_Op<"map_yield", [
    Pure, Terminator, ReturnLike, HasParent<"MapOp">]> {
  let summary = "The element a logits.map computes";
  let arguments = (ins AnyType:$value);
  let assemblyFormat = "$value attr-dict `:` qualified(type($value))";
}

def Logits_IndexOp : Logits_RowOp<"index"> {
  let summary = "The token id of each vocabulary entry";
  let results = (outs Logits_I32Row:$result);
  let assemblyFormat = "attr-dict `:` qualified(type($result))";
}

def Logits_WeightsOp : Logits_RowOp<"weights", [AllTypesMatch<["row", "result"]>]> {
  let summary = "Unnormalised probabilities relative to the row's maximum";
  let description = [{
    `exp(x[v] - max)`, except that entries equal to `max` weigh exactly 1,
    and -inf and NaN weigh 0 (the dialect's special values). With `max` the
    row's maximum, `weights / sum(weights)` is `softmax(x)`; a row without an
    entry above -inf has no weight at all.
  }];
  let arguments = (ins Logits_F32Row:$row, F32:$max);
  let results = (outs Logits_F32Row:$result);
  let assemblyFormat = "$row `,` $max attr-dict `:` qualified(type($row))";
}

def Logits_ExtractOp : Logits_RowOp<"extract"> {
  let hasVerifier = 1;
  let summary = "One element of a row";
  let description = [{
    `row[index]`; an index outside [0, vocab) gives NaN (f32) or 0 (integers).
  }];
  let arguments = (ins Logits_AnyRow:$row, I32:$index);
  let results = (outs AnyType:$result);
  let assemblyFormat = "$row `[` $index `]` attr-dict `:` qualified(type($row)) `->` type($result)";
}

def Logits_IdsCountOp : Logits_RowOp<"ids_count"> {
  let summary = "How many times each token occurs in a list of ids";
  let arguments = (ins Logits_IdsType:$ids);
  let results = (outs Logits_I32Row:$result);
  let assemblyFormat = "$ids attr-dict `:` qualified(type($result))";
}

def Logits_BitsetTestOp : Logits_RowOp<"bitset_test"> {
  let summary = "Whether each token's bit is set";
  let arguments = (ins Logits_BitsetType:$bits);
  let results = (outs Logits_I1Row:$result);
  let assemblyFormat = "$bits attr-dict `:` qualified(type($result))";
}

//===----------------------------------------------------------------------===//
// Reductions and searches (one scalar per row)
//===----------------------------------------------------------------------===//

def Logits_ReduceKind : I32EnumAttr<"ReduceKind", "kind of row reduction", [
    I32EnumAttrCase<"Max", 0, "max">,
    I32EnumAttrCase<"Min", 1, "min">,
    I32EnumAttrCase<"Sum", 2, "sum">,
    I32EnumAttrCase<"Argmax", 3, "argmax">,
    I32EnumAttrCase<"Count", 4, "count">]> {
  let cppNamespace = "::mlir::logits";
}

def Logits_ReduceOp : Logits_RowOp<"reduce"> {
  let summary = "Reduces a row to a scalar";
  let description = [{
    * `max`, `min` (f32): ignore NaN; -inf / +inf for an empty or all-NaN row.
    * `sum` (f32 row to f32 or f64): summed in f64, in an unspecified order.
    * `argmax` (f32 row to i32): the lowest index of the maximum, NaN never
      chosen, -1 when no entry is above -inf.
    * `count` (i1 row to i32): the number of true entries.
  }];
  let arguments = (ins Logits_ReduceKind:$kind, Logits_AnyRow:$row);
  let results = (outs AnyTypeOf<[F32, F64, I32]>:$result);
  let assemblyFormat = "$kind $row attr-dict `:` qualified(type($row)) `->` qualified(type($result))";
  let hasVerifier = 1;
}

def Logits_KthLargestOp : Logits_RowOp<"kth_largest"> {
  let summary = "The k-th largest entry of a row";
  let description = [{
    The k-th entry in decreasing order of the row (counting repeated values),
    where NaN orders below every number and -0.0 equals +0.0; `k` is clamped
    to [1, vocab]. So `x >= kth_largest(x, k) || kth_largest(x, k) is NaN`
    keeps the k largest entries, ties at the boundary included.
  }];
  let arguments = (ins Logits_F32Row:$row, I64:$k);
  let results = (outs F32:$result);
  let assemblyFormat = "$row `,` $k attr-dict `:` qualified(type($row))";
}

def Logits_MassBoundaryOp : Logits_RowOp<"mass_boundary", [AllTypesMatch<["keys", "weights"]>]> {
  let summary = "The smallest key whose strictly greater keys weigh less than a budget";
  let description = [{
    Orders entries by `keys` (NaN lowest, -0.0 = +0.0) and returns the
    smallest key `τ` such that the total `weights` of the entries with a key
    strictly greater than `τ` is less than `budget` (weights summed in f64).
    `keys >= τ` is then a nucleus: with `weights = softmax` and
    `budget = p`, the top-p set with ties at the boundary kept together.
  }];
  let arguments = (ins Logits_F32Row:$keys, Logits_F32Row:$weights, F64:$budget);
  let results = (outs F32:$result);
  let assemblyFormat = "$keys `,` $weights `,` $budget attr-dict `:` qualified(type($keys))";
}

//===----------------------------------------------------------------------===//
// Randomness and sampling
//===----------------------------------------------------------------------===//

def Logits_PhiloxOp : Logits_Op<"philox", [Pure]> {
  let summary = "A uniform number in [0, 1) from a counter-based generator";
  let description = [{
    The top 24 bits of the first word of Philox4x32-10 with key
    `(seed & 0xffffffff, seed >> 32)` and counter
    `(step & 0xffffffff, step >> 32, 0, 0)`, times 2^-24. The same seed and
    step always give the same number.
  }];
  let arguments = (ins I64:$seed, I64:$step);
  let results = (outs F32:$result);
  let assemblyFormat = "$seed `,` $step attr-dict";
}

def Logits_SampleIndexOp : Logits_RowOp<"sample_index"> {
  let summary = "Inverse-transform sampling from unnormalised weights";
  let description = [{
    The first token `v` of positive weight whose running sum of weights
    (f64, in token order) exceeds `u * sum(weights)`; the last token of
    positive weight when rounding leaves the target unreached; -1 when no
    weight is positive.
  }];
  let arguments = (ins Logits_F32Row:$weights, F32:$u);
  let results = (outs I32:$result);
  let assemblyFormat = "$weights `,` $u attr-dict `:` qualified(type($weights))";
}

#endif // DEC_DIALECT_LOGITS_LOGITSPROGRAMOPS_TD
