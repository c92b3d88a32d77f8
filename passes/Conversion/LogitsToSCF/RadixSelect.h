//===- RadixSelect.h - boundary searches without sorting --------*- C++ -*-===//
//
// Top-k and top-p need the value at a boundary of the sorted row. Both find it
// without sorting by descending the 32-bit order-preserving keys of the
// values one byte at a time: each of 4 rounds histograms the next byte of the
// keys that share the prefix fixed so far (a count, and for mass boundaries a
// weight, per byte value) and picks the byte the boundary lies in. So each
// search is 4 passes over the row plus 4 scans of 256 bins. The rounds are
// emitted as one loop: a kernel holds several searches.
//
//===----------------------------------------------------------------------===//

#ifndef DEC_PASSES_CONVERSION_LOGITSTOSCF_RADIXSELECT_H
#define DEC_PASSES_CONVERSION_LOGITSTOSCF_RADIXSELECT_H

#include "passes/Conversion/LogitsToSCF/KernelBuilder.h"

namespace mlir::dec {

/// Emits the code of element `v` of a row (at the builder's insertion point).
using ElementFn = llvm::function_ref<Value(Value v)>;

/// Entries of the row not enumerated by the element functions, all equal:
/// `count` (i32) entries of key `key` (i32) weighing `weight` (f64) in all.
/// Searches over a row's candidates use it for the rest of the row.
struct ExtraEntries {
  Value key, count, weight;
};

/// Key (KernelBuilder::orderedKey) of the `rank`-th largest (1-based, i64,
/// assumed in [1, vocab]) of `value(v)` over v < vocab. `counts`: memref<256xi32>.
/// `bits` per radix digit: 8 (4 rounds over 256 bins) suits whole rows; 4 (8
/// rounds over 16 bins) suits short candidate lists, where bin scans dominate.
Value kthLargestKey(KernelBuilder &k, Value vocab, ElementFn value, Value rank, Value counts,
                    const ExtraEntries *extra = nullptr, int bits = 8);

/// Key of the smallest value such that the entries with a strictly greater
/// key weigh (f64 sum of `weight(v)`) less than `budget` (f64).
/// `counts`: memref<256xi32>, `masses`: memref<256xf64>.
Value massBoundaryKey(KernelBuilder &k, Value vocab, ElementFn value, ElementFn weight,
                      Value budget, Value counts, Value masses,
                      const ExtraEntries *extra = nullptr, int bits = 8);

/// One radix round's choice for a rank: scanning the `bins` counts (i32)
/// from the highest bin down, the bin holding the `remaining`-th (i64) key.
/// Returns {keys in the higher bins (i64), the bin (i32)}.
std::pair<Value, Value> rankBin(KernelBuilder &k, Value counts, int bins, Value remaining);

/// One radix round's choice for a mass boundary: the lowest non-empty bin
/// whose higher bins weigh (f64 `masses`) less than `budget`. Returns {the
/// mass of the bins above it (f64), the bin (i32)}.
std::pair<Value, Value> massBin(KernelBuilder &k, Value counts, Value masses, int bins,
                                Value budget);

/// The float whose key is `key` (key 0, NaN's key, gives a NaN).
Value valueOfKey(KernelBuilder &k, Value key);

} // namespace mlir::dec

#endif // DEC_PASSES_CONVERSION_LOGITSTOSCF_RADIXSELECT_H
