// Execution tests of logits.sample through convert-logits-to-scf, with the
// Philox4x32-10 stream pinned down.
//
// u is the top 24 bits of the first word of Philox4x32-10(counter (step lo,
// step hi, 0, 0), key (seed lo, seed hi)), times 2^-24; the token is the first
// one whose running sum of exp(l - max) exceeds u * sum. First words used:
//   seed 0, step 0:      0x6627e8d5 (Random123's known answer for key 0, counter 0)
//   seed 0, step 1:      0xf8e4cca4
//   seed 1, step 0:      0xe3e80670
//   seed 76, step 0:     0xab8300ed
//   seed 317, step 0:    0x03dd005b
//   seed 42, step 7:     0x5bbd83b1
//   seed -1, step -1:    0x4d18d7d2 (key and counter words all ones, c2 = c3 = 0)
// (the last four from a Python Philox4x32-10 that reproduces Random123's three
// known-answer vectors; the lowering is not involved).
//
// RUN: dec-opt %s --convert-logits-to-scf --convert-scf-to-cf --expand-strided-metadata \
// RUN:   --finalize-memref-to-llvm --convert-math-to-llvm --convert-arith-to-llvm \
// RUN:   --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// RUN:   --reconcile-unrealized-casts \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

// NaN is written 0x7FC00000, -inf 0xFF800000.
memref.global "private" constant @pairs : memref<4x2xf32> =
    dense<[[0.0, 0.0], [-1.0, 0.0], [0.0, -1.0], [0xFF800000, 0x7FC00000]]>
memref.global "private" constant @zero_seeds : memref<4xi64> = dense<0>

func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}

func.func @print_tokens(%t: memref<?xi32>) {
  %u = memref.cast %t : memref<?xi32> to memref<*xi32>
  call @printMemrefI32(%u) : (memref<*xi32>) -> ()
  return
}

/// Samples every row of `l` with seeds[b] at `step` and prints the tokens.
func.func @sample(%l: memref<?x?xf32>, %seeds: memref<?xi64>, %step: i64) {
  %c0 = arith.constant 0 : index
  %rows = memref.dim %l, %c0 : memref<?x?xf32>
  %tokens = memref.alloc(%rows) : memref<?xi32>
  logits.sample %l, %seeds, %step, %tokens : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
  call @print_tokens(%tokens) : (memref<?xi32>) -> ()
  memref.dealloc %tokens : memref<?xi32>
  return
}

/// A [rows, 2^16] buffer of zeros whose first `neg_inf` entries per row are -inf.
func.func @flat_rows(%rows: index, %neg_inf: index) -> memref<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %vocab = arith.constant 65536 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %l = memref.alloc(%rows, %vocab) : memref<?x?xf32>
  scf.for %b = %c0 to %rows step %c1 {
    scf.for %v = %c0 to %vocab step %c1 {
      %low = arith.cmpi ult, %v, %neg_inf : index
      %x = arith.select %low, %ninf, %zero : f32
      memref.store %x, %l[%b, %v] : memref<?x?xf32>
    }
  }
  return %l : memref<?x?xf32>
}

/// A one-element seed vector.
func.func @seed(%s: i64) -> memref<?xi64> {
  %c0 = arith.constant 0 : index
  %m = memref.alloc() : memref<1xi64>
  memref.store %s, %m[%c0] : memref<1xi64>
  %d = memref.cast %m : memref<1xi64> to memref<?xi64>
  return %d : memref<?xi64>
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c32768 = arith.constant 32768 : index
  %step0 = arith.constant 0 : i64
  %step1 = arith.constant 1 : i64
  %step7 = arith.constant 7 : i64
  %all_ones = arith.constant -1 : i64
  %s0 = arith.constant 0 : i64
  %s1 = arith.constant 1 : i64
  %s42 = arith.constant 42 : i64

  // 2^16 equal logits: the running sum after token v is exactly v + 1 and
  // u * 2^16 = (word >> 8) / 2^8, so the token is the word's top 16 bits.
  // Rows seeded 0 and 1 at step 0: 0x6627 = 26151, 0xe3e8 = 58344.
  // CHECK: sizes = [2]
  // CHECK-NEXT: [26151, 58344]
  %flat = call @flat_rows(%c2, %c0) : (index, index) -> memref<?x?xf32>
  %seeds01 = memref.alloc() : memref<2xi64>
  memref.store %s0, %seeds01[%c0] : memref<2xi64>
  memref.store %s1, %seeds01[%c1] : memref<2xi64>
  %seeds01d = memref.cast %seeds01 : memref<2xi64> to memref<?xi64>
  call @sample(%flat, %seeds01d, %step0) : (memref<?x?xf32>, memref<?xi64>, i64) -> ()
  // Seeds 76 and 317 have bits 8..15 of the word clear, so u * 2^16 is an
  // integer (0xab83 = 43907, 0x03dd = 989) and the running sum reaches it
  // exactly at the token before: "exceeds" picks 43907 and 989 themselves.
  // CHECK: sizes = [2]
  // CHECK-NEXT: [43907, 989]
  %s76 = arith.constant 76 : i64
  %s317 = arith.constant 317 : i64
  %seeds_exact = memref.alloc() : memref<2xi64>
  memref.store %s76, %seeds_exact[%c0] : memref<2xi64>
  memref.store %s317, %seeds_exact[%c1] : memref<2xi64>
  %seeds_exactd = memref.cast %seeds_exact : memref<2xi64> to memref<?xi64>
  call @sample(%flat, %seeds_exactd, %step0) : (memref<?x?xf32>, memref<?xi64>, i64) -> ()
  // Seed 42 at step 7 (0x5bbd = 23485) and seed -1 at step -1 (0x4d18 =
  // 19736): a 64-bit seed and step split into two key / counter words; a
  // row's stream does not depend on its position in the batch.
  // CHECK: sizes = [2]
  // CHECK-NEXT: [23485, 23485]
  %seeds4242 = memref.alloc() : memref<2xi64>
  memref.store %s42, %seeds4242[%c0] : memref<2xi64>
  memref.store %s42, %seeds4242[%c1] : memref<2xi64>
  %seeds4242d = memref.cast %seeds4242 : memref<2xi64> to memref<?xi64>
  call @sample(%flat, %seeds4242d, %step7) : (memref<?x?xf32>, memref<?xi64>, i64) -> ()
  // CHECK: sizes = [2]
  // CHECK-NEXT: [19736, 19736]
  %seedsm1 = memref.alloc() : memref<2xi64>
  memref.store %all_ones, %seedsm1[%c0] : memref<2xi64>
  memref.store %all_ones, %seedsm1[%c1] : memref<2xi64>
  %seedsm1d = memref.cast %seedsm1 : memref<2xi64> to memref<?xi64>
  call @sample(%flat, %seedsm1d, %all_ones) : (memref<?x?xf32>, memref<?xi64>, i64) -> ()

  // The first 2^15 tokens -inf (weight 0), the other 2^15 equal: u * 2^15 =
  // (word >> 8) / 2^9, so the token is 2^15 + the word's top 15 bits:
  // 32768 + (0x6627e8d5 >> 17 = 0x3313 = 13075) = 45843.
  // CHECK: sizes = [1]
  // CHECK-NEXT: [45843]
  %half = call @flat_rows(%c1, %c32768) : (index, index) -> memref<?x?xf32>
  %seed0 = call @seed(%s0) : (i64) -> memref<?xi64>
  call @sample(%half, %seed0, %step0) : (memref<?x?xf32>, memref<?xi64>, i64) -> ()

  // Two-token rows, seed 0. Step 0: u = 0x6627e8 / 2^24 = 0.39905.
  //   [0, 0]:  target 0.798; the sum after token 0 is 1 > 0.798: 0.
  //   [-1, 0]: weights 0.368, 1; target 0.39905 * 1.368 = 0.546 > 0.368: 1.
  //   [0, -1]: weights 1, 0.368; target 0.546 < 1: 0.
  //   [-inf, NaN]: no number: -1.
  // CHECK: sizes = [4]
  // CHECK-NEXT: [0, 1, 0, -1]
  // Step 1: u = 0xf8e4cc / 2^24 = 0.97224: targets 1.944, 1.330, 1.330,
  // each above the first weight and below the total: 1, 1, 1, -1.
  // CHECK: sizes = [4]
  // CHECK-NEXT: [1, 1, 1, -1]
  %pg = memref.get_global @pairs : memref<4x2xf32>
  %p = memref.cast %pg : memref<4x2xf32> to memref<?x?xf32>
  %zg = memref.get_global @zero_seeds : memref<4xi64>
  %z = memref.cast %zg : memref<4xi64> to memref<?xi64>
  call @sample(%p, %z, %step0) : (memref<?x?xf32>, memref<?xi64>, i64) -> ()
  call @sample(%p, %z, %step1) : (memref<?x?xf32>, memref<?xi64>, i64) -> ()
  return
}
