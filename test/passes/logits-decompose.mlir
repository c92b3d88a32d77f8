// RUN: dec-opt %s -split-input-file -logits-decompose | FileCheck %s

// Each built-in logits op becomes one row program with the same semantics:
// temperature a map, top_k a k-th largest threshold, top_p a mass boundary
// over the softmax weights, sample a choose of weights + Philox + index.
// CHECK-LABEL: func.func @nucleus
// CHECK-SAME: (%[[L:.*]]: memref<?x?xf32>, %[[SEEDS:.*]]: memref<?xi64>, %[[STEP:.*]]: i64, %[[TOK:.*]]: memref<?xi32>)
// CHECK: logits.transform %[[L]](%{{.*}} : f32)
// CHECK:   logits.map
// CHECK:     arith.divf
// CHECK:   logits.yield
// CHECK: logits.transform %[[L]](%{{.*}} : i64)
// CHECK:   %[[KTH:.*]] = logits.kth_largest %{{.*}}, %{{.*}} : !logits.row<f32>
// CHECK:   logits.map
// CHECK:     arith.cmpf oge, %{{.*}}, %[[KTH]]
// CHECK:     arith.select
// CHECK: logits.transform %[[L]](%{{.*}} : f32)
// CHECK:   %[[MAX:.*]] = logits.reduce max
// CHECK:   %[[W:.*]] = logits.weights %{{.*}}, %[[MAX]]
// CHECK:   %[[SUM:.*]] = logits.reduce sum %[[W]] : !logits.row<f32> -> f64
// CHECK:   logits.mass_boundary %{{.*}}, %[[W]]
// CHECK: logits.choose %[[L]], %[[TOK]](%[[SEEDS]], %[[STEP]] : memref<?xi64>, i64)
// CHECK:   logits.weights
// CHECK:   %[[U:.*]] = logits.philox
// CHECK:   %[[I:.*]] = logits.sample_index %{{.*}}, %[[U]]
// CHECK:   logits.yield %[[I]] : i32
// CHECK-NOT: logits.temperature
// CHECK-NOT: logits.sample {{.*}}:
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

// Greedy: a choose whose body is an argmax reduction.
// CHECK-LABEL: func.func @greedy
// CHECK: logits.choose
// CHECK:   logits.reduce argmax
// CHECK-NOT: logits.argmax {{.*}}:
func.func @greedy(%logits: memref<?x?xf32>, %tokens: memref<?xi32>) {
  logits.argmax %logits, %tokens : memref<?x?xf32>, memref<?xi32>
  return
}
