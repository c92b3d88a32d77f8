// Transforms whose parameter makes them the identity are erased.
// RUN: dec-opt %s -split-input-file -canonicalize | FileCheck %s

// CHECK-LABEL: func.func @identities
// CHECK-NOT: logits.
// CHECK: return
func.func @identities(%l: memref<?x?xf32>, %h: memref<?x?xi32>) {
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  logits.temperature %l, %one : memref<?x?xf32>
  logits.top_p %l, %one : memref<?x?xf32>
  logits.min_p %l, %zero : memref<?x?xf32>
  logits.repetition_penalty %l, %h, %one : memref<?x?xf32>, memref<?x?xi32>
  return
}

// -----

// CHECK-LABEL: func.func @not_identities
// CHECK: logits.temperature
// CHECK: logits.top_p
// CHECK: logits.min_p
// CHECK: logits.repetition_penalty
func.func @not_identities(%l: memref<?x?xf32>, %h: memref<?x?xi32>, %dyn: f32) {
  %half = arith.constant 0.5 : f32
  logits.temperature %l, %half : memref<?x?xf32>
  logits.top_p %l, %half : memref<?x?xf32>
  logits.min_p %l, %half : memref<?x?xf32>
  logits.repetition_penalty %l, %h, %dyn : memref<?x?xf32>, memref<?x?xi32>
  return
}
