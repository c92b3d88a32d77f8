//===- LogitsToGPU.cpp - row programs to GPU kernels ----------------------===//
//
// Each logits.transform / logits.choose becomes a kernel in the module's
// gpu.module @dec_kernels, launched with one thread block per row of the
// batch; the program is replaced by the gpu.launch_func. Inside a block:
//  * a reduction is a strided loop over the vocabulary per thread, then a
//    block-wide gpu.all_reduce (argmax: the maximum, then the smallest index
//    holding it);
//  * kth_largest / mass_boundary are the radix searches of the CPU lowering
//    (4 rounds of 8-bit digits) with the histograms in workgroup memory,
//    filled with atomics; one thread scans the 256 bins and publishes the
//    digit;
//  * sample_index gives each thread a contiguous chunk of the vocabulary;
//    a block scan of the chunk sums (in workgroup memory) tells which thread
//    holds the target, and that thread walks its chunk;
//  * row values are recomputed per element; the first id list a program
//    counts (logits.ids_count) is marked once in a workgroup presence bitset
//    (vocabularies up to 262,144 tokens), further lists are scanned.
// Tokens are chosen by the same rules as on the CPU; sums are grouped
// differently, so results agree up to rounding.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LogitsToSCF/RadixSelect.h"
#include "passes/Conversion/LogitsToVector/RowEmitter.h"
#include "passes/Passes.h"

#include "dialects/Logits/LogitsDialect.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

namespace mlir::dec {
#define GEN_PASS_DEF_CONVERTLOGITSTOGPU
#include "passes/Passes.h.inc"
} // namespace mlir::dec

using namespace mlir;
using namespace mlir::dec;
using namespace mlir::logits;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {

/// Largest vocabulary whose id-list presence bitset fits in shared memory
/// (32 KiB); larger vocabularies fall back to scanning the list per token.
constexpr int64_t kMaxBitsetVocab = 262144;

/// Emits the body of one kernel: the program for row `blockIdx.x`.
class KernelLowerer {
public:
  KernelLowerer(Operation *program, gpu::GPUFuncOp kernel, KernelBuilder &k, int64_t blockSize)
      : program(program), kernel(kernel), k(k), b(k.builder()),
        body(program->getRegion(0).front()), blockSize(blockSize) {}

  LogicalResult run() {
    Block &entry = kernel.getBody().front();
    // Kernel arguments mirror the program's operands.
    for (auto [operand, arg] : llvm::zip(program->getOperands(), entry.getArguments()))
      operands.map(operand, arg);
    logits = entry.getArgument(0);
    vocab = memref::DimOp::create(b, logits, 1);
    emitter.emplace(kernelProgramView(), k, vocab, scalars, noScratch, presence);
    RowEmitter &emit = *emitter;
    row = gpu::BlockIdOp::create(b, gpu::Dimension::x);
    tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    threads = gpu::BlockDimOp::create(b, gpu::Dimension::x);
    emit.setRow(row);
    histogram = kernel.getWorkgroupAttributions()[0];
    masses = kernel.getWorkgroupAttributions()[1];
    scan = kernel.getWorkgroupAttributions()[2];
    slots = kernel.getWorkgroupAttributions()[3];
    bindInputs();
    markListedTokens();
    for (Operation &op : body)
      if (failed(lower(op)))
        return failure();
    gpu::ReturnOp::create(b);
    return success();
  }

private:
  /// The RowEmitter reads program operands; inside the kernel they are the
  /// kernel's arguments. The program op's operands are remapped in place.
  Operation *kernelProgramView() {
    for (OpOperand &operand : program->getOpOperands())
      operand.set(operands.lookup(operand.get()));
    return program;
  }

  void bindInputs() {
    RowEmitter &emit = *emitter;
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

  /// The first logits.ids_count gets a bitset of its listed tokens in
  /// workgroup memory, so that only those tokens scan the list. (Vocabularies
  /// above kMaxBitsetVocab, and further id lists, scan for every token.)
  void markListedTokens() {
    if (kernel.getWorkgroupAttributions().size() < 5)
      return;
    Value bits = kernel.getWorkgroupAttributions()[4];
    IdsCountOp first;
    body.walk([&](IdsCountOp op) {
      if (!first)
        first = op;
    });
    Value fits = arith::CmpIOp::create(b, CmpIPredicate::ule, vocab, k.index(kMaxBitsetVocab));
    // Out of range for the bitset: it stays all ones, and every token scans.
    Value fill = arith::SelectOp::create(b, fits, k.i32(0), k.i32(-1));
    k.forRange(tid, k.index(kMaxBitsetVocab / 32),
               [&](Value w) { memref::StoreOp::create(b, fill, bits, ValueRange{w}); }, threads);
    gpu::BarrierOp::create(b);
    Value ids = emitter->inputOf(cast<BlockArgument>(first.getIds()));
    auto type = cast<MemRefType>(ids.getType());
    Value length = memref::DimOp::create(b, ids, type.getRank() - 1);
    Value idsRow = type.getRank() == 2 ? emitter->bufferRow(ids) : Value();
    Value vocab32 = arith::IndexCastOp::create(b, b.getI32Type(), vocab);
    k.ifThen(fits, [&] {
      k.forRange(tid, length, [&](Value j) {
        Value t = idsRow ? memref::LoadOp::create(b, ids, ValueRange{idsRow, j}).getResult()
                         : memref::LoadOp::create(b, ids, ValueRange{j}).getResult();
        Value inRange = arith::AndIOp::create(
            b, arith::CmpIOp::create(b, CmpIPredicate::sge, t, k.i32(0)),
            arith::CmpIOp::create(b, CmpIPredicate::slt, t, vocab32));
        k.ifThen(inRange, [&] {
          Value w = arith::IndexCastUIOp::create(b, b.getIndexType(), arith::ShRUIOp::create(b, t, k.i32(5)));
          Value bit = arith::ShLIOp::create(b, k.i32(1), arith::AndIOp::create(b, t, k.i32(31)));
          memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::ori, bit, bits, ValueRange{w});
        });
      }, threads);
    });
    gpu::BarrierOp::create(b);
    presence[first] = bits;
  }

  Value element(Value rowValue, Value v) { return emitter->element(rowValue, v, Lanes{1, {}}); }

  /// for (v = tid; v < vocab; v += threads) with carried values.
  SmallVector<Value> strided(ValueRange init,
                             llvm::function_ref<SmallVector<Value>(Value, ValueRange)> step) {
    return k.forRange(tid, vocab, init, step, threads);
  }

  Value allReduce(gpu::AllReduceOperation operation, Value value) {
    return gpu::AllReduceOp::create(b, value.getType(), value,
                                    gpu::AllReduceOperationAttr::get(b.getContext(), operation),
                                    b.getUnitAttr());
  }

  Value isThreadZero() { return arith::CmpIOp::create(b, CmpIPredicate::eq, tid, k.index(0)); }

  //===--------------------------------------------------------------------===//
  // Operations
  //===--------------------------------------------------------------------===//

  LogicalResult lower(Operation &op) {
    return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
        .Case<IndexOp, MapOp, WeightsOp, BitsetTestOp, IdsCountOp>([](auto) { return success(); })
        .Case<ReduceOp>([&](ReduceOp op) { return lowerReduce(op); })
        .Case<KthLargestOp>([&](KthLargestOp op) {
          Value rank = arith::MaxSIOp::create(b, scalars.lookup(op.getK()), k.i64(1));
          rank = arith::MinSIOp::create(b, rank, arith::IndexCastOp::create(b, b.getI64Type(), vocab));
          Value key = radixSearch([&](Value v) { return element(op.getRow(), v); }, nullptr, rank, {});
          scalars.map(op.getResult(), valueOfKeyGPU(key));
          return success();
        })
        .Case<MassBoundaryOp>([&](MassBoundaryOp op) {
          auto weight = [&](Value v) { return element(op.getWeights(), v); };
          Value key = radixSearch([&](Value v) { return element(op.getKeys(), v); }, weight, {},
                                  scalars.lookup(op.getBudget()));
          scalars.map(op.getResult(), valueOfKeyGPU(key));
          return success();
        })
        .Case<PhiloxOp>([&](PhiloxOp op) {
          scalars.map(op.getResult(), k.philoxUniform(scalars.lookup(op.getSeed()),
                                                      scalars.lookup(op.getStep())));
          return success();
        })
        .Case<ExtractOp>([&](ExtractOp op) -> LogicalResult {
          return op.emitOpError("is not supported in GPU kernels yet");
        })
        .Case<SampleIndexOp>([&](SampleIndexOp op) { return lowerSampleIndex(op); })
        .Case<logits::YieldOp>([&](logits::YieldOp op) { return lowerYield(op); })
        .Default([&](Operation *other) -> LogicalResult {
          if (other->getNumRegions() != 0 || isa<LogitsDialect>(other->getDialect()))
            return other->emitOpError("cannot be lowered to a GPU kernel");
          b.clone(*other, scalars);
          return success();
        });
  }

  LogicalResult lowerReduce(ReduceOp op) {
    Value r = op.getRow();
    Value result;
    const float inf = std::numeric_limits<float>::infinity();
    switch (op.getKind()) {
    case ReduceKind::Max:
    case ReduceKind::Min: {
      bool isMax = op.getKind() == ReduceKind::Max;
      Value local = strided({k.f32(isMax ? -inf : inf)}, [&](Value v, ValueRange acc) {
                      Value x = element(r, v);
                      return SmallVector<Value>{
                          isMax ? arith::MaxNumFOp::create(b, acc[0], x).getResult()
                                : arith::MinNumFOp::create(b, acc[0], x).getResult()};
                    }).front();
      result = allReduce(isMax ? gpu::AllReduceOperation::MAXNUMF : gpu::AllReduceOperation::MINNUMF,
                         local);
      break;
    }
    case ReduceKind::Sum: {
      Value local = strided({k.f64(0.0)}, [&](Value v, ValueRange acc) {
                      Value x = arith::ExtFOp::create(b, b.getF64Type(), element(r, v));
                      return SmallVector<Value>{arith::AddFOp::create(b, acc[0], x)};
                    }).front();
      result = allReduce(gpu::AllReduceOperation::ADD, local);
      if (op.getResult().getType().isF32())
        result = arith::TruncFOp::create(b, b.getF32Type(), result);
      break;
    }
    case ReduceKind::Argmax: {
      SmallVector<Value> local =
          strided({k.negInf(), k.i32(-1)}, [&](Value v, ValueRange acc) {
            Value x = element(r, v);
            Value better = arith::CmpFOp::create(b, CmpFPredicate::OGT, x, acc[0]);
            Value id = arith::IndexCastUIOp::create(b, b.getI32Type(), v);
            return SmallVector<Value>{arith::SelectOp::create(b, better, x, acc[0]),
                                      arith::SelectOp::create(b, better, id, acc[1])};
          });
      Value best = allReduce(gpu::AllReduceOperation::MAXNUMF, local[0]);
      Value holds = arith::AndIOp::create(
          b, arith::CmpFOp::create(b, CmpFPredicate::OEQ, local[0], best),
          arith::CmpIOp::create(b, CmpIPredicate::sge, local[1], k.i32(0)));
      Value big = k.i32(std::numeric_limits<int32_t>::max());
      Value first = allReduce(gpu::AllReduceOperation::MINSI,
                              arith::SelectOp::create(b, holds, local[1], big));
      result = arith::SelectOp::create(b, arith::CmpIOp::create(b, CmpIPredicate::eq, first, big),
                                       k.i32(-1), first);
      break;
    }
    case ReduceKind::Count: {
      Value local = strided({k.i32(0)}, [&](Value v, ValueRange acc) {
                      Value one = arith::ExtUIOp::create(b, b.getI32Type(), element(r, v));
                      return SmallVector<Value>{arith::AddIOp::create(b, acc[0], one)};
                    }).front();
      result = allReduce(gpu::AllReduceOperation::ADD, local);
      break;
    }
    }
    scalars.map(op.getResult(), result);
    return success();
  }

  /// The radix search of RadixSelect.cpp with block-shared histograms: with
  /// `rank`, the key of the rank-th largest value; with `weight` and
  /// `budget`, the mass boundary.
  Value radixSearch(llvm::function_ref<Value(Value)> value, llvm::function_ref<Value(Value)> weight,
                    Value rank, Value budget) {
    bool byMass = static_cast<bool>(weight);
    Value prefix = k.i32(0), prefixMask = k.i32(0), remaining = rank;
    for (int shift = 24; shift >= 0; shift -= 8) {
      k.forRange(tid, k.index(256), [&](Value d) {
        memref::StoreOp::create(b, k.i32(0), histogram, ValueRange{d});
        memref::StoreOp::create(b, k.f64(0.0), masses, ValueRange{d});
      }, threads);
      gpu::BarrierOp::create(b);
      strided(ValueRange{}, [&](Value v, ValueRange) -> SmallVector<Value> {
        Value key = k.orderedKey(value(v));
        Value matches = arith::CmpIOp::create(b, CmpIPredicate::eq,
                                              arith::AndIOp::create(b, key, prefixMask), prefix);
        k.ifThen(matches, [&] {
          Value digit = arith::AndIOp::create(b, arith::ShRUIOp::create(b, key, k.i32(shift)), k.i32(255));
          Value d = arith::IndexCastUIOp::create(b, b.getIndexType(), digit);
          memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addi, k.i32(1), histogram, ValueRange{d});
          if (byMass)
            memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addf,
                                        arith::ExtFOp::create(b, b.getF64Type(), weight(v)), masses,
                                        ValueRange{d});
        });
        return {};
      });
      gpu::BarrierOp::create(b);
      // One thread scans the bins from the top and publishes the digit and
      // what is above it (slot 0: digit; masses slot 256: amount above).
      k.ifThen(isThreadZero(), [&] {
        // Histograms hold 256 bins; `scan` carries what lies above as f64.
        auto [above, digit] = byMass ? massBin(k, histogram, masses, 256, budget)
                                     : rankBin(k, histogram, 256, remaining);
        if (!byMass)
          above = arith::SIToFPOp::create(b, b.getF64Type(), above);
        memref::StoreOp::create(b, digit, slots, ValueRange{k.index(0)});
        memref::StoreOp::create(b, above, scan, ValueRange{k.index(0)});
      });
      gpu::BarrierOp::create(b);
      Value digit = memref::LoadOp::create(b, slots, ValueRange{k.index(0)});
      Value above = memref::LoadOp::create(b, scan, ValueRange{k.index(0)});
      gpu::BarrierOp::create(b);
      if (byMass)
        budget = arith::SubFOp::create(b, budget, above);
      else
        remaining = arith::SubIOp::create(b, remaining, arith::FPToSIOp::create(b, b.getI64Type(), above));
      prefix = arith::OrIOp::create(b, prefix, arith::ShLIOp::create(b, digit, k.i32(shift)));
      prefixMask = arith::OrIOp::create(b, prefixMask, k.i32(static_cast<int32_t>(255u << shift)));
    }
    return prefix;
  }

  Value valueOfKeyGPU(Value key) {
    Value signBit = k.i32(std::numeric_limits<int32_t>::min());
    Value nonNegative = arith::CmpIOp::create(b, CmpIPredicate::slt, key, k.i32(0));
    Value bits = arith::SelectOp::create(b, nonNegative, arith::XOrIOp::create(b, key, signBit),
                                         arith::XOrIOp::create(b, key, k.i32(-1)));
    return arith::BitcastOp::create(b, b.getF32Type(), bits);
  }

  LogicalResult lowerSampleIndex(SampleIndexOp op) {
    Value weights = op.getWeights();
    Type f64 = b.getF64Type();
    // Contiguous chunks: thread t owns [t * chunk, (t + 1) * chunk).
    Value chunk = arith::CeilDivUIOp::create(b, vocab, threads);
    Value lo = arith::MinUIOp::create(b, arith::MulIOp::create(b, tid, chunk), vocab);
    Value hi = arith::MinUIOp::create(b, arith::AddIOp::create(b, lo, chunk), vocab);
    SmallVector<Value> local = k.forRange(lo, hi, {k.f64(0.0), k.i32(-1)}, [&](Value v, ValueRange acc) {
      Value w = arith::ExtFOp::create(b, f64, element(weights, v));
      Value positive = arith::CmpFOp::create(b, CmpFPredicate::OGT, w, k.f64(0.0));
      Value id = arith::IndexCastUIOp::create(b, b.getI32Type(), v);
      return SmallVector<Value>{arith::AddFOp::create(b, acc[0], w),
                                arith::SelectOp::create(b, positive, id, acc[1])};
    });
    Value lastPositive = allReduce(gpu::AllReduceOperation::MAXSI, local[1]);
    memref::StoreOp::create(b, local[0], scan, ValueRange{tid});
    gpu::BarrierOp::create(b);
    k.ifThen(isThreadZero(), [&] {
      // Exclusive prefix sums of the chunk sums; the total goes last.
      Value total = k.forRange(k.index(0), threads, {k.f64(0.0)}, [&](Value t, ValueRange acc) {
                      Value s = memref::LoadOp::create(b, scan, ValueRange{t});
                      memref::StoreOp::create(b, acc[0], scan, ValueRange{t});
                      return SmallVector<Value>{arith::AddFOp::create(b, acc[0], s)};
                    }).front();
      memref::StoreOp::create(b, total, scan, ValueRange{k.index(blockSize)});
      memref::StoreOp::create(b, k.i32(-1), slots, ValueRange{k.index(1)});
    });
    gpu::BarrierOp::create(b);
    Value before = memref::LoadOp::create(b, scan, ValueRange{tid});
    Value total = memref::LoadOp::create(b, scan, ValueRange{k.index(blockSize)});
    Value u = arith::ExtFOp::create(b, f64, scalars.lookup(op.getU()));
    Value target = arith::MulFOp::create(b, u, total);
    Value mine = arith::AndIOp::create(
        b, arith::CmpFOp::create(b, CmpFPredicate::OLE, before, target),
        arith::CmpFOp::create(b, CmpFPredicate::OGT, arith::AddFOp::create(b, before, local[0]), target));
    k.ifThen(mine, [&] {
      SmallVector<Value> walk = k.forRange(lo, hi, {before, k.i32(-1), k.i32(-1)}, [&](Value v, ValueRange acc) {
        Value w = arith::ExtFOp::create(b, f64, element(weights, v));
        Value next = arith::AddFOp::create(b, acc[0], w);
        Value positive = arith::CmpFOp::create(b, CmpFPredicate::OGT, w, k.f64(0.0));
        Value open = arith::CmpIOp::create(b, CmpIPredicate::eq, acc[1], k.i32(-1));
        Value hit = arith::AndIOp::create(b, arith::AndIOp::create(b, open, positive),
                                          arith::CmpFOp::create(b, CmpFPredicate::OGT, next, target));
        Value id = arith::IndexCastUIOp::create(b, b.getI32Type(), v);
        return SmallVector<Value>{next, arith::SelectOp::create(b, hit, id, acc[1]),
                                  arith::SelectOp::create(b, positive, id, acc[2])};
      });
      Value none = arith::CmpIOp::create(b, CmpIPredicate::eq, walk[1], k.i32(-1));
      memref::StoreOp::create(b, arith::SelectOp::create(b, none, walk[2], walk[1]), slots,
                              ValueRange{k.index(1)});
    });
    gpu::BarrierOp::create(b);
    Value chosen = memref::LoadOp::create(b, slots, ValueRange{k.index(1)});
    Value missed = arith::CmpIOp::create(b, CmpIPredicate::eq, chosen, k.i32(-1));
    scalars.map(op.getResult(), arith::SelectOp::create(b, missed, lastPositive, chosen));
    gpu::BarrierOp::create(b);
    return success();
  }

  LogicalResult lowerYield(logits::YieldOp op) {
    Value value = op.getValue();
    if (isa<ChooseOp>(program)) {
      Value tokens = kernel.getArgument(1);
      k.ifThen(isThreadZero(), [&] {
        memref::StoreOp::create(b, scalars.lookup(value), tokens, ValueRange{row});
      });
      return success();
    }
    // Every reduction is done (and ended with a barrier or an all-reduce):
    // each thread rewrites its own elements.
    strided(ValueRange{}, [&](Value v, ValueRange) -> SmallVector<Value> {
      k.store(element(value, v), logits, row, v);
      return {};
    });
    return success();
  }

  Operation *program;
  gpu::GPUFuncOp kernel;
  KernelBuilder &k;
  ImplicitLocOpBuilder &b;
  Block &body;
  int64_t blockSize;
  IRMapping operands, scalars;
  DenseMap<Operation *, Value> noScratch, presence;
  std::optional<RowEmitter> emitter;
  Value logits, vocab, row, tid, threads;
  Value histogram, masses, scan, slots;
};

struct ConvertLogitsToGPUPass
    : public mlir::dec::impl::ConvertLogitsToGPUBase<ConvertLogitsToGPUPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> programs;
    module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<TransformOp, ChooseOp>(op)) {
        programs.push_back(op);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    if (programs.empty())
      return;
    MLIRContext *ctx = &getContext();
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(), UnitAttr::get(ctx));
    OpBuilder moduleBuilder = OpBuilder::atBlockEnd(module.getBody());
    auto kernels = gpu::GPUModuleOp::create(moduleBuilder, module.getLoc(), "dec_kernels");
    auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    unsigned index = 0;
    for (Operation *program : programs) {
      Location loc = program->getLoc();
      OpBuilder kernelBuilder = OpBuilder::atBlockEnd(kernels.getBody());
      SmallVector<Type> argTypes(program->getOperandTypes());
      auto type = FunctionType::get(ctx, argTypes, {});
      Type i32 = IntegerType::get(ctx, 32), f64 = Float64Type::get(ctx);
      SmallVector<Type> shared = {
          MemRefType::get({256}, i32, MemRefLayoutAttrInterface(), workgroup),           // histogram
          MemRefType::get({256}, f64, MemRefLayoutAttrInterface(), workgroup),           // masses
          MemRefType::get({blockSize + 1}, f64, MemRefLayoutAttrInterface(), workgroup), // scan
          MemRefType::get({4}, i32, MemRefLayoutAttrInterface(), workgroup)};            // slots
      bool hasIds = false;
      program->walk([&](IdsCountOp) { hasIds = true; });
      if (hasIds) // listed tokens (KernelLowerer::markListedTokens)
        shared.push_back(MemRefType::get({kMaxBitsetVocab / 32}, i32,
                                         MemRefLayoutAttrInterface(), workgroup));
      auto kernel = gpu::GPUFuncOp::create(kernelBuilder, loc, "sampler_" + std::to_string(index++),
                                           type, shared);
      kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), UnitAttr::get(ctx));
      kernel.setKnownBlockSizeAttr(DenseI32ArrayAttr::get(ctx, {static_cast<int32_t>(blockSize), 1, 1}));
      // A budget of 128 registers per thread (.minnctapersm), stated because
      // ptxas otherwise sizes registers for the occupancy that shared memory
      // allows and spills to local memory to get there (48 registers and a
      // spill for typical_dec at 256 threads). A block per row rarely fills
      // the GPU, so registers matter more than occupancy; with this hint the
      // kernels of every test program use 62-98 registers and spill nothing.
      int64_t blocksPerSM = std::max<int64_t>(1, 65536 / (blockSize * 128));
      kernel->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                      IntegerAttr::get(i32, blocksPerSM));
      ImplicitLocOpBuilder b(loc, ctx);
      b.setInsertionPointToStart(&kernel.getBody().front());
      KernelBuilder k(b);
      // Launch before lowering: the lowering rewires the program's operands.
      {
        ImplicitLocOpBuilder host(loc, program);
        Value batch = memref::DimOp::create(host, program->getOperand(0), 0);
        Value one = arith::ConstantIndexOp::create(host, 1);
        Value threads = arith::ConstantIndexOp::create(host, blockSize);
        gpu::LaunchFuncOp::create(host, kernel, gpu::KernelDim3{batch, one, one},
                                  gpu::KernelDim3{threads, one, one}, Value(),
                                  ValueRange(program->getOperands()));
      }
      KernelLowerer lowerer(program, kernel, k, blockSize);
      if (failed(lowerer.run()))
        return signalPassFailure();
      program->erase();
    }
  }
};

} // namespace
