//===- KernelBuilder.cpp - building blocks of row kernels -----------------===//

#include "passes/Conversion/LogitsToSCF/KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

using namespace mlir;
using namespace mlir::dec;

Value KernelBuilder::index(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
Value KernelBuilder::i1(bool v) { return arith::ConstantIntOp::create(b, b.getI1Type(), v); }
Value KernelBuilder::i32(int32_t v) { return arith::ConstantIntOp::create(b, b.getI32Type(), v); }
Value KernelBuilder::i64(int64_t v) { return arith::ConstantIntOp::create(b, b.getI64Type(), v); }
Value KernelBuilder::f32(float v) {
  return arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(v));
}
Value KernelBuilder::f64(double v) {
  return arith::ConstantFloatOp::create(b, b.getF64Type(), APFloat(v));
}
Value KernelBuilder::negInf() { return f32(-std::numeric_limits<float>::infinity()); }

void KernelBuilder::forRange(Value lo, Value hi, llvm::function_ref<void(Value)> body, Value step) {
  auto loop = scf::ForOp::create(b, lo, hi, step ? step : index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  body(loop.getInductionVar());
}

SmallVector<Value>
KernelBuilder::forRange(Value lo, Value hi, ValueRange init,
                        llvm::function_ref<SmallVector<Value>(Value, ValueRange)> body, Value step) {
  auto loop = scf::ForOp::create(b, lo, hi, step ? step : index(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *block = loop.getBody();
    // Without carried values scf.for comes with its terminator already.
    if (!block->empty() && block->back().hasTrait<OpTrait::IsTerminator>())
      block->back().erase();
    b.setInsertionPointToEnd(block);
    // scf.for with iter_args is built without a terminator; add ours.
    SmallVector<Value> next = body(loop.getInductionVar(), loop.getRegionIterArgs());
    scf::YieldOp::create(b, next);
  }
  return SmallVector<Value>(loop.getResults());
}

void KernelBuilder::ifThen(Value cond, llvm::function_ref<void()> then) {
  auto ifOp = scf::IfOp::create(b, cond, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  then();
}

SmallVector<Value> KernelBuilder::ifThenElse(Value cond, TypeRange types,
                                             llvm::function_ref<SmallVector<Value>()> then,
                                             llvm::function_ref<SmallVector<Value>()> otherwise) {
  auto ifOp = scf::IfOp::create(b, types, cond, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(ifOp.thenBlock());
    if (!ifOp.thenBlock()->empty() && ifOp.thenBlock()->back().hasTrait<OpTrait::IsTerminator>())
      b.setInsertionPoint(&ifOp.thenBlock()->back());
    SmallVector<Value> t = then();
    if (ifOp.thenBlock()->empty() || !ifOp.thenBlock()->back().hasTrait<OpTrait::IsTerminator>())
      scf::YieldOp::create(b, t);
    b.setInsertionPointToEnd(ifOp.elseBlock());
    SmallVector<Value> e = otherwise();
    if (ifOp.elseBlock()->empty() || !ifOp.elseBlock()->back().hasTrait<OpTrait::IsTerminator>())
      scf::YieldOp::create(b, e);
  }
  return SmallVector<Value>(ifOp.getResults());
}

Value KernelBuilder::load(Value buffer, Value row, Value v) {
  return memref::LoadOp::create(b, buffer, ValueRange{row, v});
}

void KernelBuilder::store(Value value, Value buffer, Value row, Value v) {
  memref::StoreOp::create(b, value, buffer, ValueRange{row, v});
}

Value KernelBuilder::rowMax(Value logits, Value row, Value vocab) {
  return forRange(index(0), vocab, {negInf()}, [&](Value v, ValueRange acc) {
           Value l = load(logits, row, v);
           return SmallVector<Value>{arith::MaxNumFOp::create(b, acc[0], l)};
         })
      .front();
}

Value KernelBuilder::splatLike(Value like, float v) {
  auto attr = FloatAttr::get(b.getF32Type(), v);
  if (auto vectorType = dyn_cast<VectorType>(like.getType()))
    return arith::ConstantOp::create(b, DenseElementsAttr::get(vectorType, Attribute(attr)));
  return arith::ConstantOp::create(b, attr);
}

Value KernelBuilder::weight(Value logit, Value max) {
  // exp(l - max), except: the maximum itself weighs exactly 1 (so a +inf
  // maximum does not become exp(inf - inf) = NaN), -inf and NaN weigh 0 (an
  // all -inf row has no mass, and NaN cannot poison the sums). Works on
  // scalars and on vectors (`max` of the same shape).
  Value isNumber = arith::CmpFOp::create(b, arith::CmpFPredicate::ORD, logit, logit);
  Value aboveNegInf = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, logit,
                                            splatLike(logit, -std::numeric_limits<float>::infinity()));
  Value counts = arith::AndIOp::create(b, isNumber, aboveNegInf);
  Value isMax = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, logit, max);
  Value e = math::ExpOp::create(b, arith::SubFOp::create(b, logit, max));
  Value w = arith::SelectOp::create(b, isMax, splatLike(logit, 1.0f), e);
  return arith::SelectOp::create(b, counts, w, splatLike(logit, 0.0f));
}

Value KernelBuilder::rowMass(Value logits, Value row, Value vocab, Value max) {
  return forRange(index(0), vocab, {f64(0.0)}, [&](Value v, ValueRange acc) {
           Value w = arith::ExtFOp::create(b, b.getF64Type(), weight(load(logits, row, v), max));
           return SmallVector<Value>{arith::AddFOp::create(b, acc[0], w)};
         })
      .front();
}

Value KernelBuilder::orderedKey(Value x) {
  // -0.0 == +0.0: both get the key of +0.0, or top-k/top-p would rank +0.0
  // strictly above -0.0 and split a tie at the boundary.
  Value isZero = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, x, f32(0.0f));
  Value canonical = arith::SelectOp::create(b, isZero, f32(0.0f), x);
  // IEEE-754 bits of a negative float sort in reverse: flip all of them;
  // positive floats sort right once the sign bit is set.
  Value bits = arith::BitcastOp::create(b, b.getI32Type(), canonical);
  Value negative = arith::CmpIOp::create(b, arith::CmpIPredicate::slt, bits, i32(0));
  Value flipped = arith::XOrIOp::create(b, bits, i32(-1));
  Value signSet = arith::OrIOp::create(b, bits, i32(std::numeric_limits<int32_t>::min()));
  Value key = arith::SelectOp::create(b, negative, flipped, signSet);
  Value isNumber = arith::CmpFOp::create(b, arith::CmpFPredicate::ORD, x, x);
  return arith::SelectOp::create(b, isNumber, key, i32(0));
}

Value KernelBuilder::sampleWalk(Value start, Value startSum, Value vocab, Value target,
                                llvm::function_ref<Value(Value v)> weight) {
  // Carried: v, running sum, last token of positive weight (-1 so far).
  Type indexType = b.getIndexType(), f64Type = b.getF64Type(), i1Type = b.getI1Type();
  Type i32Type = b.getI32Type();
  Location loc = b.getLoc();
  auto walk = scf::WhileOp::create(b, TypeRange{indexType, f64Type, i32Type, i1Type},
                                   ValueRange{start, startSum, this->i32(-1)});
  {
    OpBuilder::InsertionGuard guard(b);
    Block *before = b.createBlock(&walk.getBefore(), {}, {indexType, f64Type, i32Type}, {loc, loc, loc});
    Value v = before->getArgument(0), running = before->getArgument(1);
    Value last = before->getArgument(2);
    Value inRange = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, v, vocab);
    Value clamped = arith::MinUIOp::create(b, v, arith::SubIOp::create(b, vocab, index(1)));
    Value w = arith::SelectOp::create(b, inRange, arith::ExtFOp::create(b, f64Type, weight(clamped)),
                                      f64(0.0));
    Value next = arith::AddFOp::create(b, running, w);
    Value positive = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, w, f64(0.0));
    Value hit = arith::AndIOp::create(
        b, positive, arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, next, target));
    Value id = arith::IndexCastUIOp::create(b, i32Type, v);
    Value newLast = arith::SelectOp::create(b, positive, id, last);
    Value goOn = arith::AndIOp::create(b, inRange, arith::XOrIOp::create(b, hit, i1(true)));
    scf::ConditionOp::create(b, goOn, ValueRange{v, next, newLast, hit});
    Block *after = b.createBlock(&walk.getAfter(), {}, {indexType, f64Type, i32Type, i1Type}, {loc, loc, loc, loc});
    Value step = arith::AddIOp::create(b, after->getArgument(0), index(1));
    scf::YieldOp::create(b, ValueRange{step, after->getArgument(1), after->getArgument(2)});
  }
  Value hitId = arith::IndexCastUIOp::create(b, i32Type, walk.getResult(0));
  return arith::SelectOp::create(b, walk.getResult(3), hitId, walk.getResult(2));
}

Value KernelBuilder::philoxUniform(Value seed, Value step) {
  // Philox4x32-10 (Salmon et al., SC'11; constants from Random123).
  const uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  const uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  Type i32Type = b.getI32Type();
  auto lo = [&](Value v) { return arith::TruncIOp::create(b, i32Type, v); };
  auto hi = [&](Value v) {
    return arith::TruncIOp::create(b, i32Type, arith::ShRUIOp::create(b, v, i64(32)));
  };
  Value c0 = lo(step), c1 = hi(step), c2 = i32(0), c3 = i32(0);
  Value k0 = lo(seed), k1 = hi(seed);
  Value m0 = i32(static_cast<int32_t>(kMul0)), m1 = i32(static_cast<int32_t>(kMul1));
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 = arith::AddIOp::create(b, k0, i32(static_cast<int32_t>(kWeyl0)));
      k1 = arith::AddIOp::create(b, k1, i32(static_cast<int32_t>(kWeyl1)));
    }
    auto p0 = arith::MulUIExtendedOp::create(b, m0, c0);
    auto p1 = arith::MulUIExtendedOp::create(b, m1, c2);
    Value n0 = arith::XOrIOp::create(b, arith::XOrIOp::create(b, p1.getHigh(), c1), k0);
    Value n1 = p1.getLow();
    Value n2 = arith::XOrIOp::create(b, arith::XOrIOp::create(b, p0.getHigh(), c3), k1);
    Value n3 = p0.getLow();
    c0 = n0, c1 = n1, c2 = n2, c3 = n3;
  }
  // 24 random bits make every value exactly representable in f32, in [0, 1).
  Value top24 = arith::ShRUIOp::create(b, c0, i32(8));
  Value asFloat = arith::UIToFPOp::create(b, b.getF32Type(), top24);
  return arith::MulFOp::create(b, asFloat, f32(1.0f / 16777216.0f));
}
