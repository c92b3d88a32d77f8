// Execution tests of convert-logits-to-scf: elementwise transforms, softmax
// and argmax on small hand-made inputs. Every expected value is derived by
// hand in the comment above its CHECK lines (LogitsOps.td semantics).
// RUN: dec-opt %s --convert-logits-to-scf --convert-scf-to-cf --expand-strided-metadata \
// RUN:   --finalize-memref-to-llvm --convert-math-to-llvm --convert-arith-to-llvm \
// RUN:   --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// RUN:   --reconcile-unrealized-casts \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

// NaN is written 0x7FC00000, -inf 0xFF800000.
memref.global "private" @temperature_in : memref<2x6xf32> =
    dense<[[1.0, -2.0, 0.5, 0xFF800000, 3.0, 0x7FC00000], [6.0, -0.0, 7.0, 0.0, 0.1, 1.0e30]]>
memref.global "private" @penalty_in : memref<2x6xf32> =
    dense<[[1.0, -1.0, 2.0, -2.0, 0.0, 4.0], [3.0, -3.0, 0.5, -0.5, -0.0, 8.0]]>
memref.global "private" @history : memref<2x6xi32> =
    dense<[[0, 1, 1, -1, 6, 3], [4, 5, -7, 2, 2, -1]]>
memref.global "private" @suppress_in : memref<2x6xf32> =
    dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [-1.0, -2.0, -3.0, -4.0, -5.0, -6.0]]>
memref.global "private" @suppressed : memref<6xi32> = dense<[1, 3, 1, -1, 7, 5]>
// 0x80000001 = -2147483647 (bits 0 and 31), 0xFFFFFFFE = -2 (all bits but 0).
memref.global "private" @allowed : memref<2x2xi32> = dense<[[5, -2], [-2147483647, 1]]>
memref.global "private" @softmax_in : memref<4x4xf32> =
    dense<[[0.0, 0.0, 0.0, 0.0], [0x7FC00000, 0xFF800000, 0.0, 0.0],
           [0xFF800000, 0xFF800000, 0x7FC00000, 0xFF800000], [1.0986123, 0.0, 0.0, 0xFF800000]]>
memref.global "private" @argmax_in : memref<5x4xf32> =
    dense<[[1.0, 3.0, 3.0, 2.0], [0x7FC00000, 0xFF800000, 0xFF800000, 0x7FC00000],
           [0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0x7FC00000, 2.0, 0x7FC00000, 2.0],
           [-0.0, 0.0, -1.0, -2.0]]>

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}

func.func @print(%m: memref<?x?xf32>) {
  %u = memref.cast %m : memref<?x?xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @print_tokens(%t: memref<?xi32>) {
  %u = memref.cast %t : memref<?xi32> to memref<*xi32>
  call @printMemrefI32(%u) : (memref<*xi32>) -> ()
  return
}

// l / 2 for every entry; -0 / 2 = -0, NaN stays NaN, 1e30 / 2 = 5e29.
// CHECK: sizes = [2, 6]
// CHECK-NEXT: {{\[}}[0.5, -1, 0.25, -inf, 1.5, nan],
// CHECK-NEXT: [3, -0, 3.5, 0, 0.05, 5e+29]]
func.func @temperature() {
  %g = memref.get_global @temperature_in : memref<2x6xf32>
  %l = memref.cast %g : memref<2x6xf32> to memref<?x?xf32>
  %t = arith.constant 2.0 : f32
  logits.temperature %l, %t : memref<?x?xf32>
  call @print(%l) : (memref<?x?xf32>) -> ()
  return
}

// r = 2. Row 0 penalises {0, 1, 3} (1 twice, -1 padding, 6 = vocab is out of
// range): 1 / 2, -1 * 2 (once, not -4), -2 * 2.
// Row 1 penalises {4, 5, 2} (-7 out of range, 2 twice): -0 is not < 0 so
// -0 / 2 = -0; 8 / 2; 0.5 / 2 once (not 0.125).
// CHECK: sizes = [2, 6]
// CHECK-NEXT: {{\[}}[0.5, -2, 2, -4, 0, 4],
// CHECK-NEXT: [3, -3, 0.25, -0.5, -0, 4]]
func.func @repetition_penalty() {
  %g = memref.get_global @penalty_in : memref<2x6xf32>
  %l = memref.cast %g : memref<2x6xf32> to memref<?x?xf32>
  %hg = memref.get_global @history : memref<2x6xi32>
  %h = memref.cast %hg : memref<2x6xi32> to memref<?x?xi32>
  %r = arith.constant 2.0 : f32
  logits.repetition_penalty %l, %h, %r : memref<?x?xf32>, memref<?x?xi32>
  call @print(%l) : (memref<?x?xf32>) -> ()
  return
}

// Ids {1, 3, 5} in every row (1 twice, -1 and 7 = vocab + 1 ignored).
// CHECK: sizes = [2, 6]
// CHECK-NEXT: {{\[}}[1, -inf, 3, -inf, 5, -inf],
// CHECK-NEXT: [-1, -inf, -3, -inf, -5, -inf]]
func.func @suppress() {
  %g = memref.get_global @suppress_in : memref<2x6xf32>
  %l = memref.cast %g : memref<2x6xf32> to memref<?x?xf32>
  %ig = memref.get_global @suppressed : memref<6xi32>
  %ids = memref.cast %ig : memref<6xi32> to memref<?xi32>
  logits.suppress %l, %ids : memref<?x?xf32>, memref<?xi32>
  call @print(%l) : (memref<?x?xf32>) -> ()
  return
}

// Vocabulary 33 (two words), l[b, v] = v. Row 0: word 0 = 5 allows 0 and 2;
// word 1 = 0xFFFFFFFE has bit 0 (token 32) clear, its other bits are past the
// vocabulary. Row 1: word 0 = 0x80000001 allows 0 and 31, word 1 = 1 allows 32.
// CHECK: sizes = [2, 33]
// CHECK-NEXT: {{\[}}[0, -inf, 2, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf],
// CHECK-NEXT: [0, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 31, 32]]
func.func @mask() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c33 = arith.constant 33 : index
  %l = memref.alloc(%c2, %c33) : memref<?x?xf32>
  scf.for %b = %c0 to %c2 step %c1 {
    scf.for %v = %c0 to %c33 step %c1 {
      %i = arith.index_cast %v : index to i32
      %f = arith.sitofp %i : i32 to f32
      memref.store %f, %l[%b, %v] : memref<?x?xf32>
    }
  }
  %ag = memref.get_global @allowed : memref<2x2xi32>
  %a = memref.cast %ag : memref<2x2xi32> to memref<?x?xi32>
  logits.mask %l, %a : memref<?x?xf32>, memref<?x?xi32>
  call @print(%l) : (memref<?x?xf32>) -> ()
  memref.dealloc %l : memref<?x?xf32>
  return
}

// Row 0: four equal weights, 1/4 each. Row 1: NaN and -inf weigh 0, the two
// zeros 1 each. Row 2 has no number: zeros. Row 3: 1.0986123 ~ ln 3, weights
// 1, 1/3, 1/3, 0 of total 5/3: 0.6, 0.2, 0.2, 0 (to the 6 printed digits).
// CHECK: sizes = [4, 4]
// CHECK-NEXT: {{\[}}[0.25, 0.25, 0.25, 0.25],
// CHECK-NEXT: [0, 0, 0.5, 0.5],
// CHECK-NEXT: [0, 0, 0, 0],
// CHECK-NEXT: [0.6, 0.2, 0.2, 0]]
func.func @softmax() {
  %g = memref.get_global @softmax_in : memref<4x4xf32>
  %l = memref.cast %g : memref<4x4xf32> to memref<?x?xf32>
  logits.softmax %l : memref<?x?xf32>
  call @print(%l) : (memref<?x?xf32>) -> ()
  return
}

// First maximum (3 at 1, not 2); only NaN and -inf: -1; only -inf: -1; NaN
// never chosen, first 2 at 1; -0 == 0 so the first zero, at 0.
// CHECK: sizes = [5]
// CHECK-NEXT: [1, -1, -1, 1, 0]
func.func @argmax() {
  %g = memref.get_global @argmax_in : memref<5x4xf32>
  %l = memref.cast %g : memref<5x4xf32> to memref<?x?xf32>
  %tokens = memref.alloc() : memref<5xi32>
  %t = memref.cast %tokens : memref<5xi32> to memref<?xi32>
  logits.argmax %l, %t : memref<?x?xf32>, memref<?xi32>
  call @print_tokens(%t) : (memref<?xi32>) -> ()
  memref.dealloc %tokens : memref<5xi32>
  return
}

func.func @main() {
  call @temperature() : () -> ()
  call @repetition_penalty() : () -> ()
  call @suppress() : () -> ()
  call @mask() : () -> ()
  call @softmax() : () -> ()
  call @argmax() : () -> ()
  return
}
