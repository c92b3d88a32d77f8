// RUN: dec-opt %s -split-input-file -logits-decompose -logits-fuse | FileCheck %s

// A whole sampler pipeline on one buffer becomes a single logits.choose: the
// programs' inputs are concatenated, their bodies chained in order (each one
// reads the previous one's row), and the choice's result is yielded.
// CHECK-LABEL: func.func @nucleus
// CHECK-SAME: (%[[L:.*]]: memref<?x?xf32>, %[[SEEDS:.*]]: memref<?xi64>, %[[STEP:.*]]: i64, %[[TOK:.*]]: memref<?xi32>)
// CHECK-NOT: logits.transform
// CHECK: logits.choose %[[L]], %[[TOK]](%{{.*}}, %{{.*}}, %{{.*}}, %[[SEEDS]], %[[STEP]] : f32, i64, f32, memref<?xi64>, i64)
// CHECK: ^bb0(%[[ROW:.*]]: !logits.row<f32>, %[[T:.*]]: f32, %[[K:.*]]: i64, %[[P:.*]]: f32, %[[SEED:.*]]: i64, %[[S:.*]]: i64):
// CHECK:   %[[R1:.*]] = logits.map(%[[ROW]])
// CHECK:     arith.divf %{{.*}}, %[[T]]
// CHECK:   logits.kth_largest %[[R1]], %[[K]]
// CHECK:   %[[R2:.*]] = logits.map(%[[R1]])
// CHECK:   logits.mass_boundary %[[R2]]
// CHECK:   %[[R3:.*]] = logits.map(%[[R2]])
// CHECK:   logits.reduce max %[[R3]]
// CHECK:   logits.philox %[[SEED]], %[[S]]
// CHECK:   %[[I:.*]] = logits.sample_index
// CHECK:   logits.yield %[[I]] : i32
// CHECK-NOT: logits.choose
func.func @nucleus(%logits: memref<?x?xf32>, %seeds: memref<?xi64>, %step: i64, %tokens: memref<?xi32>) {
  %t = arith.constant 0.8 : f32
  logits.temperature %logits, %t : memref<?x?xf32>
  %k = arith.constant 50 : i64
  logits.top_k %logits, %k : memref<?x?xf32>
  %p = arith.constant 0.9 : f32
  logits.top_p %logits, %p : memref<?x?xf32>
  logits.sample %logits, %seeds, %step, %tokens : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
  return
}

// -----

// Programs on different buffers, or separated by an operation that reads the
// buffer, are not merged: the read must see the transformed logits.
// CHECK-LABEL: func.func @barrier
// CHECK: logits.transform %[[A:.*]](
// CHECK: memref.load
// CHECK: logits.choose
// CHECK-LABEL: func.func @two_buffers
// CHECK: logits.transform %arg0
// CHECK: logits.transform %arg1
func.func @barrier(%logits: memref<?x?xf32>, %tokens: memref<?xi32>) -> f32 {
  %t = arith.constant 0.8 : f32
  logits.temperature %logits, %t : memref<?x?xf32>
  %c0 = arith.constant 0 : index
  %x = memref.load %logits[%c0, %c0] : memref<?x?xf32>
  logits.argmax %logits, %tokens : memref<?x?xf32>, memref<?xi32>
  return %x : f32
}
func.func @two_buffers(%a: memref<?x?xf32>, %b: memref<?x?xf32>) {
  %t = arith.constant 0.8 : f32
  logits.temperature %a, %t : memref<?x?xf32>
  logits.temperature %b, %t : memref<?x?xf32>
  return
}
