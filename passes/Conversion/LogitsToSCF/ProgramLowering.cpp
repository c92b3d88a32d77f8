//===- ProgramLowering.cpp - row programs to loops ------------------------===//

#include "passes/Conversion/LogitsToSCF/ProgramLowering.h"
#include "passes/Conversion/LogitsToSCF/RadixSelect.h"

#include "dialects/Logits/LogitsDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

using namespace mlir;
using namespace mlir::dec;
using namespace mlir::logits;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {

class ProgramLowerer {
public:
  ProgramLowerer(Operation *program, KernelBuilder &k)
      : program(program), k(k), b(k.builder()), body(program->getRegion(0).front()) {
    logits = program->getOperand(0);
    inputs = isa<ChooseOp>(program) ? program->getOperands().drop_front(2)
                                    : program->getOperands().drop_front(1);
    batch = memref::DimOp::create(b, logits, 0);
    vocab = memref::DimOp::create(b, logits, 1);
  }

  LogicalResult run() {
    allocateScratch();
    LogicalResult result = success();
    k.forRange(k.index(0), batch, [&](Value row) {
      this->row = row;
      scalars.clear();
      bindInputs();
      for (Operation &op : body)
        if (failed(lower(op)))
          result = failure();
    });
    return result;
  }

private:
  //===--------------------------------------------------------------------===//
  // Scratch (allocated once, outside the row loop)
  //===--------------------------------------------------------------------===//

  void allocateScratch() {
    for (Operation &op : body) {
      if (isa<IdsCountOp>(op))
        scratch[&op] = memref::AllocaOp::create(
            b, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()), ValueRange{vocab});
      if (isa<KthLargestOp, MassBoundaryOp>(op) && !counts)
        counts = memref::AllocaOp::create(b, MemRefType::get({256}, b.getI32Type()));
      if (isa<MassBoundaryOp>(op) && !masses)
        masses = memref::AllocaOp::create(b, MemRefType::get({256}, b.getF64Type()));
    }
  }

  //===--------------------------------------------------------------------===//
  // Inputs of the current row
  //===--------------------------------------------------------------------===//

  void bindInputs() {
    for (auto [i, input] : llvm::enumerate(inputs)) {
      BlockArgument arg = body.getArgument(i + 1);
      auto memref = dyn_cast<MemRefType>(input.getType());
      if (isa<IdsType, BitsetType, RowType>(arg.getType()))
        continue; // read through rowBuffer() / idsList()
      if (!memref) {
        scalars.map(arg, input);
        continue;
      }
      scalars.map(arg, memref::LoadOp::create(b, input, ValueRange{row}).getResult());
    }
  }

  Value inputOf(BlockArgument arg) { return inputs[arg.getArgNumber() - 1]; }

  /// The buffer row an input of rank 2 contributes: `row`, or 0 when the
  /// buffer has a single row (shared by the batch).
  Value bufferRow(Value buffer) {
    Value rows = memref::DimOp::create(b, buffer, 0);
    Value single = arith::CmpIOp::create(b, CmpIPredicate::eq, rows, k.index(1));
    return arith::SelectOp::create(b, single, k.index(0), row);
  }

  //===--------------------------------------------------------------------===//
  // Row values: code for element v
  //===--------------------------------------------------------------------===//

  Value element(Value value, Value v) {
    if (auto arg = dyn_cast<BlockArgument>(value)) {
      if (arg.getOwner() == &body && arg.getArgNumber() == 0)
        return k.load(logits, row, v);
      Value buffer = inputOf(arg); // a [batch, V] f32 input
      return k.load(buffer, bufferRow(buffer), v);
    }
    Operation *def = value.getDefiningOp();
    return llvm::TypeSwitch<Operation *, Value>(def)
        .Case<IndexOp>([&](auto) {
          return arith::IndexCastUIOp::create(b, b.getI32Type(), v).getResult();
        })
        .Case<WeightsOp>([&](WeightsOp op) {
          return k.weight(element(op.getRow(), v), scalars.lookup(op.getMax()));
        })
        .Case<IdsCountOp>([&](IdsCountOp op) {
          return memref::LoadOp::create(b, scratch.lookup(op), ValueRange{v}).getResult();
        })
        .Case<BitsetTestOp>([&](BitsetTestOp op) {
          Value words = inputOf(cast<BlockArgument>(op.getBits()));
          Value w = arith::DivUIOp::create(b, v, k.index(32));
          Value word = memref::LoadOp::create(b, words, ValueRange{bufferRow(words), w});
          Value shift = arith::IndexCastUIOp::create(b, b.getI32Type(),
                                                     arith::RemUIOp::create(b, v, k.index(32)));
          Value bit = arith::AndIOp::create(b, arith::ShRUIOp::create(b, word, shift), k.i32(1));
          return arith::CmpIOp::create(b, CmpIPredicate::ne, bit, k.i32(0)).getResult();
        })
        .Case<MapOp>([&](MapOp op) {
          IRMapping mapping = scalars;
          Block &mapBody = op.getBody().front();
          for (auto [arg, rowValue] : llvm::zip(mapBody.getArguments(), op.getRows()))
            mapping.map(arg, element(rowValue, v));
          for (Operation &inner : mapBody.without_terminator())
            b.clone(inner, mapping);
          return mapping.lookup(cast<MapYieldOp>(mapBody.getTerminator()).getValue());
        })
        .Default([&](Operation *) -> Value {
          llvm_unreachable("not a row value");
        });
  }

  //===--------------------------------------------------------------------===//
  // Program operations
  //===--------------------------------------------------------------------===//

  LogicalResult lower(Operation &op) {
    return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
        .Case<IndexOp, MapOp, WeightsOp, BitsetTestOp>([](auto) { return success(); })
        .Case<IdsCountOp>([&](IdsCountOp op) { return lowerIdsCount(op); })
        .Case<ReduceOp>([&](ReduceOp op) { return lowerReduce(op); })
        .Case<KthLargestOp>([&](KthLargestOp op) {
          Value rank = arith::MaxSIOp::create(b, scalars.lookup(op.getK()), k.i64(1));
          Value vocab64 = arith::IndexCastOp::create(b, b.getI64Type(), vocab);
          rank = arith::MinSIOp::create(b, rank, vocab64);
          Value key = kthLargestKey(
              k, vocab, [&](Value v) { return element(op.getRow(), v); }, rank, counts);
          scalars.map(op.getResult(), valueOfKey(k, key));
          return success();
        })
        .Case<MassBoundaryOp>([&](MassBoundaryOp op) {
          Value key = massBoundaryKey(
              k, vocab, [&](Value v) { return element(op.getKeys(), v); },
              [&](Value v) { return element(op.getWeights(), v); },
              scalars.lookup(op.getBudget()), counts, masses);
          scalars.map(op.getResult(), valueOfKey(k, key));
          return success();
        })
        .Case<PhiloxOp>([&](PhiloxOp op) {
          scalars.map(op.getResult(), k.philoxUniform(scalars.lookup(op.getSeed()),
                                                      scalars.lookup(op.getStep())));
          return success();
        })
        .Case<SampleIndexOp>([&](SampleIndexOp op) { return lowerSampleIndex(op); })
        .Case<ExtractOp>([&](ExtractOp op) {
          // Read a clamped index (always in bounds), then replace the value
          // when the index was outside the row.
          Value index = scalars.lookup(op.getIndex());
          Value vocab32 = arith::IndexCastOp::create(b, b.getI32Type(), vocab);
          Value inRange = arith::AndIOp::create(
              b, arith::CmpIOp::create(b, CmpIPredicate::sge, index, k.i32(0)),
              arith::CmpIOp::create(b, CmpIPredicate::slt, index, vocab32));
          Value clamped = arith::SelectOp::create(b, inRange, index, k.i32(0));
          Value x = element(op.getRow(), arith::IndexCastUIOp::create(b, b.getIndexType(), clamped));
          Type t = x.getType();
          Value outside = t.isF32() ? k.f32(std::numeric_limits<float>::quiet_NaN())
                                    : arith::ConstantIntOp::create(b, t, 0).getResult();
          scalars.map(op.getResult(), arith::SelectOp::create(b, inRange, x, outside));
          return success();
        })
        .Case<YieldOp>([&](YieldOp op) { return lowerYield(op); })
        .Default([&](Operation *other) -> LogicalResult {
          if (other->getNumRegions() != 0 || isa<LogitsDialect>(other->getDialect()))
            return other->emitOpError("cannot be lowered inside a row program");
          b.clone(*other, scalars);
          return success();
        });
  }

  LogicalResult lowerIdsCount(IdsCountOp op) {
    Value counts = scratch.lookup(op);
    k.forRange(k.index(0), vocab,
               [&](Value v) { memref::StoreOp::create(b, k.i32(0), counts, ValueRange{v}); });
    Value ids = inputOf(cast<BlockArgument>(op.getIds()));
    auto type = cast<MemRefType>(ids.getType());
    Value length = memref::DimOp::create(b, ids, type.getRank() - 1);
    Value idsRow = type.getRank() == 2 ? bufferRow(ids) : Value();
    Value vocab32 = arith::IndexCastOp::create(b, b.getI32Type(), vocab);
    k.forRange(k.index(0), length, [&](Value j) {
      Value t = idsRow ? memref::LoadOp::create(b, ids, ValueRange{idsRow, j}).getResult()
                       : memref::LoadOp::create(b, ids, ValueRange{j}).getResult();
      Value nonNegative = arith::CmpIOp::create(b, CmpIPredicate::sge, t, k.i32(0));
      Value inVocab = arith::CmpIOp::create(b, CmpIPredicate::slt, t, vocab32);
      k.ifThen(arith::AndIOp::create(b, nonNegative, inVocab), [&] {
        Value at = arith::IndexCastUIOp::create(b, b.getIndexType(), t);
        Value c = memref::LoadOp::create(b, counts, ValueRange{at});
        memref::StoreOp::create(b, arith::AddIOp::create(b, c, k.i32(1)), counts, ValueRange{at});
      });
    });
    return success();
  }

  LogicalResult lowerReduce(ReduceOp op) {
    Value r = op.getRow();
    Value result;
    switch (op.getKind()) {
    case ReduceKind::Max:
    case ReduceKind::Min: {
      bool isMax = op.getKind() == ReduceKind::Max;
      Value init = isMax ? k.negInf()
                         : k.f32(std::numeric_limits<float>::infinity());
      result = k.forRange(k.index(0), vocab, {init}, [&](Value v, ValueRange acc) {
                  Value x = element(r, v);
                  Value next = isMax ? arith::MaxNumFOp::create(b, acc[0], x).getResult()
                                     : arith::MinNumFOp::create(b, acc[0], x).getResult();
                  return SmallVector<Value>{next};
                }).front();
      break;
    }
    case ReduceKind::Sum: {
      result = k.forRange(k.index(0), vocab, {k.f64(0.0)}, [&](Value v, ValueRange acc) {
                  Value x = arith::ExtFOp::create(b, b.getF64Type(), element(r, v));
                  return SmallVector<Value>{arith::AddFOp::create(b, acc[0], x)};
                }).front();
      if (op.getResult().getType().isF32())
        result = arith::TruncFOp::create(b, b.getF32Type(), result);
      break;
    }
    case ReduceKind::Argmax: {
      // Strictly greater keeps the first maximum; NaN never compares greater.
      result = k.forRange(k.index(0), vocab, {k.negInf(), k.i32(-1)},
                          [&](Value v, ValueRange acc) {
                            Value x = element(r, v);
                            Value better = arith::CmpFOp::create(b, CmpFPredicate::OGT, x, acc[0]);
                            Value id = arith::IndexCastUIOp::create(b, b.getI32Type(), v);
                            return SmallVector<Value>{
                                arith::SelectOp::create(b, better, x, acc[0]),
                                arith::SelectOp::create(b, better, id, acc[1])};
                          })[1];
      break;
    }
    case ReduceKind::Count: {
      result = k.forRange(k.index(0), vocab, {k.i32(0)}, [&](Value v, ValueRange acc) {
                  Value one = arith::ExtUIOp::create(b, b.getI32Type(), element(r, v));
                  return SmallVector<Value>{arith::AddIOp::create(b, acc[0], one)};
                }).front();
      break;
    }
    }
    scalars.map(op.getResult(), result);
    return success();
  }

  LogicalResult lowerSampleIndex(SampleIndexOp op) {
    Value weights = op.getWeights();
    Value mass = k.forRange(k.index(0), vocab, {k.f64(0.0)}, [&](Value v, ValueRange acc) {
                   Value w = arith::ExtFOp::create(b, b.getF64Type(), element(weights, v));
                   return SmallVector<Value>{arith::AddFOp::create(b, acc[0], w)};
                 }).front();
    Value u = arith::ExtFOp::create(b, b.getF64Type(), scalars.lookup(op.getU()));
    Value target = arith::MulFOp::create(b, u, mass);
    scalars.map(op.getResult(), k.sampleWalk(k.index(0), k.f64(0.0), vocab, target,
                                             [&](Value v) { return element(weights, v); }));
    return success();
  }

  LogicalResult lowerYield(YieldOp op) {
    Value value = op.getValue();
    if (auto choose = dyn_cast<ChooseOp>(program)) {
      memref::StoreOp::create(b, scalars.lookup(value), choose.getTokens(), ValueRange{row});
      return success();
    }
    // Every reduction the new row depends on is computed: write it in place
    // (element v reads only element v of the inputs).
    k.forRange(k.index(0), vocab, [&](Value v) { k.store(element(value, v), logits, row, v); });
    return success();
  }

  Operation *program;
  KernelBuilder &k;
  ImplicitLocOpBuilder &b;
  Block &body;
  Value logits, batch, vocab, row;
  ValueRange inputs;
  IRMapping scalars;
  DenseMap<Operation *, Value> scratch;
  Value counts, masses;
};

} // namespace

LogicalResult mlir::dec::lowerProgram(Operation *program, KernelBuilder &k) {
  return ProgramLowerer(program, k).run();
}
