//===- LogitsProgramOps.cpp - row programs --------------------------------===//

#include "dialects/Logits/LogitsDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::logits;

//===----------------------------------------------------------------------===//
// Programs
//===----------------------------------------------------------------------===//

namespace {

/// Checks a program's region arguments against its inputs (see TransformOp's
/// description for the table) and its terminator against `resultType`.
LogicalResult verifyProgram(Operation *op, Region &body, ValueRange inputs, Type resultType) {
  Block &block = body.front();
  if (block.getNumArguments() != inputs.size() + 1)
    return op->emitOpError() << "region must take the row and one argument per input ("
                             << inputs.size() + 1 << "), got " << block.getNumArguments();
  auto rowF32 = RowType::get(op->getContext(), Float32Type::get(op->getContext()));
  if (block.getArgument(0).getType() != rowF32)
    return op->emitOpError() << "region's first argument must be " << rowF32;
  for (auto [i, input] : llvm::enumerate(inputs)) {
    Type arg = block.getArgument(i + 1).getType();
    Type type = input.getType();
    auto memref = dyn_cast<MemRefType>(type);
    bool ok = false;
    if (isa<IdsType>(arg))
      ok = memref && memref.getElementType().isInteger(32) && memref.getRank() <= 2;
    else if (isa<BitsetType>(arg))
      ok = memref && memref.getElementType().isInteger(32) && memref.getRank() == 2;
    else if (auto row = dyn_cast<RowType>(arg))
      ok = memref && memref.getRank() == 2 && memref.getElementType() == row.getElementType();
    else if (arg.isIntOrFloat())
      ok = type == arg || (memref && memref.getRank() == 1 && memref.getElementType() == arg);
    if (!ok)
      return op->emitOpError() << "input #" << i << " of type " << type
                               << " cannot stand for a region argument of type " << arg;
  }
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield || yield.getValue().getType() != resultType)
    return op->emitOpError() << "region must yield " << resultType;
  return success();
}

} // namespace

LogicalResult TransformOp::verifyRegions() {
  return verifyProgram(*this, getBody(), getInputs(),
                       RowType::get(getContext(), Float32Type::get(getContext())));
}

LogicalResult ChooseOp::verifyRegions() {
  return verifyProgram(*this, getBody(), getInputs(), IntegerType::get(getContext(), 32));
}

//===----------------------------------------------------------------------===//
// Row ops
//===----------------------------------------------------------------------===//

void MapOp::build(OpBuilder &builder, OperationState &state, Type elementType, ValueRange rows,
                  llvm::function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  state.addOperands(rows);
  state.addTypes(RowType::get(builder.getContext(), elementType));
  Region *region = state.addRegion();
  Block *block = new Block();
  region->push_back(block);
  for (Value row : rows)
    block->addArgument(cast<RowType>(row.getType()).getElementType(), state.location);
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(block);
  Value result = body(builder, state.location, block->getArguments());
  MapYieldOp::create(builder, state.location, result);
}

LogicalResult MapOp::verify() {
  Block &block = getBody().front();
  if (block.getNumArguments() != getRows().size())
    return emitOpError() << "body must take one element per row (" << getRows().size() << "), got "
                         << block.getNumArguments();
  for (auto [arg, row] : llvm::zip(block.getArguments(), getRows()))
    if (arg.getType() != cast<RowType>(row.getType()).getElementType())
      return emitOpError() << "body argument of type " << arg.getType()
                           << " does not match the element type of " << row.getType();
  auto yield = cast<MapYieldOp>(block.getTerminator());
  if (yield.getValue().getType() != getResult().getType().getElementType())
    return emitOpError() << "body yields " << yield.getValue().getType() << " for a result of type "
                         << getResult().getType();
  return success();
}

LogicalResult ReduceOp::verify() {
  Type element = getRow().getType().getElementType();
  Type result = getResult().getType();
  switch (getKind()) {
  case ReduceKind::Max:
  case ReduceKind::Min:
    if (!element.isF32() || !result.isF32())
      return emitOpError() << "max and min reduce a row of f32 to an f32";
    break;
  case ReduceKind::Sum:
    if (!element.isF32() || !(result.isF32() || result.isF64()))
      return emitOpError() << "sum reduces a row of f32 to an f32 or f64";
    break;
  case ReduceKind::Argmax:
    if (!element.isF32() || !result.isInteger(32))
      return emitOpError() << "argmax reduces a row of f32 to an i32";
    break;
  case ReduceKind::Count:
    if (!element.isInteger(1) || !result.isInteger(32))
      return emitOpError() << "count reduces a row of i1 to an i32";
    break;
  }
  return success();
}

LogicalResult ExtractOp::verify() {
  if (getResult().getType() != getRow().getType().getElementType())
    return emitOpError() << "result type must be the row's element type "
                         << getRow().getType().getElementType();
  return success();
}

//===----------------------------------------------------------------------===//
// Canonicalization: constant inputs move into the program
//===----------------------------------------------------------------------===//

namespace {
/// A scalar input that is a constant becomes a constant inside the body, so
/// that folding and the lowering's planning see its value (e.g. a top-k's k).
template <typename ProgramOp>
struct InlineConstantInputs : OpRewritePattern<ProgramOp> {
  using OpRewritePattern<ProgramOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ProgramOp op, PatternRewriter &rewriter) const override {
    Block &body = op.getBody().front();
    unsigned first = isa<ChooseOp>(op.getOperation()) ? 2 : 1;
    for (auto [index, input] : llvm::enumerate(op.getInputs())) {
      size_t i = index; // a plain variable: the lambda below captures it
      Attribute value;
      BlockArgument arg = body.getArgument(i + 1);
      if (!arg.getType().isIntOrFloat() || input.getType() != arg.getType() ||
          !matchPattern(input, m_Constant(&value)))
        continue;
      rewriter.setInsertionPointToStart(&body);
      Operation *constant = input.getDefiningOp();
      Operation *copy = rewriter.clone(*constant);
      rewriter.modifyOpInPlace(op, [&] {
        arg.replaceAllUsesWith(copy->getResult(0));
        body.eraseArgument(i + 1);
        op->eraseOperand(first + i);
      });
      return success();
    }
    return failure();
  }
};
} // namespace

void TransformOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<InlineConstantInputs<TransformOp>>(ctx);
}

void ChooseOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<InlineConstantInputs<ChooseOp>>(ctx);
}
