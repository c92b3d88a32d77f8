//===- LogitsToVector.cpp - row programs to vectorized loops --------------===//
//
// The fast lowering of row programs (after logits-decompose / logits-fuse).
// Per row:
//  * reductions whose inputs are ready are computed together in one
//    vectorized pass over the vocabulary (a pass starts only when a later step
//    needs its results); row values are recomputed inside each pass from the
//    logits, never stored; a transform writes its result in one final pass;
//  * candidates: a filter (`select(cond, x, -inf)`) that a reduction needs is
//    compacted once into the list of its entries that are not -inf, and every
//    reduction, search and sampling walk over it (or over rows derived from it,
//    e.g. its weights) then runs over that list instead of the vocabulary;
//  * top-k with a constant k bounds its threshold from below by block maxima
//    (one streaming pass), then re-reads only the blocks that can hold
//    entries above the bound into a small candidate buffer, which is the
//    candidate list of the top-k filter — so after a top-k the whole rest of
//    a sampler costs O(k).
// exp and log use MLIR's polynomial approximations so that they vectorize;
// the results may differ from the scalar reference lowering
// (convert-logits-to-scf) in the last bits, and so may f64 sums of dense
// passes (their order). Sums over candidates run in token order.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LogitsToSCF/RadixSelect.h"
#include "passes/Conversion/LogitsToVector/RowEmitter.h"
#include "passes/Passes.h"

#include "dialects/Logits/LogitsDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

namespace mlir::dec {
#define GEN_PASS_DEF_CONVERTLOGITSTOVECTOR
#include "passes/Passes.h.inc"
} // namespace mlir::dec

using namespace mlir;
using namespace mlir::dec;
using namespace mlir::logits;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {

class VectorLowerer {
public:
  VectorLowerer(Operation *program, KernelBuilder &k, unsigned width)
      : program(program), k(k), b(k.builder()), body(program->getRegion(0).front()),
        width(width), logits(program->getOperand(0)),
        vocab(memref::DimOp::create(b, logits, 1)),
        emit(program, k, vocab, scalars, scratch, presence) {}

  LogicalResult run() {
    Value batch = memref::DimOp::create(b, logits, 0);
    allocateScratch();
    LogicalResult result = success();
    auto loop = scf::ForOp::create(b, k.index(0), batch, k.index(1));
    rowLoop = loop;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    row = loop.getInductionVar();
    emit.setRow(row);
    bindInputs();
    for (Operation &op : body)
      if (failed(lower(op)))
        result = failure();
    return result;
  }

  Operation *rowLoop = nullptr;

private:
  //===--------------------------------------------------------------------===//
  // Setup
  //===--------------------------------------------------------------------===//

  void allocateScratch() {
    for (Operation &op : body) {
      if (isa<SampleIndexOp>(op))
        blockSums[&op] = memref::AllocaOp::create(
            b, MemRefType::get({ShapedType::kDynamic}, b.getF64Type()),
            ValueRange{arith::AddIOp::create(b, arith::DivUIOp::create(b, vocab, k.index(width * width)),
                                             k.index(1))});
      if (isa<IdsCountOp>(op)) {
        // A program that only asks whether a token is listed (the repetition
        // penalty) needs the bitset alone: no table, no scattered stores.
        scratch[&op] = onlyTestedForPresence(cast<IdsCountOp>(op))
                           ? Value()
                           : memref::AllocaOp::create(
                                 b, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()),
                                 ValueRange{vocab});
        Value words = arith::DivUIOp::create(b, arith::AddIOp::create(b, vocab, k.index(31)), k.index(32));
        presence[&op] = memref::AllocaOp::create(
            b, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()), ValueRange{words});
      }
      if (isa<KthLargestOp, MassBoundaryOp>(op) && !counts)
        counts = memref::AllocaOp::create(b, MemRefType::get({256}, b.getI32Type()));
      if (isa<MassBoundaryOp>(op) && !masses)
        masses = memref::AllocaOp::create(b, MemRefType::get({256}, b.getF64Type()));
      if (auto map = dyn_cast<MapOp>(op); map && isFilter(map))
        filterBuffers[&op] = memref::AllocaOp::create(
            b, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()), ValueRange{vocab});
      if (auto kth = dyn_cast<KthLargestOp>(op)) {
        if (!counts)
          counts = memref::AllocaOp::create(b, MemRefType::get({256}, b.getI32Type()));
        if (std::optional<int64_t> kValue = streamingK(kth)) {
          int64_t capacity = streamingCapacity(*kValue);
          kthBuffers[&op] = {memref::AllocaOp::create(b, MemRefType::get({capacity}, b.getI32Type())),
                             memref::AllocaOp::create(b, MemRefType::get({capacity}, b.getF32Type()))};
          // Block maxima: at most V / width; group maxima: fewer than
          // 4k + width (see lowerStreamingKth).
          Value blockMaxima = arith::AddIOp::create(
              b, arith::DivUIOp::create(b, vocab, k.index(width)), k.index(width));
          auto floats = MemRefType::get({ShapedType::kDynamic}, b.getF32Type());
          Value groupMaxima = memref::AllocaOp::create(
              b, MemRefType::get({4 * *kValue + width}, b.getF32Type()));
          kthBounds[&op] = {memref::AllocaOp::create(b, floats, ValueRange{blockMaxima}),
                            memref::CastOp::create(b, floats, groupMaxima)};
        }
      }
    }
  }

  /// Whether every use of the counts is a `count > 0` (or `!= 0`) test in a
  /// map body, so that the presence bitset answers it.
  static bool onlyTestedForPresence(IdsCountOp op) {
    for (OpOperand &use : op.getResult().getUses()) {
      auto map = dyn_cast<MapOp>(use.getOwner());
      if (!map)
        return false;
      BlockArgument arg = map.getBody().front().getArgument(use.getOperandNumber());
      for (Operation *user : arg.getUsers()) {
        auto cmp = dyn_cast<arith::CmpIOp>(user);
        if (!cmp || cmp.getLhs() != arg || !matchPattern(cmp.getRhs(), m_Zero()) ||
            (cmp.getPredicate() != CmpIPredicate::sgt && cmp.getPredicate() != CmpIPredicate::ne &&
             cmp.getPredicate() != CmpIPredicate::ugt))
          return false;
      }
    }
    return true;
  }

  void bindInputs() {
    for (BlockArgument arg : body.getArguments().drop_front()) {
      if (isa<IdsType, BitsetType, RowType>(arg.getType()))
        continue;
      Value input = emit.inputOf(arg);
      if (isa<MemRefType>(input.getType()))
        scalars.map(arg, memref::LoadOp::create(b, input, ValueRange{row}).getResult());
      else
        scalars.map(arg, input);
    }
  }

  //===--------------------------------------------------------------------===//
  // Pending reductions: computed together, when first needed
  //===--------------------------------------------------------------------===//

  /// Whether computing `value` (row or scalar) needs a pending reduction.
  bool needsPending(Value value) {
    if (pendingResults.contains(value))
      return true;
    Operation *def = value.getDefiningOp();
    if (!def || def->getParentRegion() != &program->getRegion(0) || scalars.contains(value))
      return false;
    if (!isa<RowType>(value.getType()))
      return false; // a scalar not yet computed would be an ordering bug
    bool needs = false;
    for (Value operand : def->getOperands())
      needs |= needsPending(operand);
    if (auto map = dyn_cast<MapOp>(def))
      map.getBody().walk([&](Operation *inner) {
        for (Value operand : inner->getOperands())
          if (!map.getBody().isAncestor(operand.getParentRegion()))
            needs |= needsPending(operand);
      });
    return needs;
  }

  void flushIfNeeded(ValueRange values) {
    if (llvm::any_of(values, [&](Value v) { return needsPending(v); }))
      flush();
  }

  /// One vectorized pass computing every pending reduction.
  void flush() {
    if (pending.empty())
      return;
    Lanes full{width, Value()};
    // Accumulators: two for argmax (value, index), one otherwise.
    SmallVector<Value> init;
    for (ReduceOp op : pending)
      llvm::append_range(init, initialAccumulators(op.getKind(), full));
    Value tail = arith::RemUIOp::create(b, vocab, k.index(width));
    Value mainEnd = arith::SubIOp::create(b, vocab, tail);
    // Without an argmax (whose lanes must keep the first maximum), the pass
    // keeps kChains sets of accumulators over interleaved vectors: one set
    // would chain every vector on the latency of maxnumf (3 instructions on
    // x86) or of an f64 add. Max and min are exact in any order; sums in f64
    // change in the last bits.
    bool chained = llvm::none_of(pending, [](ReduceOp op) { return op.getKind() == ReduceKind::Argmax; });
    SmallVector<Value> accs0(init);
    Value start = k.index(0);
    if (chained) {
      Value stride = k.index(width * kChains);
      Value chainedEnd = arith::SubIOp::create(b, vocab, arith::RemUIOp::create(b, vocab, stride));
      SmallVector<Value> chainInit;
      for (int64_t c = 0; c < kChains; ++c)
        llvm::append_range(chainInit, init);
      SmallVector<Value> chains = k.forRange(
          k.index(0), chainedEnd, chainInit,
          [&](Value v, ValueRange acc) {
            SmallVector<Value> next;
            for (int64_t c = 0; c < kChains; ++c)
              llvm::append_range(
                  next, accumulate(arith::AddIOp::create(b, v, k.index(c * width)),
                                   acc.slice(c * init.size(), init.size()), full));
            return next;
          },
          stride);
      // No argmax: one accumulator per pending reduction.
      for (auto [i, op] : llvm::enumerate(pending)) {
        accs0[i] = chains[i];
        for (int64_t c = 1; c < kChains; ++c)
          accs0[i] = combineAccumulators(op.getKind(), accs0[i], chains[c * init.size() + i]);
      }
      start = chainedEnd;
    }
    auto loop = scf::ForOp::create(b, start, mainEnd, k.index(width), accs0);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(loop.getBody());
      SmallVector<Value> next = accumulate(loop.getInductionVar(), loop.getRegionIterArgs(), full);
      scf::YieldOp::create(b, next);
    }
    // The last, partial vector: masked lanes contribute the neutral element.
    Value hasTail = arith::CmpIOp::create(b, CmpIPredicate::ne, tail, k.index(0));
    SmallVector<Type> types(TypeRange(loop.getResultTypes()));
    SmallVector<Value> accs = k.ifThenElse(
        hasTail, types,
        [&]() -> SmallVector<Value> {
          Value mask = vector::CreateMaskOp::create(
              b, VectorType::get({width}, b.getI1Type()), ValueRange{tail});
          return accumulate(mainEnd, loop.getResults(), Lanes{width, mask});
        },
        [&]() -> SmallVector<Value> { return SmallVector<Value>(loop.getResults()); });
    unsigned at = 0;
    for (ReduceOp op : pending) {
      unsigned n = op.getKind() == ReduceKind::Argmax ? 2 : 1;
      scalars.map(op.getResult(), finish(op, ArrayRef<Value>(accs).slice(at, n)));
      at += n;
    }
    pending.clear();
    pendingResults.clear();
  }

  static constexpr int64_t kChains = 4;

  /// Lane-wise merge of two accumulators of a max, min, sum or count.
  Value combineAccumulators(ReduceKind kind, Value x, Value y) {
    switch (kind) {
    case ReduceKind::Max:
      return arith::MaxNumFOp::create(b, x, y);
    case ReduceKind::Min:
      return arith::MinNumFOp::create(b, x, y);
    case ReduceKind::Sum:
      return arith::AddFOp::create(b, x, y);
    case ReduceKind::Count:
      return arith::AddIOp::create(b, x, y);
    case ReduceKind::Argmax:
      break;
    }
    llvm_unreachable("argmax accumulators are not chained");
  }

  SmallVector<Value> initialAccumulators(ReduceKind kind, Lanes lanes) {
    const double inf = std::numeric_limits<double>::infinity();
    switch (kind) {
    case ReduceKind::Max:
      return {emit.constant(b.getF32Type(), -inf, lanes)};
    case ReduceKind::Min:
      return {emit.constant(b.getF32Type(), inf, lanes)};
    case ReduceKind::Sum:
      return {emit.constant(b.getF64Type(), 0.0, lanes)};
    case ReduceKind::Argmax:
      return {emit.constant(b.getF32Type(), -inf, lanes), emit.constant(b.getI32Type(), -1, lanes)};
    case ReduceKind::Count:
      return {emit.constant(b.getI32Type(), 0, lanes)};
    }
    llvm_unreachable("reduce kind");
  }

  /// Folds the lanes at `v` into the accumulators of every pending reduction.
  SmallVector<Value> accumulate(Value v, ValueRange accs, Lanes lanes) {
    SmallVector<Value> next;
    unsigned at = 0;
    for (ReduceOp op : pending) {
      Value x = emit.element(op.getRow(), v, lanes);
      SmallVector<Value> neutral = initialAccumulators(op.getKind(), lanes);
      auto valid = [&](Value value, Value fallback) -> Value {
        return lanes.mask ? arith::SelectOp::create(b, lanes.mask, value, fallback).getResult()
                          : value;
      };
      switch (op.getKind()) {
      case ReduceKind::Max:
        next.push_back(arith::MaxNumFOp::create(b, accs[at], valid(x, neutral[0])));
        break;
      case ReduceKind::Min:
        next.push_back(arith::MinNumFOp::create(b, accs[at], valid(x, neutral[0])));
        break;
      case ReduceKind::Sum: {
        Value wide = arith::ExtFOp::create(b, emit.laneType(b.getF64Type(), lanes), x);
        next.push_back(arith::AddFOp::create(b, accs[at], valid(wide, neutral[0])));
        break;
      }
      case ReduceKind::Argmax: {
        // Per lane, strictly greater keeps the lane's first maximum.
        Value better = arith::CmpFOp::create(b, CmpFPredicate::OGT, valid(x, neutral[0]), accs[at]);
        auto indexVector = VectorType::get({lanes.width}, b.getIndexType());
        Value ids = arith::AddIOp::create(b, vector::StepOp::create(b, indexVector),
                                          emit.broadcast(v, lanes));
        ids = arith::IndexCastUIOp::create(b, emit.laneType(b.getI32Type(), lanes), ids);
        next.push_back(arith::SelectOp::create(b, better, x, accs[at]));
        next.push_back(arith::SelectOp::create(b, better, ids, accs[at + 1]));
        break;
      }
      case ReduceKind::Count: {
        Value one = arith::ExtUIOp::create(b, emit.laneType(b.getI32Type(), lanes), x);
        next.push_back(arith::AddIOp::create(b, accs[at], valid(one, neutral[0])));
        break;
      }
      }
      at += op.getKind() == ReduceKind::Argmax ? 2 : 1;
    }
    return next;
  }

  Value finish(ReduceOp op, ArrayRef<Value> accs) {
    auto reduce = [&](vector::CombiningKind kind, Value v) -> Value {
      return vector::ReductionOp::create(b, kind, v);
    };
    Value result;
    switch (op.getKind()) {
    case ReduceKind::Max:
      return reduce(vector::CombiningKind::MAXNUMF, accs[0]);
    case ReduceKind::Min:
      return reduce(vector::CombiningKind::MINNUMF, accs[0]);
    case ReduceKind::Sum:
      result = reduce(vector::CombiningKind::ADD, accs[0]);
      if (op.getResult().getType().isF32())
        result = arith::TruncFOp::create(b, b.getF32Type(), result);
      return result;
    case ReduceKind::Count:
      return reduce(vector::CombiningKind::ADD, accs[0]);
    case ReduceKind::Argmax: {
      // The first maximum overall: the smallest first-index among the lanes
      // holding the overall maximum (lanes never updated hold index -1).
      Lanes lanes{width, Value()};
      Value best = reduce(vector::CombiningKind::MAXNUMF, accs[0]);
      Value atBest = arith::CmpFOp::create(b, CmpFPredicate::OEQ, accs[0], emit.broadcast(best, lanes));
      Value updated = arith::CmpIOp::create(b, CmpIPredicate::sge, accs[1],
                                            emit.constant(b.getI32Type(), 0, lanes));
      Value candidate = arith::AndIOp::create(b, atBest, updated);
      Value big = emit.constant(b.getI32Type(), std::numeric_limits<int32_t>::max(), lanes);
      Value ids = arith::SelectOp::create(b, candidate, accs[1], big);
      Value first = reduce(vector::CombiningKind::MINSI, ids);
      Value none = arith::CmpIOp::create(b, CmpIPredicate::eq, first,
                                         k.i32(std::numeric_limits<int32_t>::max()));
      return arith::SelectOp::create(b, none, k.i32(-1), first);
    }
    }
    llvm_unreachable("reduce kind");
  }


  //===--------------------------------------------------------------------===//
  // Candidates: rows known to equal `fill` outside a list of token ids
  //===--------------------------------------------------------------------===//

  struct Domain {
    Value indices; // memref<?xi32> (or static), token ids in increasing order
    Value count;   // index
  };
  struct SparseRow {
    Domain domain;
    double fill; // the row's value at every token not in the domain
  };
  struct KthCandidates {
    Value row;      // the row the threshold was computed on
    Domain domain;  // every token of `row` at or above the threshold
    Value valid;    // i1: false when the threshold is NaN or the buffer overflowed
  };

  static constexpr int64_t kMaxStreamingK = 4096;

  /// `select(cond, rows[0], -inf)`: a filter of its first row.
  static bool isFilter(MapOp map) {
    auto yield = cast<MapYieldOp>(map.getBody().front().getTerminator());
    auto select = yield.getValue().getDefiningOp<arith::SelectOp>();
    if (!select || select.getTrueValue() != map.getBody().front().getArgument(0))
      return false;
    FloatAttr constant;
    return matchPattern(select.getFalseValue(), m_Constant(&constant)) &&
           constant.getValue().isInfinity() && constant.getValue().isNegative();
  }

  /// For a filter whose condition is `x >= t || t is NaN` (the top-k shape),
  /// the threshold t (a program scalar).
  static Value thresholdOf(MapOp map) {
    Block &mapBody = map.getBody().front();
    auto yield = cast<MapYieldOp>(mapBody.getTerminator());
    auto select = yield.getValue().getDefiningOp<arith::SelectOp>();
    auto orOp = select.getCondition().getDefiningOp<arith::OrIOp>();
    if (!orOp)
      return {};
    auto ge = orOp.getLhs().getDefiningOp<arith::CmpFOp>();
    auto uno = orOp.getRhs().getDefiningOp<arith::CmpFOp>();
    if (!ge || !uno || ge.getPredicate() != CmpFPredicate::OGE ||
        uno.getPredicate() != CmpFPredicate::UNO || ge.getLhs() != mapBody.getArgument(0) ||
        uno.getLhs() != ge.getRhs() || uno.getRhs() != ge.getRhs() ||
        map.getBody().isAncestor(ge.getRhs().getParentRegion()))
      return {}; // the threshold must be a scalar of the program

    return ge.getRhs();
  }

  static std::optional<int64_t> streamingK(KthLargestOp op) {
    APInt k;
    if (!matchPattern(op.getK(), m_ConstantInt(&k)))
      return std::nullopt;
    int64_t value = k.getSExtValue();
    if (value < 1 || value > kMaxStreamingK)
      return std::nullopt;
    return value;
  }

  static int64_t streamingCapacity(int64_t k) { return 2 * k + 256; }

  /// A row `map(x) { x / c }` or `{ x * c }` with a constant c in
  /// [2^-20, 2^20] (a temperature): monotone in x, so the top-k search can
  /// stream x itself and divide only the candidates.
  struct Scaling {
    Value base;
    Operation *op; // the divf/mulf in the map body
  };
  static std::optional<Scaling> scalingOf(Value row) {
    auto map = row.getDefiningOp<MapOp>();
    if (!map || map.getRows().size() != 1)
      return std::nullopt;
    Block &mapBody = map.getBody().front();
    auto yield = cast<MapYieldOp>(mapBody.getTerminator());
    Operation *scale = yield.getValue().getDefiningOp();
    if (!scale || !isa<arith::DivFOp, arith::MulFOp>(scale) ||
        scale->getOperand(0) != mapBody.getArgument(0))
      return std::nullopt;
    FloatAttr c;
    if (!matchPattern(scale->getOperand(1), m_Constant(&c)))
      return std::nullopt;
    double value = c.getValueAsDouble();
    if (!(value >= std::ldexp(1.0, -20) && value <= std::ldexp(1.0, 20)))
      return std::nullopt;
    for (Operation &inner : mapBody.without_terminator())
      if (&inner != scale && !isa<arith::ConstantOp>(inner))
        return std::nullopt;
    return Scaling{map.getRows()[0], scale};
  }

  /// The scaled value of a base value (the same op as the map body).
  Value applyScaling(const Scaling &scaling, Value x) {
    IRMapping mapping;
    mapping.map(scaling.op->getOperand(0), x);
    if (!mapping.contains(scaling.op->getOperand(1))) {
      Operation *c = scaling.op->getOperand(1).getDefiningOp();
      mapping.map(scaling.op->getOperand(1), b.clone(*c)->getResult(0));
    }
    return b.clone(*scaling.op, mapping)->getResult(0);
  }

  /// A threshold 4 ulps below `t` on the base scale: scaling by c (rounded)
  /// can then not make an entry below it tie with one at `t`. Outside
  /// [2^-100, 2^100] in magnitude (0, subnormals, overflow) there is no safe
  /// margin: -inf, i.e. keep everything.
  Value marginBelow(Value t) {
    Value magnitude = math::AbsFOp::create(b, t);
    Value safe = arith::AndIOp::create(
        b, arith::CmpFOp::create(b, CmpFPredicate::OGE, magnitude, k.f32(std::ldexp(1.0f, -100))),
        arith::CmpFOp::create(b, CmpFPredicate::OLE, magnitude, k.f32(std::ldexp(1.0f, 100))));
    Value bits = arith::BitcastOp::create(b, b.getI32Type(), t);
    Value positive = arith::CmpFOp::create(b, CmpFPredicate::OGT, t, k.f32(0.0f));
    Value stepped = arith::SelectOp::create(b, positive, arith::SubIOp::create(b, bits, k.i32(4)),
                                            arith::AddIOp::create(b, bits, k.i32(4)));
    Value lower = arith::BitcastOp::create(b, b.getF32Type(), stepped);
    return arith::SelectOp::create(b, safe, lower, k.negInf());
  }

  Value keyOfFill(double fill) { return k.orderedKey(k.f32(static_cast<float>(fill))); }

  /// The domain of `rowValue` when it is known to be sparse (compacting a
  /// filter on first use), or nullopt.
  std::optional<SparseRow> sparseOf(Value rowValue) {
    auto it = sparseRows.find(rowValue);
    if (it != sparseRows.end())
      return it->second;
    Operation *def = rowValue.getDefiningOp();
    std::optional<SparseRow> result;
    if (auto weights = dyn_cast_or_null<WeightsOp>(def)) {
      // weights(-inf) = 0.
      if (auto base = sparseOf(weights.getRow()); base && std::isinf(base->fill) && base->fill < 0) {
        flushIfNeeded(weights.getMax());
        result = SparseRow{base->domain, 0.0};
      }
    } else if (auto map = dyn_cast_or_null<MapOp>(def); map && isFilter(map)) {
      flushIfNeeded(rowValue);
      result = SparseRow{compactFilter(map), -std::numeric_limits<double>::infinity()};
    }
    if (result)
      sparseRows[rowValue] = *result;
    return result;
  }

  /// The entries of `filter` that are not -inf, in token order. Enumerates a
  /// superset of them: the domain of the filtered row, or the candidates of a
  /// top-k threshold on it, or the whole vocabulary.
  Domain compactFilter(MapOp filter) {
    Value buffer = filterBuffers.lookup(filter);
    Value filtered = filter.getRows()[0];
    if (auto base = sparseOf(filtered); base && std::isinf(base->fill) && base->fill < 0)
      return Domain{buffer, compactOver(filter, base->domain, buffer)};
    if (Value t = thresholdOf(filter)) {
      auto it = kthSupersets.find(t);
      if (it != kthSupersets.end() && it->second.row == filtered) {
        KthCandidates candidates = it->second;
        Value count = k.ifThenElse(
                           candidates.valid, {b.getIndexType()},
                           [&]() -> SmallVector<Value> {
                             return {compactOver(filter, candidates.domain, buffer)};
                           },
                           [&]() -> SmallVector<Value> { return {compactDense(filter, buffer)}; })
                          .front();
        return Domain{buffer, count};
      }
    }
    return Domain{buffer, compactDense(filter, buffer)};
  }

  /// Scalar loop over `superset`: keeps the tokens where `filter` is not -inf.
  Value compactOver(MapOp filter, Domain superset, Value buffer) {
    return k.forRange(k.index(0), superset.count, {k.index(0)}, [&](Value j, ValueRange acc) {
              Value id = memref::LoadOp::create(b, superset.indices, ValueRange{j});
              Value v = arith::IndexCastUIOp::create(b, b.getIndexType(), id);
              Value x = scalarElement(filter.getResult(), v);
              Value keep = arith::CmpFOp::create(b, CmpFPredicate::UNE, x, k.negInf());
              return SmallVector<Value>{k.ifThenElse(
                                             keep, {b.getIndexType()},
                                             [&]() -> SmallVector<Value> {
                                               memref::StoreOp::create(b, id, buffer, ValueRange{acc[0]});
                                               return {arith::AddIOp::create(b, acc[0], k.index(1))};
                                             },
                                             [&]() -> SmallVector<Value> { return {acc[0]}; })
                                            .front()};
            }).front();
  }

  /// For the min-p shape `select(weights(x, m) >= p, x, -inf)`: (x, m, p).
  struct RelativeThreshold {
    Value x, max, p;
  };
  static std::optional<RelativeThreshold> relativeThresholdOf(MapOp filter) {
    if (filter.getRows().size() != 2)
      return std::nullopt;
    auto weights = filter.getRows()[1].getDefiningOp<WeightsOp>();
    if (!weights || weights.getRow() != filter.getRows()[0])
      return std::nullopt;
    Block &mapBody = filter.getBody().front();
    auto select = cast<MapYieldOp>(mapBody.getTerminator()).getValue().getDefiningOp<arith::SelectOp>();
    auto cmp = select.getCondition().getDefiningOp<arith::CmpFOp>();
    if (!cmp || cmp.getPredicate() != CmpFPredicate::OGE || cmp.getLhs() != mapBody.getArgument(1) ||
        filter.getBody().isAncestor(cmp.getRhs().getParentRegion()))
      return std::nullopt;
    return RelativeThreshold{filter.getRows()[0], weights.getMax(), cmp.getRhs()};
  }

  /// Vectorized pass over the vocabulary storing the ids of the tokens where
  /// `filter` is not -inf (NaN included). For a min-p filter, a cheap test
  /// `x - max >= log(p) - 1e-3` (no exp; a superset, since the weight is
  /// exp(x - max) to far better than 1e-3) skips the vectors without
  /// candidates; it is not used when p <= 0 or the maximum is not finite.
  Value compactDense(MapOp filter, Value buffer) {
    std::optional<RelativeThreshold> relative = relativeThresholdOf(filter);
    Value usePrefilter, cut, max;
    if (relative) {
      max = scalars.lookup(relative->max);
      Value p = scalars.lookup(relative->p);
      Value finite = arith::CmpFOp::create(b, CmpFPredicate::OLT, math::AbsFOp::create(b, max),
                                           k.f32(INFINITY));
      usePrefilter = arith::AndIOp::create(b, finite, arith::CmpFOp::create(b, CmpFPredicate::OGT, p, k.f32(0.0f)));
      cut = arith::SubFOp::create(b, math::LogOp::create(b, p), k.f32(1e-3f));
    }
    return vectorPass({k.index(0)}, [&](Value v, Lanes lanes, ValueRange acc) -> SmallVector<Value> {
      Value maybe = emit.constant(b.getI1Type(), 1, lanes);
      if (relative) {
        Value d = arith::SubFOp::create(b, emit.element(relative->x, v, lanes), emit.broadcast(max, lanes));
        Value pre = arith::CmpFOp::create(b, CmpFPredicate::OGE, d, emit.broadcast(cut, lanes));
        maybe = arith::OrIOp::create(b, pre, emit.broadcast(arith::XOrIOp::create(b, usePrefilter, k.i1(true)), lanes));
      }
      if (lanes.mask)
        maybe = arith::AndIOp::create(b, maybe, lanes.mask);
      Value any = arith::CmpIOp::create(b, CmpIPredicate::ne, popcount(maybe), k.index(0));
      return k.ifThenElse(
          any, {b.getIndexType()},
          [&]() -> SmallVector<Value> {
            Value x = emit.element(filter.getResult(), v, lanes);
            Value keep = arith::CmpFOp::create(b, CmpFPredicate::UNE, x,
                                               emit.constant(b.getF32Type(), -INFINITY, lanes));
            if (lanes.mask)
              keep = arith::AndIOp::create(b, keep, lanes.mask);
            // Most vectors hold no candidate: skip the (slow) compressing store.
            Value n = popcount(keep);
            Value some = arith::CmpIOp::create(b, CmpIPredicate::ne, n, k.index(0));
            k.ifThen(some, [&] { compressStore(buffer, acc[0], keep, laneIds(v, lanes), n); });
            return {arith::AddIOp::create(b, acc[0], n)};
          },
          [&]() -> SmallVector<Value> { return {acc[0]}; });
    }).front();
  }

  /// Stores the lanes of `value` selected by `mask` (`n` of them)
  /// contiguously from `buffer[at]`. A few lanes are stored one by one
  /// (walking the set bits): a compressing store to memory is microcoded and
  /// slow on some CPUs (AMD Zen 4), and candidates are usually rare.
  /// (vector.compressstore's MaybeAlign builder in MLIR 22 swaps mask and
  /// value; the IntegerAttr one does not.)
  void compressStore(Value buffer, Value at, Value mask, Value value, Value n) {
    Value few = arith::CmpIOp::create(b, CmpIPredicate::ule, n, k.index(4));
    auto ifOp = scf::IfOp::create(b, few, /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      auto type = cast<VectorType>(mask.getType());
      Type intType = b.getIntegerType(type.getNumElements());
      Value packed = vector::BitCastOp::create(b, VectorType::get({1}, intType), mask);
      Value bits = vector::ExtractOp::create(b, packed, ArrayRef<int64_t>{0});
      // while (bits) { lane = cttz(bits); buffer[at++] = value[lane]; bits &= bits - 1; }
      auto loop = scf::WhileOp::create(b, TypeRange{intType, b.getIndexType()}, ValueRange{bits, at});
      Location loc = b.getLoc();
      Block *before = b.createBlock(&loop.getBefore(), {}, {intType, b.getIndexType()}, {loc, loc});
      Value zero = arith::ConstantIntOp::create(b, intType, 0);
      scf::ConditionOp::create(b, arith::CmpIOp::create(b, CmpIPredicate::ne, before->getArgument(0), zero),
                               before->getArguments());
      Block *after = b.createBlock(&loop.getAfter(), {}, {intType, b.getIndexType()}, {loc, loc});
      Value rest = after->getArgument(0), to = after->getArgument(1);
      Value lane = arith::IndexCastUIOp::create(b, b.getIndexType(), math::CountTrailingZerosOp::create(b, rest));
      Value element = vector::ExtractOp::create(b, value, OpFoldResult(lane));
      memref::StoreOp::create(b, element, buffer, ValueRange{to});
      Value one = arith::ConstantIntOp::create(b, intType, 1);
      Value cleared = arith::AndIOp::create(b, rest, arith::SubIOp::create(b, rest, one));
      scf::YieldOp::create(b, ValueRange{cleared, arith::AddIOp::create(b, to, k.index(1))});
      b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
      vector::CompressStoreOp::create(b, buffer, ValueRange{at}, mask, value, IntegerAttr());
    }
  }

  /// Ids v, v+1, ... of the lanes, as vector<width x i32>.
  Value laneIds(Value v, Lanes lanes) {
    auto indexVector = VectorType::get({lanes.width}, b.getIndexType());
    Value ids = arith::AddIOp::create(b, vector::StepOp::create(b, indexVector),
                                      emit.broadcast(v, lanes));
    return arith::IndexCastUIOp::create(b, emit.laneType(b.getI32Type(), lanes), ids);
  }

  /// The number of set lanes of an i1 vector, as an index: the mask as an
  /// integer, then ctpop (a mask-register move and popcnt on x86).
  Value popcount(Value mask) {
    auto type = cast<VectorType>(mask.getType());
    unsigned lanes = type.getNumElements();
    Type intType = b.getIntegerType(lanes);
    Value packed = vector::BitCastOp::create(b, VectorType::get({1}, intType), mask);
    Value bits = vector::ExtractOp::create(b, packed, ArrayRef<int64_t>{0});
    Value n = math::CtPopOp::create(b, bits);
    return arith::IndexCastUIOp::create(b, b.getIndexType(), n);
  }

  /// A vectorized loop over the vocabulary: full vectors, then one masked
  /// vector for the rest; `step` maps (v, lanes, carried) to the next carried.
  SmallVector<Value> vectorPass(ValueRange init,
                                llvm::function_ref<SmallVector<Value>(Value, Lanes, ValueRange)> step,
                                Value start = {}) {
    Lanes full{width, Value()};
    Value tail = arith::RemUIOp::create(b, vocab, k.index(width));
    Value mainEnd = arith::SubIOp::create(b, vocab, tail);
    auto loop = scf::ForOp::create(b, start ? start : k.index(0), mainEnd, k.index(width), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(loop.getBody());
      scf::YieldOp::create(b, step(loop.getInductionVar(), full, loop.getRegionIterArgs()));
    }
    Value hasTail = arith::CmpIOp::create(b, CmpIPredicate::ne, tail, k.index(0));
    SmallVector<Type> types(TypeRange(loop.getResultTypes()));
    return k.ifThenElse(
        hasTail, types,
        [&]() -> SmallVector<Value> {
          Value mask = vector::CreateMaskOp::create(b, VectorType::get({width}, b.getI1Type()),
                                                    ValueRange{tail});
          return step(mainEnd, Lanes{width, mask}, loop.getResults());
        },
        [&]() -> SmallVector<Value> { return SmallVector<Value>(loop.getResults()); });
  }

  /// Entries outside a domain, for the radix searches.
  ExtraEntries outside(const SparseRow &keys, double weightFill) {
    Value n = arith::IndexCastOp::create(b, b.getI32Type(), keys.domain.count);
    Value vocab32 = arith::IndexCastOp::create(b, b.getI32Type(), vocab);
    Value count = arith::SubIOp::create(b, vocab32, n);
    Value weight = arith::MulFOp::create(b, k.f64(weightFill),
                                         arith::SIToFPOp::create(b, b.getF64Type(), count));
    return ExtraEntries{keyOfFill(keys.fill), count, weight};
  }

  /// Token id of entry j of a domain, as an index.
  Value domainToken(const Domain &d, Value j) {
    Value id = memref::LoadOp::create(b, d.indices, ValueRange{j});
    return arith::IndexCastUIOp::create(b, b.getIndexType(), id);
  }

  /// max/min/sum/argmax over a sparse row (null when it must stay dense).
  Value reduceSparse(ReduceOp op, const SparseRow &sparse) {
    const Domain &d = sparse.domain;
    Value rest = arith::CmpIOp::create(b, CmpIPredicate::ult, d.count, vocab);
    Value fill = k.f32(static_cast<float>(sparse.fill));
    switch (op.getKind()) {
    case ReduceKind::Max:
    case ReduceKind::Min: {
      bool isMax = op.getKind() == ReduceKind::Max;
      Value init = arith::SelectOp::create(
          b, rest, fill, k.f32(isMax ? -INFINITY : INFINITY));
      return k.forRange(k.index(0), d.count, {init}, [&](Value j, ValueRange acc) {
                Value x = scalarElement(op.getRow(), domainToken(d, j));
                return SmallVector<Value>{
                    isMax ? arith::MaxNumFOp::create(b, acc[0], x).getResult()
                          : arith::MinNumFOp::create(b, acc[0], x).getResult()};
              }).front();
    }
    case ReduceKind::Sum: {
      Value sum = k.forRange(k.index(0), d.count, {k.f64(0.0)}, [&](Value j, ValueRange acc) {
                     Value x = arith::ExtFOp::create(b, b.getF64Type(),
                                                     scalarElement(op.getRow(), domainToken(d, j)));
                     return SmallVector<Value>{arith::AddFOp::create(b, acc[0], x)};
                   }).front();
      if (sparse.fill != 0.0) {
        Value others = arith::IndexCastOp::create(
            b, b.getI64Type(), arith::SubIOp::create(b, vocab, d.count));
        Value extra = arith::MulFOp::create(b, k.f64(sparse.fill),
                                            arith::SIToFPOp::create(b, b.getF64Type(), others));
        sum = arith::SelectOp::create(b, rest, arith::AddFOp::create(b, sum, extra), sum);
      }
      if (op.getResult().getType().isF32())
        return arith::TruncFOp::create(b, b.getF32Type(), sum);
      return sum;
    }
    case ReduceKind::Argmax: {
      if (!(std::isinf(sparse.fill) && sparse.fill < 0))
        return {}; // the positions of other values are not known
      return k.forRange(k.index(0), d.count, {k.negInf(), k.i32(-1)}, [&](Value j, ValueRange acc) {
                Value v = domainToken(d, j);
                Value x = scalarElement(op.getRow(), v);
                Value better = arith::CmpFOp::create(b, CmpFPredicate::OGT, x, acc[0]);
                Value id = arith::IndexCastUIOp::create(b, b.getI32Type(), v);
                return SmallVector<Value>{arith::SelectOp::create(b, better, x, acc[0]),
                                          arith::SelectOp::create(b, better, id, acc[1])};
              })[1];
    }
    case ReduceKind::Count:
      return {};
    }
    return {};
  }

  /// The lane-wise maximum of `init` (kChains vectors) and the vectors
  /// vectorAt(j) for j in [lo, hi), hi - lo a multiple of kChains, in kChains
  /// independent chains: maxnumf is three dependent instructions on x86.
  Value chainedMax(Value lo, Value hi, SmallVector<Value> init,
                   llvm::function_ref<Value(Value)> vectorAt) {
    static_assert(kChains == 4, "the chains are merged as a pair of pairs");
    SmallVector<Value> chains = k.forRange(
        lo, hi, init,
        [&](Value j, ValueRange acc) {
          SmallVector<Value> next;
          for (int64_t c = 0; c < kChains; ++c)
            next.push_back(arith::MaxNumFOp::create(
                b, acc[c], vectorAt(arith::AddIOp::create(b, j, k.index(c)))));
          return next;
        },
        k.index(kChains));
    return arith::MaxNumFOp::create(b, arith::MaxNumFOp::create(b, chains[0], chains[1]),
                                    arith::MaxNumFOp::create(b, chains[2], chains[3]));
  }

  /// groupMax[group * width + lane] = the maximum of blockMax over blocks
  /// [group * size, min(blocks, (group + 1) * size)) in that lane, for every
  /// group below `groups`.
  void groupMaxima(Value blockMax, Value groupMax, Value blocks, Value size, Value groups) {
    auto vectorType = VectorType::get({width}, b.getF32Type());
    auto at = [&](Value block) {
      Value offset = arith::MulIOp::create(b, block, k.index(width));
      return vector::LoadOp::create(b, vectorType, blockMax, ValueRange{offset}).getResult();
    };
    k.forRange(k.index(0), groups, [&](Value group) {
      Value first = arith::MulIOp::create(b, group, size);
      Value end = arith::MinUIOp::create(b, blocks, arith::AddIOp::create(b, first, size));
      Value n = arith::SubIOp::create(b, end, first);
      Value chainedEnd = arith::SubIOp::create(b, end, arith::RemUIOp::create(b, n, k.index(kChains)));
      Value nan = arith::ConstantOp::create(
          b, DenseElementsAttr::get(vectorType, std::numeric_limits<float>::quiet_NaN()));
      Value m = chainedMax(first, chainedEnd, SmallVector<Value>(kChains, nan), at);
      m = k.forRange(chainedEnd, end, {m}, [&](Value block, ValueRange acc) {
             return SmallVector<Value>{arith::MaxNumFOp::create(b, acc[0], at(block))};
           }).front();
      vector::StoreOp::create(b, m, groupMax, ValueRange{arith::MulIOp::create(b, group, k.index(width))});
    });
  }

  /// kth_largest with a constant, small k, in two streaming passes and no
  /// sort:
  ///  1. block maxima: the NaN-ignoring maximum of each lane over `width`
  ///     consecutive vectors (a block of width^2 tokens, so `width` maxima per
  ///     block), and the same over groups of g blocks (group maxima), g
  ///     chosen at run time for 2k to 4k of them. Each maximum is a distinct
  ///     token of its own group, so the k-th largest maximum is at most the
  ///     k-th largest token: a lower bound t0, found by a radix search over
  ///     the group maxima (block maxima when there are fewer than 4k);
  ///  2. the candidate pass: only blocks whose maxima reach the running
  ///     threshold (t0 at first) are read again; their entries at or above it
  ///     go to a buffer (compacted to its own k-th largest when full).
  /// The final buffer holds every entry at or above the true k-th largest, so
  /// the k-th largest of the buffer is the answer; too many ties overflow
  /// the buffer, and then the exact search runs over the whole row.
  /// Pass 1 is a plain stream with no data-dependent stores or branches, so
  /// it runs at the speed of memory even when the row is not in cache; pass 2
  /// touches about k blocks, which pass 1 has just brought into cache.
  void lowerStreamingKth(KthLargestOp op, int64_t kValue) {
    Value ids = kthBuffers.lookup(op).first, values = kthBuffers.lookup(op).second;
    Value blockMax = kthBounds.lookup(op).first, groupMax = kthBounds.lookup(op).second;
    int64_t capacity = streamingCapacity(kValue);
    Value rank = arith::MinSIOp::create(b, k.i64(kValue), arith::IndexCastOp::create(b, b.getI64Type(), vocab));
    Value row = op.getRow();
    // Stream the unscaled row when the row is a temperature of it; the buffer
    // then holds unscaled values and thresholds carry a margin.
    std::optional<Scaling> scaling = scalingOf(row);
    Value streamed = scaling ? scaling->base : row;
    auto lower = [&](Value t) { return scaling ? marginBelow(t) : t; };
    Lanes full{width, Value()};
    auto vectorType = VectorType::get({width}, b.getF32Type());
    // The lane-wise maximum of vectors 0..width-1 of a block.
    auto maxOfVectors = [&](llvm::function_ref<Value(Value)> vectorAt) {
      SmallVector<Value> first;
      for (int64_t c = 0; c < kChains; ++c)
        first.push_back(vectorAt(k.index(c)));
      return chainedMax(k.index(kChains), k.index(width), first, vectorAt);
    };
    auto times = [&](Value x, int64_t c) { return arith::MulIOp::create(b, x, k.index(c)).getResult(); };

    // Pass 1: block maxima.
    Value blocks = arith::DivUIOp::create(b, vocab, k.index(width * width));
    k.forRange(k.index(0), blocks, [&](Value block) {
      Value base = times(block, width * width);
      Value m = maxOfVectors([&](Value j) {
        return emit.element(streamed, arith::AddIOp::create(b, base, times(j, width)), full);
      });
      vector::StoreOp::create(b, m, blockMax, ValueRange{times(block, width)});
    });
    // Group maxima: the lane-wise maximum over g consecutive blocks, with g
    // chosen so that there are 2k to 4k of them (g = floor(#block maxima /
    // 2k)): few enough for a cheap search, many enough for a tight bound.
    // With g < 2 the block maxima themselves are searched (fewer than 4k).
    Value blockCount = times(blocks, width);
    Value rank2 = arith::MaxUIOp::create(
        b, arith::IndexCastOp::create(b, b.getIndexType(), arith::MulIOp::create(b, rank, k.i64(2))),
        k.index(1));
    Value groupSize = arith::DivUIOp::create(b, blockCount, rank2);
    Value useGroups = arith::CmpIOp::create(b, CmpIPredicate::uge, groupSize, k.index(2));
    Value safeSize = arith::MaxUIOp::create(b, groupSize, k.index(1));
    Value groups = arith::DivUIOp::create(
        b, arith::AddIOp::create(b, blocks, arith::SubIOp::create(b, safeSize, k.index(1))), safeSize);
    Value groupCount = k.ifThenElse(
                            useGroups, {b.getIndexType()},
                            [&]() -> SmallVector<Value> {
                              groupMaxima(blockMax, groupMax, blocks, safeSize, groups);
                              return {times(groups, width)};
                            },
                            [&]() -> SmallVector<Value> { return {blockCount}; })
                           .front();
    Value source = arith::SelectOp::create(b, useGroups, groupMax, blockMax);
    // The bound t0 (-inf when there are fewer than k groups, or the k-th
    // largest maximum is NaN: fewer than k numbers).
    auto atLeast = [&](Value count, Value need) {
      return arith::CmpIOp::create(b, CmpIPredicate::sge,
                                   arith::IndexCastOp::create(b, b.getI64Type(), count), need);
    };
    Value bound =
        k.ifThenElse(
             atLeast(blockCount, rank), {b.getF32Type()},
             [&]() -> SmallVector<Value> {
               Value key = kthLargestKey(
                   k, groupCount,
                   [&](Value j) { return memref::LoadOp::create(b, source, ValueRange{j}).getResult(); },
                   rank, counts, nullptr, /*bits=*/4);
               Value t = valueOfKey(k, key);
               Value number = arith::CmpFOp::create(b, CmpFPredicate::ORD, t, t);
               return {arith::SelectOp::create(b, number, lower(t), k.negInf())};
             },
             [&]() -> SmallVector<Value> { return {k.negInf()}; })
            .front();

    // Pass 2. Carried: count (index), threshold (f32), overflow (i1).
    SmallVector<Type> types{b.getIndexType(), b.getF32Type(), b.getI1Type()};
    auto step = [&](Value v, Lanes lanes, ValueRange acc) -> SmallVector<Value> {
      Value x = emit.element(streamed, v, lanes);
      Value keep = arith::CmpFOp::create(b, CmpFPredicate::OGE, x, emit.broadcast(acc[1], lanes));
      if (lanes.mask)
        keep = arith::AndIOp::create(b, keep, lanes.mask);
      Value n = popcount(keep);
      Value some = arith::CmpIOp::create(b, CmpIPredicate::ne, n, k.index(0));
      Value work = arith::AndIOp::create(b, some, arith::XOrIOp::create(b, acc[2], k.i1(true)));
      return k.ifThenElse(
          work, types,
          [&]() -> SmallVector<Value> {
            // Make room (compact) when the next vector might not fit.
            Value isFull = arith::CmpIOp::create(
                b, CmpIPredicate::ugt, arith::AddIOp::create(b, acc[0], k.index(width)),
                k.index(capacity));
            SmallVector<Value> room = k.ifThenElse(
                isFull, types,
                [&]() -> SmallVector<Value> {
                  return compactKthBuffer(ids, values, acc[0], rank, capacity, lower);
                },
                [&]() -> SmallVector<Value> { return {acc[0], acc[1], k.i1(false)}; });
            return k.ifThenElse(
                room[2], types,
                [&]() -> SmallVector<Value> { return room; },
                [&]() -> SmallVector<Value> {
                  compressStore(ids, room[0], keep, laneIds(v, lanes), n);
                  compressStore(values, room[0], keep, x, n);
                  return {arith::AddIOp::create(b, room[0], n), room[1], room[2]};
                });
          },
          [&]() -> SmallVector<Value> { return SmallVector<Value>(acc); });
    };
    SmallVector<Value> state = k.forRange(
        k.index(0), blocks, {k.index(0), bound, k.i1(false)}, [&](Value block, ValueRange acc) {
          Value maxima = vector::LoadOp::create(b, vectorType, blockMax, ValueRange{times(block, width)});
          Value reaches = arith::CmpFOp::create(b, CmpFPredicate::OGE, maxima,
                                                emit.broadcast(acc[1], full));
          Value any = arith::CmpIOp::create(b, CmpIPredicate::ne, popcount(reaches), k.index(0));
          Value base = times(block, width * width);
          return k.ifThenElse(
              any, types,
              [&]() -> SmallVector<Value> {
                return k.forRange(k.index(0), k.index(width), acc, [&](Value j, ValueRange inner) {
                  return step(arith::AddIOp::create(b, base, times(j, width)), full, inner);
                });
              },
              [&]() -> SmallVector<Value> { return SmallVector<Value>(acc); });
        });
    // The tokens after the last whole block, vector by vector.
    state = vectorPass(state, step, times(blocks, width * width));
    Value count = state[0], overflow = state[2];
    Value count64 = arith::IndexCastOp::create(b, b.getI64Type(), count);
    Value tooFew = arith::CmpIOp::create(b, CmpIPredicate::slt, count64, rank);
    Value threshold =
        k.ifThenElse(
             overflow, {b.getF32Type()},
             [&]() -> SmallVector<Value> {
               Value key = kthLargestKey(k, vocab, [&](Value v) { return scalarElement(row, v); },
                                         rank, counts);
               return {valueOfKey(k, key)};
             },
             [&]() -> SmallVector<Value> {
               return k.ifThenElse(
                   tooFew, {b.getF32Type()},
                   // Fewer than k numbers: only NaN lies below (key order).
                   [&]() -> SmallVector<Value> { return {k.f32(NAN)}; },
                   [&]() -> SmallVector<Value> {
                     Value key = kthLargestKey(
                         k, count,
                         [&](Value j) -> Value {
                           Value x = memref::LoadOp::create(b, values, ValueRange{j});
                           return scaling ? applyScaling(*scaling, x) : x;
                         },
                         rank, counts, nullptr, /*bits=*/4);
                     return {valueOfKey(k, key)};
                   });
             })
            .front();
    scalars.map(op.getResult(), threshold);
    Value thresholdIsNumber = arith::CmpFOp::create(b, CmpFPredicate::ORD, threshold, threshold);
    Value valid = arith::AndIOp::create(b, thresholdIsNumber, arith::XOrIOp::create(b, overflow, k.i1(true)));
    kthSupersets[op.getResult()] = KthCandidates{row, Domain{ids, count}, valid};
  }

  /// Keeps the buffer entries at or above `lower(the buffer's k-th largest)`,
  /// in order; returns (count, that threshold, overflow).
  SmallVector<Value> compactKthBuffer(Value ids, Value values, Value count, Value rank,
                                      int64_t capacity, llvm::function_ref<Value(Value)> lower) {
    Value count64 = arith::IndexCastOp::create(b, b.getI64Type(), count);
    Value enough = arith::CmpIOp::create(b, CmpIPredicate::sge, count64, rank);
    Value threshold =
        k.ifThenElse(
             enough, {b.getF32Type()},
             [&]() -> SmallVector<Value> {
               Value key = kthLargestKey(
                   k, count, [&](Value j) { return memref::LoadOp::create(b, values, ValueRange{j}).getResult(); },
                   rank, counts, nullptr, /*bits=*/4);
               return {lower(valueOfKey(k, key))};
             },
             [&]() -> SmallVector<Value> { return {k.negInf()}; })
            .front();
    Value kept = k.forRange(k.index(0), count, {k.index(0)}, [&](Value j, ValueRange acc) {
                    Value x = memref::LoadOp::create(b, values, ValueRange{j});
                    Value keep = arith::CmpFOp::create(b, CmpFPredicate::OGE, x, threshold);
                    return SmallVector<Value>{
                        k.ifThenElse(
                             keep, {b.getIndexType()},
                             [&]() -> SmallVector<Value> {
                               Value id = memref::LoadOp::create(b, ids, ValueRange{j});
                               memref::StoreOp::create(b, id, ids, ValueRange{acc[0]});
                               memref::StoreOp::create(b, x, values, ValueRange{acc[0]});
                               return {arith::AddIOp::create(b, acc[0], k.index(1))};
                             },
                             [&]() -> SmallVector<Value> { return {acc[0]}; })
                            .front()};
                  }).front();
    Value overflow = arith::CmpIOp::create(
        b, CmpIPredicate::ugt, arith::AddIOp::create(b, kept, k.index(width)), k.index(capacity));
    return {kept, threshold, overflow};
  }

  //===--------------------------------------------------------------------===//
  // Program operations
  //===--------------------------------------------------------------------===//

  /// Scalar (one-token) element code, for the scalar searches.
  Value scalarElement(Value rowValue, Value v) { return emit.element(rowValue, v, Lanes{1, {}}); }

  LogicalResult lower(Operation &op) {
    return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
        .Case<IndexOp, MapOp, WeightsOp, BitsetTestOp>([](auto) { return success(); })
        .Case<IdsCountOp>([&](IdsCountOp op) { return lowerIdsCount(op); })
        .Case<ReduceOp>([&](ReduceOp op) {
          if (std::optional<SparseRow> sparse = sparseOf(op.getRow()))
            if (Value result = reduceSparse(op, *sparse)) {
              scalars.map(op.getResult(), result);
              return success();
            }
          flushIfNeeded(op.getRow());
          pending.push_back(op);
          pendingResults.insert(op.getResult());
          return success();
        })
        .Case<KthLargestOp>([&](KthLargestOp op) {
          flushIfNeeded(op->getOperands());
          if (std::optional<SparseRow> sparse = sparseOf(op.getRow())) {
            Value rank = arith::MaxSIOp::create(b, scalars.lookup(op.getK()), k.i64(1));
            rank = arith::MinSIOp::create(b, rank, arith::IndexCastOp::create(b, b.getI64Type(), vocab));
            ExtraEntries extra = outside(*sparse, 0.0);
            Value key = kthLargestKey(
                k, sparse->domain.count,
                [&](Value j) { return scalarElement(op.getRow(), domainToken(sparse->domain, j)); },
                rank, counts, &extra, /*bits=*/4);
            scalars.map(op.getResult(), valueOfKey(k, key));
            return success();
          }
          if (std::optional<int64_t> kValue = streamingK(op)) {
            lowerStreamingKth(op, *kValue);
            return success();
          }
          Value rank = arith::MaxSIOp::create(b, scalars.lookup(op.getK()), k.i64(1));
          rank = arith::MinSIOp::create(b, rank, arith::IndexCastOp::create(b, b.getI64Type(), vocab));
          Value key = kthLargestKey(
              k, vocab, [&](Value v) { return scalarElement(op.getRow(), v); }, rank, counts);
          scalars.map(op.getResult(), valueOfKey(k, key));
          return success();
        })
        .Case<MassBoundaryOp>([&](MassBoundaryOp op) {
          flushIfNeeded(op->getOperands());
          std::optional<SparseRow> keys = sparseOf(op.getKeys());
          std::optional<SparseRow> weights = keys ? sparseOf(op.getWeights()) : std::nullopt;
          if (keys && weights && keys->domain.indices == weights->domain.indices) {
            ExtraEntries extra = outside(*keys, weights->fill);
            const Domain &d = keys->domain;
            Value key = massBoundaryKey(
                k, d.count, [&](Value j) { return scalarElement(op.getKeys(), domainToken(d, j)); },
                [&](Value j) { return scalarElement(op.getWeights(), domainToken(d, j)); },
                scalars.lookup(op.getBudget()), counts, masses, &extra, /*bits=*/4);
            scalars.map(op.getResult(), valueOfKey(k, key));
            return success();
          }
          Value key = massBoundaryKey(
              k, vocab, [&](Value v) { return scalarElement(op.getKeys(), v); },
              [&](Value v) { return scalarElement(op.getWeights(), v); },
              scalars.lookup(op.getBudget()), counts, masses);
          scalars.map(op.getResult(), valueOfKey(k, key));
          return success();
        })
        .Case<SampleIndexOp>([&](SampleIndexOp op) { return lowerSampleIndex(op); })
        .Case<logits::YieldOp>([&](logits::YieldOp op) { return lowerYield(op); })
        .Default([&](Operation *other) -> LogicalResult {
          if (other->getNumRegions() != 0 ||
              (isa<LogitsDialect>(other->getDialect()) && !isa<PhiloxOp>(other)))
            return other->emitOpError("cannot be vectorized inside a row program");
          flushIfNeeded(other->getOperands());
          if (auto philox = dyn_cast<PhiloxOp>(other)) {
            scalars.map(philox.getResult(), k.philoxUniform(scalars.lookup(philox.getSeed()),
                                                            scalars.lookup(philox.getStep())));
            return success();
          }
          b.clone(*other, scalars);
          return success();
        });
  }

  /// Counts of the listed ids, without touching the rest of the vocabulary:
  /// a presence bitset (V/32 words) is cleared, and a token's count is reset
  /// the first time the list names it.
  LogicalResult lowerIdsCount(IdsCountOp op) {
    Value table = scratch.lookup(op), bits = presence.lookup(op);
    // Without a table (only presence is tested) the ids just set their bits.
    Value words = memref::DimOp::create(b, bits, 0);
    k.forRange(k.index(0), words,
               [&](Value w) { memref::StoreOp::create(b, k.i32(0), bits, ValueRange{w}); });
    Value ids = emit.inputOf(cast<BlockArgument>(op.getIds()));
    auto type = cast<MemRefType>(ids.getType());
    Value length = memref::DimOp::create(b, ids, type.getRank() - 1);
    Value idsRow = type.getRank() == 2 ? emit.bufferRow(ids) : Value();
    Value vocab32 = arith::IndexCastOp::create(b, b.getI32Type(), vocab);
    k.forRange(k.index(0), length, [&](Value j) {
      Value t = idsRow ? memref::LoadOp::create(b, ids, ValueRange{idsRow, j}).getResult()
                       : memref::LoadOp::create(b, ids, ValueRange{j}).getResult();
      Value inRange = arith::AndIOp::create(
          b, arith::CmpIOp::create(b, CmpIPredicate::sge, t, k.i32(0)),
          arith::CmpIOp::create(b, CmpIPredicate::slt, t, vocab32));
      k.ifThen(inRange, [&] {
        Value at = arith::IndexCastUIOp::create(b, b.getIndexType(), t);
        Value w = arith::IndexCastUIOp::create(b, b.getIndexType(), arith::ShRUIOp::create(b, t, k.i32(5)));
        Value bit = arith::ShLIOp::create(b, k.i32(1), arith::AndIOp::create(b, t, k.i32(31)));
        Value word = memref::LoadOp::create(b, bits, ValueRange{w});
        if (!table) {
          memref::StoreOp::create(b, arith::OrIOp::create(b, word, bit), bits, ValueRange{w});
          return;
        }
        Value seen = arith::CmpIOp::create(b, CmpIPredicate::ne, arith::AndIOp::create(b, word, bit), k.i32(0));
        Value previous = k.ifThenElse(
                              seen, {b.getI32Type()},
                              [&]() -> SmallVector<Value> {
                                return {memref::LoadOp::create(b, table, ValueRange{at})};
                              },
                              [&]() -> SmallVector<Value> {
                                memref::StoreOp::create(b, arith::OrIOp::create(b, word, bit), bits, ValueRange{w});
                                return {k.i32(0)};
                              })
                             .front();
        memref::StoreOp::create(b, arith::AddIOp::create(b, previous, k.i32(1)), table, ValueRange{at});
      });
    });
    return success();
  }

  LogicalResult lowerSampleIndex(SampleIndexOp op) {
    flushIfNeeded(op->getOperands());
    if (std::optional<SparseRow> sparse = sparseOf(op.getWeights()); sparse && sparse->fill == 0.0)
      return lowerSparseSampleIndex(op, sparse->domain);
    // Reductions the weights do not need are computed now, on their own.
    flush();
    // The total weight in one vectorized pass that also records the weight of
    // each block of width^2 tokens, so that the walk below skips whole blocks.
    Value sums = blockSums.lookup(op);
    Type idx = b.getIndexType(), f64 = b.getF64Type();
    Lanes full{width, Value()};
    auto laneSum = [&](Value v, Lanes lanes, Value acc) -> Value {
      Value w = arith::ExtFOp::create(b, emit.laneType(f64, lanes), emit.element(op.getWeights(), v, lanes));
      if (lanes.mask)
        w = arith::SelectOp::create(b, lanes.mask, w, emit.constant(f64, 0.0, lanes));
      return arith::AddFOp::create(b, acc, w);
    };
    auto horizontal = [&](Value lanes) -> Value {
      return vector::ReductionOp::create(b, vector::CombiningKind::ADD, lanes, arith::FastMathFlags::reassoc);
    };
    Value blockSize = k.index(width * width);
    Value blocks = arith::DivUIOp::create(b, vocab, blockSize);
    Value blocked = k.forRange(k.index(0), blocks, {k.f64(0.0)}, [&](Value block, ValueRange acc) {
                      Value base = arith::MulIOp::create(b, block, blockSize);
                      Value lanes = k.forRange(k.index(0), k.index(width), {emit.constant(f64, 0.0, full)},
                                               [&](Value j, ValueRange inner) {
                                                 Value v = arith::AddIOp::create(
                                                     b, base, arith::MulIOp::create(b, j, k.index(width)));
                                                 return SmallVector<Value>{laneSum(v, full, inner[0])};
                                               }).front();
                      Value sum = horizontal(lanes);
                      memref::StoreOp::create(b, sum, sums, ValueRange{block});
                      return SmallVector<Value>{arith::AddFOp::create(b, acc[0], sum)};
                    }).front();
    Value restLanes = vectorPass(
                          {emit.constant(f64, 0.0, full)},
                          [&](Value v, Lanes lanes, ValueRange acc) -> SmallVector<Value> {
                            return {laneSum(v, lanes, acc[0])};
                          },
                          arith::MulIOp::create(b, blocks, blockSize))
                          .front();
    Value mass = arith::AddFOp::create(b, blocked, horizontal(restLanes));
    Value u = arith::ExtFOp::create(b, b.getF64Type(), scalars.lookup(op.getU()));
    Value target = arith::MulFOp::create(b, u, mass);
    Location loc = b.getLoc();
    // Skip the whole blocks whose running sum stays at or below the target.
    // Results: the first block not skipped, the running sum before it.
    auto skip = scf::WhileOp::create(b, TypeRange{idx, f64, f64}, ValueRange{k.index(0), k.f64(0.0)});
    {
      OpBuilder::InsertionGuard inner(b);
      Block *before = b.createBlock(&skip.getBefore(), {}, {idx, f64}, {loc, loc});
      Value block = before->getArgument(0), running = before->getArgument(1);
      Value inRange = arith::CmpIOp::create(b, CmpIPredicate::ult, block, blocks);
      Value last = arith::SubIOp::create(b, arith::MaxUIOp::create(b, blocks, k.index(1)), k.index(1));
      Value clamped = arith::MinUIOp::create(b, block, last);
      Value next = arith::AddFOp::create(b, running, memref::LoadOp::create(b, sums, ValueRange{clamped}));
      Value stays = arith::CmpFOp::create(b, CmpFPredicate::OLE, next, target);
      scf::ConditionOp::create(b, arith::AndIOp::create(b, inRange, stays), ValueRange{block, running, next});
      Block *after = b.createBlock(&skip.getAfter(), {}, {idx, f64, f64}, {loc, loc, loc});
      scf::YieldOp::create(b, ValueRange{arith::AddIOp::create(b, after->getArgument(0), k.index(1)),
                                         after->getArgument(2)});
    }
    Value skipped = skip.getResult(0), skippedSum = skip.getResult(1);
    // Then find the vector of tokens where the running sum passes the
    // target, a vector at a time (lane sums reassociated); then walk token by
    // token from its start. If rounding leaves the target unreached, the
    // token walk starts over from 0 (it then ends at the last positive weight).
    auto chunks = scf::WhileOp::create(b, TypeRange{idx, f64, f64},
                                       ValueRange{arith::MulIOp::create(b, skipped, blockSize), skippedSum});
    {
      OpBuilder::InsertionGuard inner(b);
      Block *before = b.createBlock(&chunks.getBefore(), {}, {idx, f64}, {loc, loc});
      Value c = before->getArgument(0), running = before->getArgument(1);
      Value go = arith::CmpIOp::create(b, CmpIPredicate::ult, c, vocab);
      Value sum = k.ifThenElse(
                       go, {f64},
                       [&]() -> SmallVector<Value> {
                         Value count = arith::MinUIOp::create(b, k.index(width), arith::SubIOp::create(b, vocab, c));
                         Value mask = vector::CreateMaskOp::create(b, VectorType::get({width}, b.getI1Type()),
                                                                   ValueRange{count});
                         Lanes lanes{width, mask};
                         Value w = arith::ExtFOp::create(b, emit.laneType(f64, lanes),
                                                         emit.element(op.getWeights(), c, lanes));
                         w = arith::SelectOp::create(b, mask, w, emit.constant(f64, 0.0, lanes));
                         return {vector::ReductionOp::create(b, vector::CombiningKind::ADD, w,
                                                             arith::FastMathFlags::reassoc)};
                       },
                       [&]() -> SmallVector<Value> { return {k.f64(0.0)}; })
                      .front();
      Value passes = arith::CmpFOp::create(b, CmpFPredicate::OGT, arith::AddFOp::create(b, running, sum), target);
      Value goOn = arith::AndIOp::create(b, go, arith::XOrIOp::create(b, passes, k.i1(true)));
      scf::ConditionOp::create(b, goOn, ValueRange{c, running, sum});
      Block *after = b.createBlock(&chunks.getAfter(), {}, {idx, f64, f64}, {loc, loc, loc});
      scf::YieldOp::create(b, ValueRange{arith::AddIOp::create(b, after->getArgument(0), k.index(width)),
                                         arith::AddFOp::create(b, after->getArgument(1), after->getArgument(2))});
    }
    Value found = arith::CmpIOp::create(b, CmpIPredicate::ult, chunks.getResult(0), vocab);
    Value start = arith::SelectOp::create(b, found, chunks.getResult(0), k.index(0));
    Value startSum = arith::SelectOp::create(b, found, chunks.getResult(1), k.f64(0.0));
    // Walk the running sum until it passes the target (scalar, in token order).
    scalars.map(op.getResult(), k.sampleWalk(start, startSum, vocab, target, [&](Value v) {
      return scalarElement(op.getWeights(), v);
    }));
    return success();
  }

  /// The walk over a domain: the other tokens weigh 0, so the running sums in
  /// token order are those of the dense walk.
  LogicalResult lowerSparseSampleIndex(SampleIndexOp op, const Domain &d) {
    Value mass = k.forRange(k.index(0), d.count, {k.f64(0.0)}, [&](Value j, ValueRange acc) {
                   Value w = arith::ExtFOp::create(b, b.getF64Type(),
                                                   scalarElement(op.getWeights(), domainToken(d, j)));
                   return SmallVector<Value>{arith::AddFOp::create(b, acc[0], w)};
                 }).front();
    Value u = arith::ExtFOp::create(b, b.getF64Type(), scalars.lookup(op.getU()));
    Value target = arith::MulFOp::create(b, u, mass);
    // Carried: running sum, chosen token (-1: none yet), last positive token.
    SmallVector<Value> walk = k.forRange(
        k.index(0), d.count, {k.f64(0.0), k.i32(-1), k.i32(-1)}, [&](Value j, ValueRange acc) {
          Value v = domainToken(d, j);
          Value w = arith::ExtFOp::create(b, b.getF64Type(), scalarElement(op.getWeights(), v));
          Value next = arith::AddFOp::create(b, acc[0], w);
          Value positive = arith::CmpFOp::create(b, CmpFPredicate::OGT, w, k.f64(0.0));
          Value open = arith::CmpIOp::create(b, CmpIPredicate::eq, acc[1], k.i32(-1));
          Value hit = arith::AndIOp::create(
              b, arith::AndIOp::create(b, open, positive),
              arith::CmpFOp::create(b, CmpFPredicate::OGT, next, target));
          Value id = arith::IndexCastUIOp::create(b, b.getI32Type(), v);
          return SmallVector<Value>{next, arith::SelectOp::create(b, hit, id, acc[1]),
                                    arith::SelectOp::create(b, positive, id, acc[2])};
        });
    Value none = arith::CmpIOp::create(b, CmpIPredicate::eq, walk[1], k.i32(-1));
    scalars.map(op.getResult(), arith::SelectOp::create(b, none, walk[2], walk[1]));
    return success();
  }

  LogicalResult lowerYield(logits::YieldOp op) {
    flush();
    Value value = op.getValue();
    if (auto choose = dyn_cast<ChooseOp>(program)) {
      memref::StoreOp::create(b, scalars.lookup(value), choose.getTokens(), ValueRange{row});
      return success();
    }
    // The new row, written in place: element v reads only element v.
    Value tail = arith::RemUIOp::create(b, vocab, k.index(width));
    Value mainEnd = arith::SubIOp::create(b, vocab, tail);
    auto loop = scf::ForOp::create(b, k.index(0), mainEnd, k.index(width));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      Value v = loop.getInductionVar();
      Value x = emit.element(value, v, Lanes{width, {}});
      vector::StoreOp::create(b, x, logits, ValueRange{row, v});
    }
    Value hasTail = arith::CmpIOp::create(b, CmpIPredicate::ne, tail, k.index(0));
    k.ifThen(hasTail, [&] {
      Value mask = vector::CreateMaskOp::create(b, VectorType::get({width}, b.getI1Type()),
                                                ValueRange{tail});
      Value x = emit.element(value, mainEnd, Lanes{width, mask});
      vector::MaskedStoreOp::create(b, logits, ValueRange{row, mainEnd}, mask, x);
    });
    return success();
  }

  Operation *program;
  KernelBuilder &k;
  ImplicitLocOpBuilder &b;
  Block &body;
  unsigned width;
  Value logits, vocab, row;
  IRMapping scalars;
  DenseMap<Operation *, Value> scratch, presence;
  Value counts, masses;
  RowEmitter emit;
  SmallVector<ReduceOp> pending;
  llvm::SmallPtrSet<Value, 8> pendingResults;
  DenseMap<Value, SparseRow> sparseRows;
  DenseMap<Value, KthCandidates> kthSupersets;
  DenseMap<Operation *, Value> filterBuffers;
  DenseMap<Operation *, std::pair<Value, Value>> kthBuffers;
  /// Per sample_index: the weight of each block of width^2 tokens (f64).
  DenseMap<Operation *, Value> blockSums;
  /// Per streaming kth_largest: (block maxima, group maxima) scratch.
  DenseMap<Operation *, std::pair<Value, Value>> kthBounds;
};

struct ConvertLogitsToVectorPass
    : public mlir::dec::impl::ConvertLogitsToVectorBase<ConvertLogitsToVectorPass> {
  using Base::Base;
  void runOnOperation() override {
    // Blocks are width x width tokens, reduced in four chains of vectors.
    if (vectorWidth < 4 || vectorWidth % 4 != 0 || vectorWidth > 64) {
      getOperation()->emitError() << "convert-logits-to-vector: vector-width must be a multiple of 4 "
                                     "between 4 and 64, got "
                                  << static_cast<uint64_t>(vectorWidth.getValue());
      return signalPassFailure();
    }
    SmallVector<Operation *> programs;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<TransformOp, ChooseOp>(op)) {
        programs.push_back(op);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    for (Operation *program : programs) {
      if (!RowEmitter::vectorizable(program))
        continue; // left for convert-logits-to-scf
      ImplicitLocOpBuilder b(program->getLoc(), program);
      KernelBuilder k(b);
      VectorLowerer lowerer(program, k, vectorWidth);
      if (failed(lowerer.run()))
        return signalPassFailure();
      // exp/log as polynomials: vectorizable, and the same code for the
      // vector body and the scalar searches of this kernel.
      RewritePatternSet patterns(&getContext());
      populateMathPolynomialApproximationPatterns(
          patterns, [](StringRef name) { return name == "math.exp" || name == "math.log" || name == "exp" || name == "log"; });
      if (failed(applyPatternsGreedily(lowerer.rowLoop, std::move(patterns))))
        return signalPassFailure();
      program->erase();
    }
  }
};

} // namespace
