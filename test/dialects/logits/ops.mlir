// Round trip of every logits operation.
// RUN: dec-opt %s | dec-opt | FileCheck %s

// CHECK-LABEL: func.func @pipeline
func.func @pipeline(%l: memref<?x?xf32>, %h: memref<?x?xi32>, %ids: memref<?xi32>,
                    %mask: memref<?x?xi32>, %seeds: memref<?xi64>, %out: memref<?xi32>,
                    %step: i64) {
  %t = arith.constant 0.7 : f32
  %k = arith.constant 50 : i64
  %p = arith.constant 0.9 : f32
  %r = arith.constant 1.3 : f32
  // CHECK: logits.temperature %{{.*}}, %{{.*}} : memref<?x?xf32>
  logits.temperature %l, %t : memref<?x?xf32>
  // CHECK: logits.top_k %{{.*}}, %{{.*}} : memref<?x?xf32>
  logits.top_k %l, %k : memref<?x?xf32>
  // CHECK: logits.top_p %{{.*}}, %{{.*}} : memref<?x?xf32>
  logits.top_p %l, %p : memref<?x?xf32>
  // CHECK: logits.min_p %{{.*}}, %{{.*}} : memref<?x?xf32>
  logits.min_p %l, %p : memref<?x?xf32>
  // CHECK: logits.repetition_penalty %{{.*}}, %{{.*}}, %{{.*}} : memref<?x?xf32>, memref<?x?xi32>
  logits.repetition_penalty %l, %h, %r : memref<?x?xf32>, memref<?x?xi32>
  // CHECK: logits.suppress %{{.*}}, %{{.*}} : memref<?x?xf32>, memref<?xi32>
  logits.suppress %l, %ids : memref<?x?xf32>, memref<?xi32>
  // CHECK: logits.mask %{{.*}}, %{{.*}} : memref<?x?xf32>, memref<?x?xi32>
  logits.mask %l, %mask : memref<?x?xf32>, memref<?x?xi32>
  // CHECK: logits.softmax %{{.*}} : memref<?x?xf32>
  logits.softmax %l : memref<?x?xf32>
  // CHECK: logits.argmax %{{.*}}, %{{.*}} : memref<?x?xf32>, memref<?xi32>
  logits.argmax %l, %out : memref<?x?xf32>, memref<?xi32>
  // CHECK: logits.sample %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
  logits.sample %l, %seeds, %step, %out : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
  return
}

// Static shapes are accepted too.
// CHECK-LABEL: func.func @static
func.func @static(%l: memref<2x64xf32>, %mask: memref<2x2xi32>, %out: memref<2xi32>) {
  // CHECK: logits.mask %{{.*}}, %{{.*}} : memref<2x64xf32>, memref<2x2xi32>
  logits.mask %l, %mask : memref<2x64xf32>, memref<2x2xi32>
  logits.argmax %l, %out : memref<2x64xf32>, memref<2xi32>
  return
}
