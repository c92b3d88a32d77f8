//===- LogitsDecompose.cpp - built-in logits ops as row programs ----------===//
//
// Each rewrite states the operation's semantics (LogitsOps.td) in row
// primitives; `convert-logits-to-scf` lowers both forms, and the kernel tests
// check that they agree bit for bit.
//
//===----------------------------------------------------------------------===//

#include "dialects/Logits/ProgramBuilder.h"
#include "passes/Passes.h"
#include "passes/Transforms/LogitsDecomposeProcessors.h"

#include "llvm/ADT/TypeSwitch.h"

#include <limits>

namespace mlir::dec {
#define GEN_PASS_DEF_LOGITSDECOMPOSE
#include "passes/Passes.h.inc"
} // namespace mlir::dec

using namespace mlir;
using namespace mlir::logits;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {

using Body = ImplicitLocOpBuilder;

/// x >= t, or t is NaN (fewer than k numbers: everything is kept).
Value atLeastThreshold(Body &b, Value x, Value t) {
  Value ge = arith::CmpFOp::create(b, CmpFPredicate::OGE, x, t);
  Value tIsNaN = arith::CmpFOp::create(b, CmpFPredicate::UNO, t, t);
  return arith::OrIOp::create(b, ge, tIsNaN);
}

void decompose(TemperatureOp op, ImplicitLocOpBuilder &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), op.getTemperature(), b.getF32Type());
  Value t = p.input(0);
  p.yieldRow(p.map(b.getF32Type(), p.row(), [&](Body &e, ValueRange x) -> Value {
    return arith::DivFOp::create(e, x[0], t);
  }));
}

void decompose(TopKOp op, ImplicitLocOpBuilder &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), op.getK(), b.getI64Type());
  Value tau = p.kthLargest(p.row(), p.input(0));
  p.yieldRow(p.filter(p.row(), {}, [&](Body &e, Value x, ValueRange) {
    return atLeastThreshold(e, x, tau);
  }));
}

void decompose(TopPOp op, ImplicitLocOpBuilder &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), op.getP(), b.getF32Type());
  Body &s = p.builder();
  Value prob = p.input(0);
  Value max = p.max(p.row());
  Value w = p.weights(p.row(), max);
  Value mass = p.reduce(ReduceKind::Sum, w, s.getF64Type());
  // A run-time p <= 0 (or NaN) keeps only the most likely tokens (HF's
  // min_tokens_to_keep = 1): the budget stays above an empty mass.
  Value share = arith::MulFOp::create(s, arith::ExtFOp::create(s, s.getF64Type(), prob), mass);
  Value budget =
      arith::MaxNumFOp::create(s, share, p.f64(std::numeric_limits<double>::min()));
  Value tau = p.massBoundary(p.row(), w, budget);
  // p >= 1 keeps the row as it is (tokens of weight 0 included).
  Value whole = arith::CmpFOp::create(s, CmpFPredicate::OGE, prob, p.f32(1.0));
  p.yieldRow(p.filter(p.row(), {}, [&](Body &e, Value x, ValueRange) -> Value {
    return arith::OrIOp::create(e, whole, atLeastThreshold(e, x, tau));
  }));
}

void decompose(MinPOp op, ImplicitLocOpBuilder &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), op.getP(), b.getF32Type());
  Value prob = p.input(0);
  Value w = p.weights(p.row(), p.max(p.row()));
  p.yieldRow(p.filter(p.row(), w, [&](Body &e, Value, ValueRange o) -> Value {
    return arith::CmpFOp::create(e, CmpFPredicate::OGE, o[0], prob);
  }));
}

void decompose(RepetitionPenaltyOp op, ImplicitLocOpBuilder &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), {op.getHistory(), op.getPenalty()},
                                     {IdsType::get(b.getContext()), b.getF32Type()});
  Value r = p.input(1);
  Value seen = p.idsCount(p.input(0));
  p.yieldRow(p.map(b.getF32Type(), {p.row(), seen}, [&](Body &e, ValueRange a) -> Value {
    Value x = a[0];
    Value zeroCount = arith::ConstantIntOp::create(e, e.getI32Type(), 0);
    Value present = arith::CmpIOp::create(e, CmpIPredicate::sgt, a[1], zeroCount);
    Value zero = arith::ConstantFloatOp::create(e, e.getF32Type(), APFloat(0.0f));
    Value negative = arith::CmpFOp::create(e, CmpFPredicate::OLT, x, zero);
    Value scaled = arith::SelectOp::create(e, negative, arith::MulFOp::create(e, x, r),
                                           arith::DivFOp::create(e, x, r));
    return arith::SelectOp::create(e, present, scaled, x);
  }));
}

void decompose(SuppressOp op, ImplicitLocOpBuilder &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), op.getTokens(), IdsType::get(b.getContext()));
  Value listed = p.idsCount(p.input(0));
  p.yieldRow(p.filter(p.row(), listed, [&](Body &e, Value, ValueRange o) -> Value {
    Value zero = arith::ConstantIntOp::create(e, e.getI32Type(), 0);
    return arith::CmpIOp::create(e, CmpIPredicate::eq, o[0], zero);
  }));
}

void decompose(MaskOp op, ImplicitLocOpBuilder &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), op.getAllowed(),
                                     BitsetType::get(b.getContext()));
  Value allowed = p.bitsetTest(p.input(0));
  p.yieldRow(p.filter(p.row(), allowed, [&](Body &, Value, ValueRange o) { return o[0]; }));
}

void decompose(SoftmaxOp op, ImplicitLocOpBuilder &b) {
  auto p = ProgramBuilder::transform(b, op.getLogits(), {}, {});
  Body &s = p.builder();
  Value max = p.max(p.row());
  Value w = p.weights(p.row(), max);
  Value mass = p.reduce(ReduceKind::Sum, w, s.getF64Type());
  Value inverse =
      arith::DivFOp::create(s, p.f32(1.0), arith::TruncFOp::create(s, s.getF32Type(), mass));
  // A row without an entry above -inf has no mass: all zeros, not 0 * inf.
  Value hasNumber = arith::CmpFOp::create(
      s, CmpFPredicate::OGT, max, p.f32(-std::numeric_limits<float>::infinity()));
  p.yieldRow(p.map(b.getF32Type(), w, [&](Body &e, ValueRange a) -> Value {
    Value scaled = arith::MulFOp::create(e, a[0], inverse);
    Value zero = arith::ConstantFloatOp::create(e, e.getF32Type(), APFloat(0.0f));
    return arith::SelectOp::create(e, hasNumber, scaled, zero);
  }));
}

void decompose(ArgmaxOp op, ImplicitLocOpBuilder &b) {
  auto p = ProgramBuilder::choose(b, op.getLogits(), op.getTokens(), {}, {});
  p.yieldToken(p.reduce(ReduceKind::Argmax, p.row(), b.getI32Type()));
}

void decompose(SampleOp op, ImplicitLocOpBuilder &b) {
  auto p = ProgramBuilder::choose(b, op.getLogits(), op.getTokens(), {op.getSeeds(), op.getStep()},
                                  {b.getI64Type(), b.getI64Type()});
  Body &s = p.builder();
  Value w = p.weights(p.row(), p.max(p.row()));
  Value u = PhiloxOp::create(s, s.getF32Type(), p.input(0), p.input(1));
  p.yieldToken(SampleIndexOp::create(s, s.getI32Type(), w, u));
}

struct LogitsDecomposePass : public mlir::dec::impl::LogitsDecomposeBase<LogitsDecomposePass> {
  void runOnOperation() override {
    SmallVector<Operation *> builtins;
    getOperation()->walk([&](Operation *op) {
      if (isa<TemperatureOp, TopKOp, TopPOp, MinPOp, RepetitionPenaltyOp, SuppressOp, MaskOp,
              SoftmaxOp, ArgmaxOp, SampleOp>(op) ||
          mlir::dec::isDecomposedProcessor(op))
        builtins.push_back(op);
    });
    for (Operation *op : builtins) {
      if (mlir::dec::isDecomposedProcessor(op)) {
        mlir::dec::decomposeProcessor(op); // LogitsDecomposeProcessors.cpp
        continue;
      }
      ImplicitLocOpBuilder b(op->getLoc(), op);
      llvm::TypeSwitch<Operation *>(op)
          .Case<TemperatureOp, TopKOp, TopPOp, MinPOp, RepetitionPenaltyOp, SuppressOp, MaskOp,
                SoftmaxOp, ArgmaxOp, SampleOp>([&](auto concrete) { decompose(concrete, b); });
      op->erase();
    }
  }
};

} // namespace
