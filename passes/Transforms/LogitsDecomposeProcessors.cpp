//===- LogitsDecomposeProcessors.cpp - processors as row programs ---------===//
//
// Each rewrite below *is* the semantics of its operation (LogitsProcessorOps.td):
// the kernel tests compare the lowered programs with plain C++ references of
// the Hugging Face / vLLM processors.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/LogitsDecomposeProcessors.h"

#include "dialects/Logits/ProgramBuilder.h"

#include "llvm/ADT/TypeSwitch.h"

#include <limits>

using namespace mlir;
using namespace mlir::logits;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {

using Body = ImplicitLocOpBuilder;

constexpr float kInf = std::numeric_limits<float>::infinity();

/// The region argument type standing for a parameter: its element type when
/// it is a per-row memref<?xT>.
Type paramArgType(Value param) {
  if (auto memref = dyn_cast<MemRefType>(param.getType()))
    return memref.getElementType();
  return param.getType();
}

Value f32Const(Body &b, float v) {
  return arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(v));
}
Value i32Const(Body &b, int32_t v) { return arith::ConstantIntOp::create(b, b.getI32Type(), v); }

/// count > 0
Value listed(Body &b, Value count) {
  return arith::CmpIOp::create(b, CmpIPredicate::sgt, count, i32Const(b, 0));
}

/// A program over `lists` (token lists) followed by `params`; returns it and
/// the row counting, per token, its occurrences in all the lists together.
std::pair<ProgramBuilder, Value> programOverLists(Body &b, Value logits, ValueRange lists,
                                                  ValueRange params) {
  SmallVector<Value> inputs(lists.begin(), lists.end());
  SmallVector<Type> types(lists.size(), IdsType::get(b.getContext()));
  for (Value p : params) {
    inputs.push_back(p);
    types.push_back(paramArgType(p));
  }
  auto p = ProgramBuilder::transform(b, logits, inputs, types);
  Value counts;
  for (unsigned i = 0; i < lists.size(); ++i) {
    Value c = p.idsCount(p.input(i));
    counts = !counts ? c
                     : p.map(b.getI32Type(), {counts, c}, [](Body &e, ValueRange a) -> Value {
                         return arith::AddIOp::create(e, a[0], a[1]);
                       });
  }
  if (!counts) // no list: nothing is listed
    counts = p.map(b.getI32Type(), p.row(), [](Body &e, ValueRange) { return i32Const(e, 0); });
  return {p, counts};
}

/// The log-softmax statistics of a row: its maximum, log(mass) and whether it
/// has any entry above -inf.
struct LogSoftmaxStats {
  Value max, lse, hasNumber;
};

LogSoftmaxStats logSoftmaxStats(ProgramBuilder &p, Value row) {
  Body &s = p.builder();
  Value max = p.max(row);
  Value mass = p.reduce(ReduceKind::Sum, p.weights(row, max), s.getF64Type());
  Value lse = arith::TruncFOp::create(s, s.getF32Type(), math::LogOp::create(s, mass));
  Value hasNumber = arith::CmpFOp::create(s, CmpFPredicate::OGT, max, p.f32(-kInf));
  return {max, lse, hasNumber};
}

/// log_softmax of one element: (x - max) - lse, -lse for the maximum, -inf
/// for NaN and -inf (and for every entry of a row without a number).
Value logSoftmaxElement(Body &e, Value x, const LogSoftmaxStats &st) {
  Value isMax = arith::CmpFOp::create(e, CmpFPredicate::OEQ, x, st.max);
  Value shifted = arith::SubFOp::create(e, x, st.max);
  Value d = arith::SelectOp::create(e, isMax, f32Const(e, 0.0f), shifted);
  Value r = arith::SubFOp::create(e, d, st.lse);
  Value isNaN = arith::CmpFOp::create(e, CmpFPredicate::UNO, x, x);
  Value noNumber = arith::XOrIOp::create(e, st.hasNumber,
                                         arith::ConstantIntOp::create(e, e.getI1Type(), 1));
  Value excluded = arith::OrIOp::create(e, isNaN, noNumber);
  return arith::SelectOp::create(e, excluded, f32Const(e, -kInf), r);
}

void decompose(FrequencyPenaltyOp op, Body &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), {op.getTokens(), op.getPenalty()},
                                     {IdsType::get(b.getContext()), paramArgType(op.getPenalty())});
  Value f = p.input(1);
  Value counts = p.idsCount(p.input(0));
  p.yieldRow(p.map(b.getF32Type(), {p.row(), counts}, [&](Body &e, ValueRange a) -> Value {
    Value c = arith::SIToFPOp::create(e, e.getF32Type(), a[1]);
    return arith::SubFOp::create(e, a[0], arith::MulFOp::create(e, f, c));
  }));
}

void decompose(PresencePenaltyOp op, Body &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), {op.getTokens(), op.getPenalty()},
                                     {IdsType::get(b.getContext()), paramArgType(op.getPenalty())});
  Value pen = p.input(1);
  Value counts = p.idsCount(p.input(0));
  p.yieldRow(p.map(b.getF32Type(), {p.row(), counts}, [&](Body &e, ValueRange a) -> Value {
    Value present = arith::SelectOp::create(e, listed(e, a[1]), f32Const(e, 1.0f),
                                            f32Const(e, 0.0f));
    return arith::SubFOp::create(e, a[0], arith::MulFOp::create(e, pen, present));
  }));
}

void decompose(AddBiasOp op, Body &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), op.getBias(),
                                     RowType::get(b.getContext(), b.getF32Type()));
  p.yieldRow(p.map(b.getF32Type(), {p.row(), p.input(0)}, [&](Body &e, ValueRange a) -> Value {
    Value ban = arith::CmpFOp::create(e, CmpFPredicate::OEQ, a[1], f32Const(e, -kInf));
    Value sum = arith::AddFOp::create(e, a[0], a[1]);
    return arith::SelectOp::create(e, ban, f32Const(e, -kInf), sum);
  }));
}

void decompose(AllowOp op, Body &b) {
  auto [p, counts] = programOverLists(b, op.getLogits(), op.getTokens(), {});
  p.yieldRow(p.filter(p.row(), counts,
                      [&](Body &e, Value, ValueRange o) { return listed(e, o[0]); }));
}

void decompose(SuppressIfOp op, Body &b) {
  auto [p, counts] = programOverLists(b, op.getLogits(), op.getTokens(), op.getCondition());
  Value when = p.input(op.getTokens().size());
  p.yieldRow(p.filter(p.row(), counts, [&](Body &e, Value, ValueRange o) -> Value {
    Value drop = arith::AndIOp::create(e, when, listed(e, o[0]));
    return arith::XOrIOp::create(e, drop, arith::ConstantIntOp::create(e, e.getI1Type(), 1));
  }));
}

void decompose(ForceOp op, Body &b) {
  auto [p, counts] = programOverLists(b, op.getLogits(), op.getTokens(), op.getCondition());
  Value when = p.input(op.getTokens().size());
  p.yieldRow(p.map(b.getF32Type(), {p.row(), counts}, [&](Body &e, ValueRange a) -> Value {
    Value forced = arith::SelectOp::create(e, listed(e, a[1]), f32Const(e, 0.0f),
                                           f32Const(e, -kInf));
    return arith::SelectOp::create(e, when, forced, a[0]);
  }));
}

void decompose(RemoveInfNanOp op, Body &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), {}, {});
  p.yieldRow(p.map(b.getF32Type(), p.row(), [&](Body &e, ValueRange a) -> Value {
    Value x = a[0];
    const float big = std::numeric_limits<float>::max();
    Value isNaN = arith::CmpFOp::create(e, CmpFPredicate::UNO, x, x);
    Value isPosInf = arith::CmpFOp::create(e, CmpFPredicate::OEQ, x, f32Const(e, kInf));
    Value isNegInf = arith::CmpFOp::create(e, CmpFPredicate::OEQ, x, f32Const(e, -kInf));
    Value r = arith::SelectOp::create(e, isNegInf, f32Const(e, -big), x);
    r = arith::SelectOp::create(e, isPosInf, f32Const(e, big), r);
    return arith::SelectOp::create(e, isNaN, f32Const(e, 0.0f), r);
  }));
}

void decompose(LogSoftmaxOp op, Body &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), {}, {});
  LogSoftmaxStats st = logSoftmaxStats(p, p.row());
  p.yieldRow(p.map(b.getF32Type(), p.row(), [&](Body &e, ValueRange a) -> Value {
    return logSoftmaxElement(e, a[0], st);
  }));
}

void decompose(GuidanceOp op, Body &b) {
  auto p = ProgramBuilder::transform(
      b, op.getLogits(), {op.getUnconditional(), op.getScale()},
      {RowType::get(b.getContext(), b.getF32Type()), paramArgType(op.getScale())});
  Value uncond = p.input(0), scale = p.input(1);
  LogSoftmaxStats c = logSoftmaxStats(p, p.row());
  LogSoftmaxStats u = logSoftmaxStats(p, uncond);
  Body &s = p.builder();
  Value plain = arith::CmpFOp::create(s, CmpFPredicate::OEQ, scale, p.f32(1.0));
  p.yieldRow(p.map(b.getF32Type(), {p.row(), uncond}, [&](Body &e, ValueRange a) -> Value {
    Value lc = logSoftmaxElement(e, a[0], c);
    Value lu = logSoftmaxElement(e, a[1], u);
    Value guided = arith::AddFOp::create(
        e, arith::MulFOp::create(e, scale, arith::SubFOp::create(e, lc, lu)), lu);
    Value isNaN = arith::CmpFOp::create(e, CmpFPredicate::UNO, guided, guided);
    guided = arith::SelectOp::create(e, isNaN, f32Const(e, -kInf), guided);
    return arith::SelectOp::create(e, plain, lc, guided);
  }));
}

} // namespace

bool mlir::dec::isDecomposedProcessor(Operation *op) {
  return isa<FrequencyPenaltyOp, PresencePenaltyOp, AddBiasOp, AllowOp, SuppressIfOp, ForceOp,
             RemoveInfNanOp, LogSoftmaxOp, GuidanceOp>(op);
}

void mlir::dec::decomposeProcessor(Operation *op) {
  ImplicitLocOpBuilder b(op->getLoc(), op);
  llvm::TypeSwitch<Operation *>(op)
      .Case<FrequencyPenaltyOp, PresencePenaltyOp, AddBiasOp, AllowOp, SuppressIfOp, ForceOp,
            RemoveInfNanOp, LogSoftmaxOp, GuidanceOp>(
          [&](auto concrete) { decompose(concrete, b); });
  op->erase();
}
