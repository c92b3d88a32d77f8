//===- ProgramBuilder.cpp - building row programs -------------------------===//

#include "dialects/Logits/ProgramBuilder.h"

#include <limits>

using namespace mlir;
using namespace mlir::logits;

namespace {
Block *createProgramBlock(Region &region, Type rowType, TypeRange inputArgTypes, Location loc) {
  Block *block = new Block();
  region.push_back(block);
  block->addArgument(rowType, loc);
  for (Type t : inputArgTypes)
    block->addArgument(t, loc);
  return block;
}
} // namespace

ProgramBuilder::ProgramBuilder(ImplicitLocOpBuilder &outer, Operation *op)
    : op(op), body(outer.getLoc(), outer.getContext()) {
  body.setInsertionPointToStart(&op->getRegion(0).front());
}

ProgramBuilder ProgramBuilder::transform(ImplicitLocOpBuilder &b, Value logits, ValueRange inputs,
                                         TypeRange inputArgTypes) {
  auto op = TransformOp::create(b, logits, inputs);
  createProgramBlock(op.getBody(), RowType::get(b.getContext(), b.getF32Type()), inputArgTypes,
                     b.getLoc());
  return ProgramBuilder(b, op);
}

ProgramBuilder ProgramBuilder::choose(ImplicitLocOpBuilder &b, Value logits, Value tokens,
                                      ValueRange inputs, TypeRange inputArgTypes) {
  auto op = ChooseOp::create(b, logits, tokens, inputs);
  createProgramBlock(op.getBody(), RowType::get(b.getContext(), b.getF32Type()), inputArgTypes,
                     b.getLoc());
  return ProgramBuilder(b, op);
}

Value ProgramBuilder::row() const { return op->getRegion(0).front().getArgument(0); }
Value ProgramBuilder::input(unsigned i) const {
  return op->getRegion(0).front().getArgument(i + 1);
}

Value ProgramBuilder::f32(double v) {
  return arith::ConstantFloatOp::create(body, body.getF32Type(), APFloat(static_cast<float>(v)));
}
Value ProgramBuilder::f64(double v) {
  return arith::ConstantFloatOp::create(body, body.getF64Type(), APFloat(v));
}
Value ProgramBuilder::i32(int32_t v) {
  return arith::ConstantIntOp::create(body, body.getI32Type(), v);
}

Value ProgramBuilder::map(Type elementType, ValueRange rows,
                          llvm::function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> element) {
  return MapOp::create(body, elementType, rows,
                       [&](OpBuilder &b, Location loc, ValueRange args) {
                         ImplicitLocOpBuilder ib(loc, b);
                         return element(ib, args);
                       })
      .getResult();
}

Value ProgramBuilder::filter(
    Value row, ValueRange others,
    llvm::function_ref<Value(ImplicitLocOpBuilder &, Value, ValueRange)> keep) {
  SmallVector<Value> rows{row};
  rows.append(others.begin(), others.end());
  return map(body.getF32Type(), rows, [&](ImplicitLocOpBuilder &b, ValueRange args) -> Value {
    Value k = keep(b, args[0], args.drop_front());
    Value negInf = arith::ConstantFloatOp::create(
        b, b.getF32Type(), APFloat(-std::numeric_limits<float>::infinity()));
    return arith::SelectOp::create(b, k, args[0], negInf);
  });
}

Value ProgramBuilder::weights(Value row, Value max) {
  return WeightsOp::create(body, row.getType(), row, max).getResult();
}
Value ProgramBuilder::idsCount(Value ids) {
  return IdsCountOp::create(body, RowType::get(body.getContext(), body.getI32Type()), ids);
}
Value ProgramBuilder::bitsetTest(Value bits) {
  return BitsetTestOp::create(body, RowType::get(body.getContext(), body.getI1Type()), bits);
}
Value ProgramBuilder::reduce(ReduceKind kind, Value row, Type resultType) {
  return ReduceOp::create(body, resultType, kind, row);
}
Value ProgramBuilder::kthLargest(Value row, Value k) { return KthLargestOp::create(body, body.getF32Type(), row, k); }
Value ProgramBuilder::massBoundary(Value keys, Value weights, Value budget) {
  return MassBoundaryOp::create(body, body.getF32Type(), keys, weights, budget);
}

void ProgramBuilder::yieldRow(Value row) { YieldOp::create(body, row); }
void ProgramBuilder::yieldToken(Value token) { YieldOp::create(body, token); }
