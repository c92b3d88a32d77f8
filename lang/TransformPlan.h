//===- TransformPlan.h - User-defined logits transforms in the plan --------------*- C++ -*-===//
//
// A `transform` written in dec reaches MLIRGen as a UserTransform: the checked body of one
// use, with the compile-time parameters' values folded in, as a small typed expression DAG
// over one row of logits.  Nodes are stored in an order where operands precede their
// users; equal nodes are shared (the DAG is hash-consed), so `max(logits)` written twice
// is one reduction.  The high-level built-ins of transform bodies (softmax, log_softmax,
// logsumexp, relative_probs, threshold_by_mass(ascending), ...) are already expanded
// into the primitives below, in the shapes `logits-decompose` uses for the built-in
// transforms, so that MLIRGen's row programs fuse exactly like the built-ins'.
//
// Semantics of the primitives are those of the logits dialect (LogitsProgramOps.td);
// elementwise arithmetic is IEEE f32 (or wrapping i32), comparisons are ordered except
// `Ne` (NaN != NaN), Min/Max ignore a NaN operand (like the reductions).
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_TRANSFORMPLAN_H
#define DEC_LANG_TRANSFORMPLAN_H

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
}

namespace dec::lang {

struct Loc;

/// Element type of a value in a transform body.  F64 and I64 are internal: they appear
/// only in the expansions of the built-ins (sums of weights, mass budgets, the rank of
/// kth_largest), never in source.
enum class ElemType { F32, I32, Bool, F64, I64 };

struct TransformNode {
  enum class Op {
    // Leaves.
    Logits,   ///< the row being transformed (f32 row)
    Constant, ///< a scalar; `param` >= 0 when it is a compile-time parameter's value
    Index,    ///< the token id of each entry (i32 row)
    // Elementwise: on scalars, or on rows when an operand is a row (scalars broadcast).
    Neg,      ///< -x (f32: negf; i32: 0 - x, wrapping)
    Not,      ///< !b
    Exp,      ///< f32
    Log,      ///< f32
    Sqrt,     ///< f32
    Abs,      ///< f32 or i32
    IsNaN,    ///< f32 -> bool
    ToF32,    ///< i32 -> f32 (signed)
    ExtF64,   ///< f32 -> f64
    TruncF32, ///< f64 -> f32
    ExtI64,   ///< i32 -> i64 (signed)
    Add,
    Sub,
    Mul,
    Div,      ///< f32 or f64 only
    Min,      ///< NaN-ignoring (minnumf) for floats; signed for i32
    Max,      ///< NaN-ignoring (maxnumf) for floats; signed for i32
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    Select, ///< (cond, a, b)
    // Row -> scalar (logits.reduce, logits.kth_largest, logits.mass_boundary).
    ReduceMax,    ///< f32 row -> f32; NaN ignored, -inf when empty
    ReduceMin,    ///< f32 row -> f32; NaN ignored, +inf when empty
    ReduceSum,    ///< f32 row -> f32 or f64 (the node's type); summed in f64
    Argmax,       ///< f32 row -> i32; lowest index of the maximum, -1 if none above -inf
    Count,        ///< bool row -> i32
    KthLargest,   ///< (f32 row, i64 k) -> f32; k clamped to [1, V]
    MassBoundary, ///< (keys f32 row, weights f32 row, f64 budget) -> f32
    // Row -> row that is not elementwise in its operands' elements.
    Weights, ///< (f32 row, f32 max) -> f32 row: exp(x - max), 1 at max, 0 for -inf and NaN
  };

  Op op;
  ElemType type;
  bool row = false;
  std::vector<unsigned> operands; ///< indices of earlier nodes
  double number = 0;              ///< Constant: the value (f32 values are exact floats)
  int param = -1;                 ///< Constant: the compile-time parameter it is, or -1
  unsigned line = 0, col = 0;     ///< in UserTransform::file; 0 when unknown
  /// An elementwise scalar computed once per row in the program body (a `let` binding, or
  /// part of a built-in's expansion) rather than inside the maps that use it (a scalar
  /// written within a row expression, such as `isnan(t)` in `x >= t || isnan(t)`).
  /// Placement only: the value is the same.
  bool perRow = false;

  bool isElementwise() const { return op >= Op::Neg && op <= Op::Select; }
  bool isReduction() const { return op >= Op::ReduceMax && op <= Op::MassBoundary; }
};

/// A compile-time parameter of a use: its name, declared type and value.
struct UserTransformParam {
  std::string name;
  ElemType type;
  double value;
};

struct UserTransform {
  std::string name;                      ///< the declaration's name
  std::string file;                      ///< the file of the declaration (node locations)
  unsigned line = 0, col = 0;            ///< the declaration's name
  std::vector<UserTransformParam> params; ///< in declaration order
  std::vector<TransformNode> nodes;      ///< operands before users
  unsigned result = 0;                   ///< an f32 row
};

llvm::StringRef spelling(TransformNode::Op op); ///< "reduce_max", "add", ...
llvm::StringRef spelling(ElemType type);        ///< "f32", "i32", "bool", "f64"

/// Prints the transform's parameters and nodes, one per line, each line prefixed with
/// `indent` (the format of `decc --emit=plan`):
///
///   transform typical(mass: 0.95)
///     %0 = logits : f32[V]
///     %1 = reduce_max %0 : f32
///     ...
///     return %12
void dumpUserTransform(const UserTransform &transform, llvm::raw_ostream &os,
                       llvm::StringRef indent);

} // namespace dec::lang

#endif // DEC_LANG_TRANSFORMPLAN_H
