//===- RadixSelect.cpp - boundary searches without sorting ----------------===//

#include "passes/Conversion/LogitsToSCF/RadixSelect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <limits>

using namespace mlir;
using namespace mlir::dec;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {

struct RadixState {
  Value prefix, prefixMask; // i32
};

/// Histograms byte `shift` of the keys that match `state`: a count per byte
/// value in `counts`, and (when `masses` is given) the f64 sum of `weight`.
void histogramByte(KernelBuilder &k, Value vocab, ElementFn value, ElementFn weight,
                   RadixState state, Value shift, int bits, Value counts, Value masses,
                   const ExtraEntries *extra) {
  ImplicitLocOpBuilder &b = k.builder();
  const int32_t digitMask = (1 << bits) - 1;
  k.forRange(k.index(0), k.index(1 << bits), [&](Value d) {
    memref::StoreOp::create(b, k.i32(0), counts, d);
    if (masses)
      memref::StoreOp::create(b, k.f64(0.0), masses, d);
  });
  k.forRange(k.index(0), vocab, [&](Value v) {
    Value key = k.orderedKey(value(v));
    Value masked = arith::AndIOp::create(b, key, state.prefixMask);
    Value matches = arith::CmpIOp::create(b, CmpIPredicate::eq, masked, state.prefix);
    k.ifThen(matches, [&] {
      Value byte =
          arith::AndIOp::create(b, arith::ShRUIOp::create(b, key, shift), k.i32(digitMask));
      Value d = arith::IndexCastUIOp::create(b, b.getIndexType(), byte);
      Value c = memref::LoadOp::create(b, counts, d);
      memref::StoreOp::create(b, arith::AddIOp::create(b, c, k.i32(1)), counts, d);
      if (masses) {
        Value m = memref::LoadOp::create(b, masses, d);
        Value w = arith::ExtFOp::create(b, b.getF64Type(), weight(v));
        memref::StoreOp::create(b, arith::AddFOp::create(b, m, w), masses, d);
      }
    });
  });
  if (!extra)
    return;
  Value masked = arith::AndIOp::create(b, extra->key, state.prefixMask);
  Value matches = arith::CmpIOp::create(b, CmpIPredicate::eq, masked, state.prefix);
  Value some = arith::CmpIOp::create(b, CmpIPredicate::sgt, extra->count, k.i32(0));
  k.ifThen(arith::AndIOp::create(b, matches, some), [&] {
    Value byte = arith::AndIOp::create(b, arith::ShRUIOp::create(b, extra->key, shift),
                                       k.i32(digitMask));
    Value d = arith::IndexCastUIOp::create(b, b.getIndexType(), byte);
    Value c = memref::LoadOp::create(b, counts, d);
    memref::StoreOp::create(b, arith::AddIOp::create(b, c, extra->count), counts, d);
    if (masses) {
      Value m = memref::LoadOp::create(b, masses, d);
      memref::StoreOp::create(b, arith::AddFOp::create(b, m, extra->weight), masses, d);
    }
  });
}

RadixState narrow(KernelBuilder &k, RadixState state, Value byte, Value shift, int bits) {
  ImplicitLocOpBuilder &b = k.builder();
  Value shifted = arith::ShLIOp::create(b, byte, shift);
  Value digits = arith::ShLIOp::create(b, k.i32((1 << bits) - 1), shift);
  return {arith::OrIOp::create(b, state.prefix, shifted),
          arith::OrIOp::create(b, state.prefixMask, digits)};
}

/// The rounds of a radix search as one loop (not unrolled: a search is
/// emitted several times per kernel, and its rounds dominate code size).
/// `round` gets (shift as i32, carried values) and returns the next ones,
/// the first two being the prefix and its mask.
SmallVector<Value> radixRounds(KernelBuilder &k, int bits, ValueRange init,
                               llvm::function_ref<SmallVector<Value>(Value, ValueRange)> round) {
  ImplicitLocOpBuilder &b = k.builder();
  return k.forRange(k.index(0), k.index(32 / bits), init, [&](Value r, ValueRange acc) {
    Value done = arith::MulIOp::create(b, arith::IndexCastUIOp::create(b, b.getI32Type(), r),
                                       k.i32(bits));
    Value shift = arith::SubIOp::create(b, k.i32(32 - bits), done);
    return round(shift, acc);
  });
}


} // namespace

std::pair<Value, Value> mlir::dec::rankBin(KernelBuilder &k, Value counts, int bins,
                                           Value remaining) {
  ImplicitLocOpBuilder &b = k.builder();
  // Carried: count of keys in higher bins, chosen bin, found.
  SmallVector<Value> scan = k.forRange(
      k.index(0), k.index(bins), {k.i64(0), k.i32(0), k.i1(false)}, [&](Value i, ValueRange acc) {
        Value d = arith::SubIOp::create(b, k.index(bins - 1), i);
        Value c = arith::ExtUIOp::create(b, b.getI64Type(), memref::LoadOp::create(b, counts, d));
        Value through = arith::AddIOp::create(b, acc[0], c);
        Value reaches = arith::CmpIOp::create(b, CmpIPredicate::sge, through, remaining);
        Value notFound = arith::XOrIOp::create(b, acc[2], k.i1(true));
        Value hit = arith::AndIOp::create(b, notFound, reaches);
        Value bin = arith::IndexCastUIOp::create(b, b.getI32Type(), d);
        return SmallVector<Value>{
            arith::SelectOp::create(b, notFound, arith::SelectOp::create(b, hit, acc[0], through),
                                    acc[0]),
            arith::SelectOp::create(b, hit, bin, acc[1]), arith::OrIOp::create(b, acc[2], hit)};
      });
  return {scan[0], scan[1]};
}

std::pair<Value, Value> mlir::dec::massBin(KernelBuilder &k, Value counts, Value masses, int bins,
                                           Value budget) {
  ImplicitLocOpBuilder &b = k.builder();
  // Carried: mass above, chosen bin, mass above the chosen bin, stopped.
  SmallVector<Value> scan = k.forRange(
      k.index(0), k.index(bins), {k.f64(0.0), k.i32(0), k.f64(0.0), k.i1(false)},
      [&](Value i, ValueRange acc) {
        Value d = arith::SubIOp::create(b, k.index(bins - 1), i);
        Value c = memref::LoadOp::create(b, counts, d);
        Value m = memref::LoadOp::create(b, masses, d);
        Value nonEmpty = arith::CmpIOp::create(b, CmpIPredicate::ne, c, k.i32(0));
        Value live = arith::AndIOp::create(b, nonEmpty, arith::XOrIOp::create(b, acc[3], k.i1(true)));
        Value under = arith::CmpFOp::create(b, CmpFPredicate::OLT, acc[0], budget);
        Value choose = arith::AndIOp::create(b, live, under);
        Value stop = arith::AndIOp::create(b, live, arith::XOrIOp::create(b, under, k.i1(true)));
        Value bin = arith::IndexCastUIOp::create(b, b.getI32Type(), d);
        return SmallVector<Value>{arith::AddFOp::create(b, acc[0], m),
                                  arith::SelectOp::create(b, choose, bin, acc[1]),
                                  arith::SelectOp::create(b, choose, acc[0], acc[2]),
                                  arith::OrIOp::create(b, acc[3], stop)};
      });
  return {scan[2], scan[1]};
}

Value mlir::dec::kthLargestKey(KernelBuilder &k, Value vocab, ElementFn value, Value rank,
                               Value counts, const ExtraEntries *extra, int bits) {
  ImplicitLocOpBuilder &b = k.builder();
  // Carried: prefix, prefix mask, rank still to find below the prefix.
  SmallVector<Value> result = radixRounds(
      k, bits, {k.i32(0), k.i32(0), rank}, [&](Value shift, ValueRange acc) -> SmallVector<Value> {
        RadixState state{acc[0], acc[1]};
        Value remaining = acc[2];
        histogramByte(k, vocab, value, ElementFn(), state, shift, bits, counts, Value(), extra);
        auto [above, byte] = rankBin(k, counts, 1 << bits, remaining);
        RadixState next = narrow(k, state, byte, shift, bits);
        return {next.prefix, next.prefixMask, arith::SubIOp::create(b, remaining, above)};
      });
  return result[0];
}

Value mlir::dec::massBoundaryKey(KernelBuilder &k, Value vocab, ElementFn value,
                                 ElementFn weight, Value budget, Value counts, Value masses,
                                 const ExtraEntries *extra, int bits) {
  ImplicitLocOpBuilder &b = k.builder();
  // Carried: prefix, prefix mask, budget left below the prefix.
  SmallVector<Value> result = radixRounds(
      k, bits, {k.i32(0), k.i32(0), budget}, [&](Value shift, ValueRange acc) -> SmallVector<Value> {
        RadixState state{acc[0], acc[1]};
        Value left = acc[2];
        histogramByte(k, vocab, value, weight, state, shift, bits, counts, masses, extra);
        auto [above, byte] = massBin(k, counts, masses, 1 << bits, left);
        RadixState next = narrow(k, state, byte, shift, bits);
        return {next.prefix, next.prefixMask, arith::SubFOp::create(b, left, above)};
      });
  return result[0];
}

Value mlir::dec::valueOfKey(KernelBuilder &k, Value key) {
  // Inverse of orderedKey: keys with the sign bit set are non-negative floats
  // with their sign bit set; the others are negative floats, bits flipped.
  // Key 0 flips to all ones: a NaN.
  ImplicitLocOpBuilder &b = k.builder();
  Value signBit = k.i32(std::numeric_limits<int32_t>::min());
  Value nonNegative = arith::CmpIOp::create(b, CmpIPredicate::slt, key, k.i32(0));
  Value bits = arith::SelectOp::create(b, nonNegative, arith::XOrIOp::create(b, key, signBit),
                                       arith::XOrIOp::create(b, key, k.i32(-1)));
  return arith::BitcastOp::create(b, b.getF32Type(), bits);
}
