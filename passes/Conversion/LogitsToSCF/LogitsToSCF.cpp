//===- LogitsToSCF.cpp - logits operations to loops -----------------------===//
//
// The reference lowering of the logits dialect: each operation becomes a loop
// over rows and, per row, a constant number of passes over the vocabulary.
// The semantics implemented here are the ones documented in LogitsOps.td;
// fused kernels (a later pass) are tested against this lowering.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LogitsToSCF/KernelBuilder.h"
#include "passes/Conversion/LogitsToSCF/ProgramLowering.h"
#include "passes/Conversion/LogitsToSCF/RadixSelect.h"
#include "passes/Passes.h"
#include "passes/Transforms/LogitsDecomposeProcessors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

namespace mlir::dec {
#define GEN_PASS_DEF_CONVERTLOGITSTOSCF
#include "passes/Passes.h.inc"
} // namespace mlir::dec

using namespace mlir;
using namespace mlir::dec;

namespace {

using arith::CmpFPredicate;
using arith::CmpIPredicate;

/// Common shape queries and the per-row loop.
struct RowKernel {
  KernelBuilder &k;
  ImplicitLocOpBuilder &b;
  Value logits, batch, vocab;

  RowKernel(KernelBuilder &k, Value logits)
      : k(k), b(k.builder()), logits(logits),
        batch(memref::DimOp::create(k.builder(), logits, 0)),
        vocab(memref::DimOp::create(k.builder(), logits, 1)) {}

  void forEachRow(llvm::function_ref<void(Value row)> body) {
    k.forRange(k.index(0), batch, body);
  }
  /// l[row, v] = f(l[row, v]) for every v.
  void mapRow(Value row, llvm::function_ref<Value(Value v, Value l)> f) {
    k.forRange(k.index(0), vocab, [&](Value v) { k.store(f(v, k.load(logits, row, v)), logits, row, v); });
  }
  /// l[row, v] = -inf where key(l[row, v]) < threshold (unsigned).
  void dropBelowKey(Value row, Value threshold) {
    Value negInf = k.negInf();
    mapRow(row, [&](Value, Value l) {
      Value below = arith::CmpIOp::create(b, CmpIPredicate::ult, k.orderedKey(l), threshold);
      return arith::SelectOp::create(b, below, negInf, l).getResult();
    });
  }
};

//===----------------------------------------------------------------------===//
// Lowerings, one per operation
//===----------------------------------------------------------------------===//

void lower(logits::TemperatureOp op, KernelBuilder &k) {
  RowKernel rk(k, op.getLogits());
  rk.forEachRow([&](Value row) {
    rk.mapRow(row, [&](Value, Value l) {
      return arith::DivFOp::create(k.builder(), l, op.getTemperature()).getResult();
    });
  });
}

void lower(logits::TopKOp op, KernelBuilder &k) {
  ImplicitLocOpBuilder &b = k.builder();
  RowKernel rk(k, op.getLogits());
  Value vocab = arith::IndexCastOp::create(b, b.getI64Type(), rk.vocab);
  // Like HF (max(top_k, min_tokens_to_keep)), a run-time k below 1 keeps one.
  Value rank = arith::MaxSIOp::create(b, op.getK(), k.i64(1));
  Value active = arith::CmpIOp::create(b, CmpIPredicate::slt, rank, vocab);
  k.ifThen(active, [&] {
    // Scratch is allocated once, outside the row loop (allocas in loops grow the stack).
    Value counts = memref::AllocaOp::create(b, MemRefType::get({256}, b.getI32Type()));
    rk.forEachRow([&](Value row) {
      rk.dropBelowKey(row, kthLargestKey(k, rk.vocab, [&](Value v) { return k.load(rk.logits, row, v); },
                                          rank, counts));
    });
  });
}

void lower(logits::TopPOp op, KernelBuilder &k) {
  ImplicitLocOpBuilder &b = k.builder();
  RowKernel rk(k, op.getLogits());
  Value active = arith::CmpFOp::create(b, CmpFPredicate::ULT, op.getP(), k.f32(1.0f));
  k.ifThen(active, [&] {
    Value counts = memref::AllocaOp::create(b, MemRefType::get({256}, b.getI32Type()));
    Value masses = memref::AllocaOp::create(b, MemRefType::get({256}, b.getF64Type()));
    rk.forEachRow([&](Value row) {
      Value max = k.rowMax(rk.logits, row, rk.vocab);
      Value hasNumber = arith::CmpFOp::create(b, CmpFPredicate::OGT, max, k.negInf());
      k.ifThen(hasNumber, [&] {
        Value mass = k.rowMass(rk.logits, row, rk.vocab, max);
        Value p = arith::ExtFOp::create(b, b.getF64Type(), op.getP());
        // A run-time p <= 0 (or NaN) keeps only the most likely tokens, as HF's
        // min_tokens_to_keep = 1 does: the budget stays above the empty mass.
        Value budget = arith::MaxNumFOp::create(b, arith::MulFOp::create(b, p, mass),
                                                k.f64(std::numeric_limits<double>::min()));
        rk.dropBelowKey(row, massBoundaryKey(
                                  k, rk.vocab, [&](Value v) { return k.load(rk.logits, row, v); },
                                  [&](Value v) { return k.weight(k.load(rk.logits, row, v), max); },
                                  budget, counts, masses));
      });
    });
  });
}

void lower(logits::MinPOp op, KernelBuilder &k) {
  ImplicitLocOpBuilder &b = k.builder();
  RowKernel rk(k, op.getLogits());
  rk.forEachRow([&](Value row) {
    Value max = k.rowMax(rk.logits, row, rk.vocab);
    Value negInf = k.negInf();
    rk.mapRow(row, [&](Value, Value l) {
      // NaN weighs 0, so it is removed whenever p > 0.
      Value w = k.weight(l, max);
      Value keep = arith::CmpFOp::create(b, CmpFPredicate::OGE, w, op.getP());
      return arith::SelectOp::create(b, keep, l, negInf).getResult();
    });
  });
}

void lower(logits::RepetitionPenaltyOp op, KernelBuilder &k) {
  ImplicitLocOpBuilder &b = k.builder();
  RowKernel rk(k, op.getLogits());
  Value history = op.getHistory();
  Value length = memref::DimOp::create(b, history, 1);
  // One bit per vocabulary entry marks tokens already penalised, so that a
  // token occurring several times is penalised once.
  Value words = arith::DivUIOp::create(b, arith::AddIOp::create(b, rk.vocab, k.index(31)), k.index(32));
  Value seen = memref::AllocaOp::create(b, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()),
                                        ValueRange{words});
  Value vocab32 = arith::IndexCastOp::create(b, b.getI32Type(), rk.vocab);
  rk.forEachRow([&](Value row) {
    k.forRange(k.index(0), words, [&](Value w) { memref::StoreOp::create(b, k.i32(0), seen, w); });
    k.forRange(k.index(0), length, [&](Value j) {
      Value t = memref::LoadOp::create(b, history, ValueRange{row, j});
      Value nonNegative = arith::CmpIOp::create(b, CmpIPredicate::sge, t, k.i32(0));
      Value inVocab = arith::CmpIOp::create(b, CmpIPredicate::slt, t, vocab32);
      k.ifThen(arith::AndIOp::create(b, nonNegative, inVocab), [&] {
        Value w = arith::IndexCastUIOp::create(b, b.getIndexType(),
                                               arith::ShRUIOp::create(b, t, k.i32(5)));
        Value bit = arith::ShLIOp::create(b, k.i32(1), arith::AndIOp::create(b, t, k.i32(31)));
        Value word = memref::LoadOp::create(b, seen, w);
        Value already = arith::CmpIOp::create(b, CmpIPredicate::ne,
                                              arith::AndIOp::create(b, word, bit), k.i32(0));
        k.ifThen(arith::XOrIOp::create(b, already, k.i1(true)), [&] {
          memref::StoreOp::create(b, arith::OrIOp::create(b, word, bit), seen, w);
          Value v = arith::IndexCastUIOp::create(b, b.getIndexType(), t);
          Value l = k.load(rk.logits, row, v);
          Value negative = arith::CmpFOp::create(b, CmpFPredicate::OLT, l, k.f32(0.0f));
          Value scaled = arith::SelectOp::create(b, negative,
                                                 arith::MulFOp::create(b, l, op.getPenalty()),
                                                 arith::DivFOp::create(b, l, op.getPenalty()));
          k.store(scaled, rk.logits, row, v);
        });
      });
    });
  });
}

void lower(logits::SuppressOp op, KernelBuilder &k) {
  ImplicitLocOpBuilder &b = k.builder();
  RowKernel rk(k, op.getLogits());
  Value tokens = op.getTokens();
  Value count = memref::DimOp::create(b, tokens, 0);
  Value vocab32 = arith::IndexCastOp::create(b, b.getI32Type(), rk.vocab);
  rk.forEachRow([&](Value row) {
    k.forRange(k.index(0), count, [&](Value i) {
      Value t = memref::LoadOp::create(b, tokens, i);
      Value nonNegative = arith::CmpIOp::create(b, CmpIPredicate::sge, t, k.i32(0));
      Value inVocab = arith::CmpIOp::create(b, CmpIPredicate::slt, t, vocab32);
      k.ifThen(arith::AndIOp::create(b, nonNegative, inVocab), [&] {
        k.store(k.negInf(), rk.logits, row, arith::IndexCastUIOp::create(b, b.getIndexType(), t));
      });
    });
  });
}

void lower(logits::MaskOp op, KernelBuilder &k) {
  ImplicitLocOpBuilder &b = k.builder();
  RowKernel rk(k, op.getLogits());
  Value allowed = op.getAllowed();
  rk.forEachRow([&](Value row) {
    Value negInf = k.negInf();
    rk.mapRow(row, [&](Value v, Value l) {
      Value w = arith::DivUIOp::create(b, v, k.index(32));
      Value word = memref::LoadOp::create(b, allowed, ValueRange{row, w});
      Value shift = arith::IndexCastUIOp::create(
          b, b.getI32Type(), arith::RemUIOp::create(b, v, k.index(32)));
      Value bit = arith::AndIOp::create(b, arith::ShRUIOp::create(b, word, shift), k.i32(1));
      Value isAllowed = arith::CmpIOp::create(b, CmpIPredicate::ne, bit, k.i32(0));
      return arith::SelectOp::create(b, isAllowed, l, negInf).getResult();
    });
  });
}

void lower(logits::SoftmaxOp op, KernelBuilder &k) {
  ImplicitLocOpBuilder &b = k.builder();
  RowKernel rk(k, op.getLogits());
  rk.forEachRow([&](Value row) {
    Value max = k.rowMax(rk.logits, row, rk.vocab);
    Value hasNumber = arith::CmpFOp::create(b, CmpFPredicate::OGT, max, k.negInf());
    Value mass = k.rowMass(rk.logits, row, rk.vocab, max);
    Value inverse = arith::DivFOp::create(b, k.f32(1.0f), arith::TruncFOp::create(b, b.getF32Type(), mass));
    rk.mapRow(row, [&](Value, Value l) {
      Value p = arith::MulFOp::create(b, k.weight(l, max), inverse);
      return arith::SelectOp::create(b, hasNumber, p, k.f32(0.0f)).getResult();
    });
  });
}

void lower(logits::ArgmaxOp op, KernelBuilder &k) {
  ImplicitLocOpBuilder &b = k.builder();
  RowKernel rk(k, op.getLogits());
  rk.forEachRow([&](Value row) {
    // Strictly greater keeps the first maximum; NaN never compares greater.
    SmallVector<Value> best = k.forRange(
        k.index(0), rk.vocab, {k.negInf(), k.i32(-1)}, [&](Value v, ValueRange acc) {
          Value l = k.load(rk.logits, row, v);
          Value better = arith::CmpFOp::create(b, CmpFPredicate::OGT, l, acc[0]);
          Value id = arith::IndexCastUIOp::create(b, b.getI32Type(), v);
          return SmallVector<Value>{arith::SelectOp::create(b, better, l, acc[0]),
                                    arith::SelectOp::create(b, better, id, acc[1])};
        });
    memref::StoreOp::create(b, best[1], op.getTokens(), row);
  });
}

void lower(logits::SampleOp op, KernelBuilder &k) {
  ImplicitLocOpBuilder &b = k.builder();
  RowKernel rk(k, op.getLogits());
  rk.forEachRow([&](Value row) {
    Value max = k.rowMax(rk.logits, row, rk.vocab);
    Value hasNumber = arith::CmpFOp::create(b, CmpFPredicate::OGT, max, k.negInf());
    Value token = k.ifThenElse(
        hasNumber, {b.getI32Type()},
        [&]() -> SmallVector<Value> {
          Value mass = k.rowMass(rk.logits, row, rk.vocab, max);
          Value seed = memref::LoadOp::create(b, op.getSeeds(), row);
          Value u = arith::ExtFOp::create(b, b.getF64Type(), k.philoxUniform(seed, op.getStep()));
          Value target = arith::MulFOp::create(b, u, mass);
          // Walk the running sum until it passes the target. Carried: v, sum,
          // last token with positive weight (the answer if rounding leaves the
          // target unreached).
          Type idx = b.getIndexType(), f64 = b.getF64Type(), i1 = b.getI1Type();
          auto walk = scf::WhileOp::create(b, TypeRange{idx, f64, idx, i1},
                                           ValueRange{k.index(0), k.f64(0.0), k.index(0)});
          // Before: scf.while's builder does not create the regions' blocks.
          Block *before = b.createBlock(&walk.getBefore(), {}, {idx, f64, idx},
                                        {b.getLoc(), b.getLoc(), b.getLoc()});
          {
            Value v = before->getArgument(0), sum = before->getArgument(1);
            Value last = before->getArgument(2);
            Value inRange = arith::CmpIOp::create(b, CmpIPredicate::ult, v, rk.vocab);
            Value clamped = arith::MinUIOp::create(b, v, arith::SubIOp::create(b, rk.vocab, k.index(1)));
            Value w32 = k.weight(k.load(rk.logits, row, clamped), max);
            Value w = arith::SelectOp::create(b, inRange, arith::ExtFOp::create(b, f64, w32), k.f64(0.0));
            Value next = arith::AddFOp::create(b, sum, w);
            Value positive = arith::CmpFOp::create(b, CmpFPredicate::OGT, w, k.f64(0.0));
            Value passes = arith::CmpFOp::create(b, CmpFPredicate::OGT, next, target);
            Value hit = arith::AndIOp::create(b, positive, passes);
            Value newLast = arith::SelectOp::create(b, positive, v, last);
            Value goOn = arith::AndIOp::create(b, inRange, arith::XOrIOp::create(b, hit, k.i1(true)));
            scf::ConditionOp::create(b, goOn, ValueRange{v, next, newLast, hit});
          }
          Block *after = b.createBlock(&walk.getAfter(), {}, {idx, f64, idx, i1},
                                       {b.getLoc(), b.getLoc(), b.getLoc(), b.getLoc()});
          {
            Value v = arith::AddIOp::create(b, after->getArgument(0), k.index(1));
            scf::YieldOp::create(b, ValueRange{v, after->getArgument(1), after->getArgument(2)});
          }
          b.setInsertionPointAfter(walk);
          Value chosen = arith::SelectOp::create(b, walk.getResult(3), walk.getResult(0), walk.getResult(2));
          return {arith::IndexCastUIOp::create(b, b.getI32Type(), chosen)};
        },
        [&]() -> SmallVector<Value> { return {k.i32(-1)}; })
                      .front();
    memref::StoreOp::create(b, token, op.getTokens(), row);
  });
}

struct ConvertLogitsToSCFPass
    : public mlir::dec::impl::ConvertLogitsToSCFBase<ConvertLogitsToSCFPass> {
  void runOnOperation() override {
    // Processors defined by their decomposition are lowered as that program.
    SmallVector<Operation *> processors;
    getOperation()->walk([&](Operation *op) {
      if (isDecomposedProcessor(op))
        processors.push_back(op);
    });
    for (Operation *op : processors)
      decomposeProcessor(op);

    SmallVector<Operation *> ops;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<logits::TransformOp, logits::ChooseOp>(op)) {
        ops.push_back(op);
        return WalkResult::skip(); // its body is the program, lowered with it
      }
      if (isa<logits::LogitsDialect>(op->getDialect()))
        ops.push_back(op);
      return WalkResult::advance();
    });
    for (Operation *op : ops) {
      ImplicitLocOpBuilder b(op->getLoc(), op);
      KernelBuilder k(b);
      llvm::TypeSwitch<Operation *>(op)
          .Case<logits::TemperatureOp, logits::TopKOp, logits::TopPOp, logits::MinPOp,
                logits::RepetitionPenaltyOp, logits::SuppressOp, logits::MaskOp,
                logits::SoftmaxOp, logits::ArgmaxOp, logits::SampleOp>(
              [&](auto concrete) { lower(concrete, k); })
          .Case<logits::TransformOp, logits::ChooseOp>([&](Operation *program) {
            if (failed(lowerProgram(program, k)))
              signalPassFailure();
          })
          .Default([&](Operation *unknown) {
            unknown->emitOpError("has no lowering to loops");
            signalPassFailure();
          });
      op->erase();
    }
  }
};

} // namespace
