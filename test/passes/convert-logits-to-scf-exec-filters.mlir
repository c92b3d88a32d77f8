// Execution tests of convert-logits-to-scf: top_k, top_p and min_p on small
// hand-made inputs, every expected row derived by hand in the comment above
// its CHECK lines (LogitsOps.td semantics; ln 3 is written 1.0986123).
// RUN: dec-opt %s --convert-logits-to-scf --convert-scf-to-cf --expand-strided-metadata \
// RUN:   --finalize-memref-to-llvm --convert-math-to-llvm --convert-arith-to-llvm \
// RUN:   --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// RUN:   --reconcile-unrealized-casts \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

// NaN is written 0x7FC00000, -inf 0xFF800000. Constant globals: each test
// filters a fresh copy.
memref.global "private" constant @top_k_in : memref<2x6xf32> =
    dense<[[1.0, 3.0, 3.0, 2.0, 0xFF800000, 0x7FC00000], [-0.0, 0.0, 1.0, -0.0, -1.0, 0x7FC00000]]>
memref.global "private" constant @top_p_in : memref<6x4xf32> =
    dense<[[0.0, 0.0, 0.0, 0.0],
           [1.0986123, 0.0, 0.0, 0xFF800000],
           [0.0, 1.0986123, -5.0, 0x7FC00000],
           [0xFF800000, 0x7FC00000, 0xFF800000, 0xFF800000],
           [0.0, -0.0, -1.0, 0xFF800000],
           [1.0e-30, 2.0e-30, 3.0e-30, 4.0e-30]]>
memref.global "private" constant @min_p_in : memref<3x6xf32> =
    dense<[[0.0, -0.5, -1.0, -3.0, 0x7FC00000, 0xFF800000],
           [5.0, 5.0, 4.5, 4.0, 3.0, 5.5],
           [0xFF800000, 0x7FC00000, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000]]>

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

func.func @print(%m: memref<?x?xf32>) {
  %u = memref.cast %m : memref<?x?xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

/// A fresh, writable copy of `src`.
func.func @copy(%src: memref<?x?xf32>) -> memref<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %src, %c0 : memref<?x?xf32>
  %cols = memref.dim %src, %c1 : memref<?x?xf32>
  %dst = memref.alloc(%rows, %cols) : memref<?x?xf32>
  scf.for %b = %c0 to %rows step %c1 {
    scf.for %v = %c0 to %cols step %c1 {
      %x = memref.load %src[%b, %v] : memref<?x?xf32>
      memref.store %x, %dst[%b, %v] : memref<?x?xf32>
    }
  }
  return %dst : memref<?x?xf32>
}

func.func @top_k(%k: i64) {
  %g = memref.get_global @top_k_in : memref<2x6xf32>
  %in = memref.cast %g : memref<2x6xf32> to memref<?x?xf32>
  %l = call @copy(%in) : (memref<?x?xf32>) -> memref<?x?xf32>
  logits.top_k %l, %k : memref<?x?xf32>
  call @print(%l) : (memref<?x?xf32>) -> ()
  memref.dealloc %l : memref<?x?xf32>
  return
}

func.func @top_p(%p: f32) {
  %g = memref.get_global @top_p_in : memref<6x4xf32>
  %in = memref.cast %g : memref<6x4xf32> to memref<?x?xf32>
  %l = call @copy(%in) : (memref<?x?xf32>) -> memref<?x?xf32>
  logits.top_p %l, %p : memref<?x?xf32>
  call @print(%l) : (memref<?x?xf32>) -> ()
  memref.dealloc %l : memref<?x?xf32>
  return
}

func.func @min_p(%p: f32) {
  %g = memref.get_global @min_p_in : memref<3x6xf32>
  %in = memref.cast %g : memref<3x6xf32> to memref<?x?xf32>
  %l = call @copy(%in) : (memref<?x?xf32>) -> memref<?x?xf32>
  logits.min_p %l, %p : memref<?x?xf32>
  call @print(%l) : (memref<?x?xf32>) -> ()
  memref.dealloc %l : memref<?x?xf32>
  return
}

func.func @main() {
  // top_k. Row 0 sorted (NaN last): 3 3 2 1 -inf NaN; row 1: 1 0 -0 -0 -1
  // NaN, where 0 and -0 are the same value.
  //
  // k = 1: row 0 keeps both 3s (ties with the boundary are kept); row 1 keeps 1.
  // CHECK: sizes = [2, 6]
  // CHECK-NEXT: {{\[}}[-inf, 3, 3, -inf, -inf, -inf],
  // CHECK-NEXT: [-inf, -inf, 1, -inf, -inf, -inf]]
  %k1 = arith.constant 1 : i64
  call @top_k(%k1) : (i64) -> ()
  // k = 2: row 0 boundary 3 again; row 1 boundary 0, the value of 0 and -0.
  // CHECK: sizes = [2, 6]
  // CHECK-NEXT: {{\[}}[-inf, 3, 3, -inf, -inf, -inf],
  // CHECK-NEXT: [-0, 0, 1, -0, -inf, -inf]]
  %k2 = arith.constant 2 : i64
  call @top_k(%k2) : (i64) -> ()
  // k = 3: row 0 boundary 2; row 1 boundary 0, which keeps all three zeros.
  // CHECK: sizes = [2, 6]
  // CHECK-NEXT: {{\[}}[-inf, 3, 3, 2, -inf, -inf],
  // CHECK-NEXT: [-0, 0, 1, -0, -inf, -inf]]
  %k3 = arith.constant 3 : i64
  call @top_k(%k3) : (i64) -> ()
  // k = 5: row 0 boundary -inf keeps every number, NaN (below every number)
  // goes; row 1 boundary -1.
  // CHECK: sizes = [2, 6]
  // CHECK-NEXT: {{\[}}[1, 3, 3, 2, -inf, -inf],
  // CHECK-NEXT: [-0, 0, 1, -0, -1, -inf]]
  %k5 = arith.constant 5 : i64
  call @top_k(%k5) : (i64) -> ()
  // k = vocab keeps the rows as they are, NaN included.
  // CHECK: sizes = [2, 6]
  // CHECK-NEXT: {{\[}}[1, 3, 3, 2, -inf, nan],
  // CHECK-NEXT: [-0, 0, 1, -0, -1, nan]]
  %k6 = arith.constant 6 : i64
  call @top_k(%k6) : (i64) -> ()

  // top_p. A token is kept when the tokens strictly above it hold less than
  // p. Probabilities: row 0 1/4 each; row 1 0.6 0.2 0.2 0; row 2 with weights
  // 1/3, 1, e^-6.0986 = 0.0022, 0: 0.2496 0.7487 0.0017 0; row 3 has no number
  // (left as is); row 4 weights 1, 1, e^-1, 0: 0.4223 0.4223 0.1554 0; row 5
  // weights exactly 1 (exp(-3e-30) rounds to 1), so the mass above a token is
  // exactly its rank / 4, and a token whose mass above equals p goes.
  //
  // p = 0.01: only the maxima (nothing is above them): all four tied zeros
  // of row 0, the tied 0 and -0 of row 4, 4e-30 in row 5.
  // CHECK: sizes = [6, 4]
  // CHECK-NEXT: {{\[}}[0, 0, 0, 0],
  // CHECK-NEXT: [1.09861, -inf, -inf, -inf],
  // CHECK-NEXT: [-inf, 1.09861, -inf, -inf],
  // CHECK-NEXT: [-inf, nan, -inf, -inf],
  // CHECK-NEXT: [0, -0, -inf, -inf],
  // CHECK-NEXT: [-inf, -inf, -inf, 4e-30]]
  %p001 = arith.constant 0.01 : f32
  call @top_p(%p001) : (f32) -> ()
  // p = 0.5: row 0 keeps all four (0 above each; HF's sort would keep only
  // two: ties at the boundary are kept together); row 1: 0.6 above the 0s;
  // row 2: 0.7487 above token 0, NaN removed; row 4: -1 has 0.8446 above;
  // row 5: 2e-30 has exactly 0.5 above, which is not < 0.5.
  // CHECK: sizes = [6, 4]
  // CHECK-NEXT: {{\[}}[0, 0, 0, 0],
  // CHECK-NEXT: [1.09861, -inf, -inf, -inf],
  // CHECK-NEXT: [-inf, 1.09861, -inf, -inf],
  // CHECK-NEXT: [-inf, nan, -inf, -inf],
  // CHECK-NEXT: [0, -0, -inf, -inf],
  // CHECK-NEXT: [-inf, -inf, 3e-30, 4e-30]]
  %p05 = arith.constant 0.5 : f32
  call @top_p(%p05) : (f32) -> ()
  // p = 0.8: row 1 keeps the 0s (0.6 < 0.8 above them), -inf has 1 above;
  // row 2 keeps token 0 (0.7487 above), not -5 (0.9983 above); row 4: -1
  // has 0.8446 >= 0.8 above; row 5: 1e-30 has 0.75 < 0.8 above.
  // CHECK: sizes = [6, 4]
  // CHECK-NEXT: {{\[}}[0, 0, 0, 0],
  // CHECK-NEXT: [1.09861, 0, 0, -inf],
  // CHECK-NEXT: [0, 1.09861, -inf, -inf],
  // CHECK-NEXT: [-inf, nan, -inf, -inf],
  // CHECK-NEXT: [0, -0, -inf, -inf],
  // CHECK-NEXT: [1e-30, 2e-30, 3e-30, 4e-30]]
  %p08 = arith.constant 0.8 : f32
  call @top_p(%p08) : (f32) -> ()
  // p = 0.9: row 4 keeps -1 too (0.8446 < 0.9).
  // CHECK: sizes = [6, 4]
  // CHECK-NEXT: {{\[}}[0, 0, 0, 0],
  // CHECK-NEXT: [1.09861, 0, 0, -inf],
  // CHECK-NEXT: [0, 1.09861, -inf, -inf],
  // CHECK-NEXT: [-inf, nan, -inf, -inf],
  // CHECK-NEXT: [0, -0, -1, -inf],
  // CHECK-NEXT: [1e-30, 2e-30, 3e-30, 4e-30]]
  %p09 = arith.constant 0.9 : f32
  call @top_p(%p09) : (f32) -> ()
  // p = 1 keeps every row as it is.
  // CHECK: sizes = [6, 4]
  // CHECK-NEXT: {{\[}}[0, 0, 0, 0],
  // CHECK-NEXT: [1.09861, 0, 0, -inf],
  // CHECK-NEXT: [0, 1.09861, -5, nan],
  // CHECK-NEXT: [-inf, nan, -inf, -inf],
  // CHECK-NEXT: [0, -0, -1, -inf],
  // CHECK-NEXT: [1e-30, 2e-30, 3e-30, 4e-30]]
  %p1 = arith.constant 1.0 : f32
  call @top_p(%p1) : (f32) -> ()

  // min_p: removed when exp(l - max) < p. Row 0 (max 0): exp of 0, -0.5,
  // -1, -3 = 1, 0.607, 0.368, 0.050; NaN is removed. Row 1 (max 5.5): the 5s
  // 0.607, 4.5 0.368, 4 0.223, 3 0.082. Row 2 has no number: NaN removed.
  //
  // p = 0.1:
  // CHECK: sizes = [3, 6]
  // CHECK-NEXT: {{\[}}[0, -0.5, -1, -inf, -inf, -inf],
  // CHECK-NEXT: [5, 5, 4.5, 4, -inf, 5.5],
  // CHECK-NEXT: [-inf, -inf, -inf, -inf, -inf, -inf]]
  %q01 = arith.constant 0.1 : f32
  call @min_p(%q01) : (f32) -> ()
  // p = 0.5:
  // CHECK: sizes = [3, 6]
  // CHECK-NEXT: {{\[}}[0, -0.5, -inf, -inf, -inf, -inf],
  // CHECK-NEXT: [5, 5, -inf, -inf, -inf, 5.5],
  // CHECK-NEXT: [-inf, -inf, -inf, -inf, -inf, -inf]]
  %q05 = arith.constant 0.5 : f32
  call @min_p(%q05) : (f32) -> ()
  // p = 1: only the maximum (exp(0) = 1 >= 1).
  // CHECK: sizes = [3, 6]
  // CHECK-NEXT: {{\[}}[0, -inf, -inf, -inf, -inf, -inf],
  // CHECK-NEXT: [-inf, -inf, -inf, -inf, -inf, 5.5],
  // CHECK-NEXT: [-inf, -inf, -inf, -inf, -inf, -inf]]
  %q1 = arith.constant 1.0 : f32
  call @min_p(%q1) : (f32) -> ()
  return
}
