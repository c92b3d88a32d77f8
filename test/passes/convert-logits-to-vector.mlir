// RUN: dec-opt %s -split-input-file -convert-logits-to-vector | FileCheck %s
// RUN: dec-opt %s -split-input-file -convert-logits-to-vector=vector-width=8 | FileCheck %s --check-prefix=W8
// RUN: not dec-opt %s -split-input-file -convert-logits-to-vector=vector-width=6 2>&1 | FileCheck %s --check-prefix=BAD

// W8-LABEL: func.func @top_k_top_p_sample
// W8:         arith.maxnumf %{{.*}} : vector<8xf32>
// W8-LABEL: func.func @penalty_min_p_sample
// W8:         scf.for %{{.*}} step %c32 iter_args(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// W8-LABEL: func.func @sample
// W8:         vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<8xf64> into f64
// BAD: vector-width must be a multiple of 4 between 4 and 64, got 6

// Fused row programs (the output of logits-decompose + logits-fuse for three
// samplers) lowered to vectorized loops; the checks pin the algorithms the
// pass chooses (see docs/dialects.md).

// temperature(0.8) | top_k(50) | top_p(0.9) | sample. Top-k with a constant k:
// pass 1 streams the unscaled row into per-lane block maxima (16 vectors per
// block), then folds groups of g blocks (g at run time: 2k to 4k group maxima,
// at most 4k + 16 = 216) when there are at least 4k block maxima; a radix search
// over one of them gives a lower bound; pass 2 re-reads only the blocks whose
// maxima reach the threshold. No per-token buffer prefill, no sort.
// CHECK-LABEL: func.func @top_k_top_p_sample
// CHECK-DAG:     %[[CANDIDATE_IDS:.*]] = memref.alloca() : memref<356xi32>
// CHECK-DAG:     %[[GROUP_MAX:.*]] = memref.alloca() : memref<216xf32>
// CHECK-DAG:     %[[BLOCK_MAX:.*]] = memref.alloca(%{{.*}}) : memref<?xf32>
// CHECK-DAG:     %[[GROUP_MAX_DYN:.*]] = memref.cast %[[GROUP_MAX]] : memref<216xf32> to memref<?xf32>
// CHECK:         scf.for
// Pass 1: the maximum of 16 vectors in four chains, stored per block.
// CHECK:           scf.for %{{.*}} = %c4 to %{{c16[_0-9]*}} step %c4 iter_args(%{{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4:     arith.maxnumf %{{.*}} : vector<16xf32>
// CHECK:           vector.store %{{.*}}, %[[BLOCK_MAX]][%{{.*}}] : memref<?xf32>, vector<16xf32>
// The group size: block maxima / 2k, and whether it is at least 2.
// CHECK:         %[[TWO_K:.*]] = arith.maxui %{{.*}}, %{{c1[_0-9]*}} : index
// CHECK:         %[[G:.*]] = arith.divui %{{.*}}, %[[TWO_K]] : index
// CHECK:         %[[USE_GROUPS:.*]] = arith.cmpi uge, %[[G]], %{{c2[_0-9]*}} : index
// CHECK:         scf.if %[[USE_GROUPS]] -> (index)
// Group maxima: block maxima folded in four chains, then the remainder.
// CHECK:           arith.minui
// CHECK:           scf.for {{.*}} step %c4 iter_args(%{{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4:     vector.load %[[BLOCK_MAX]][%{{.*}}] : memref<?xf32>, vector<16xf32>
// CHECK:           vector.store %{{.*}}, %[[GROUP_MAX]][%{{.*}}] : memref<216xf32>, vector<16xf32>
// CHECK:         arith.select %[[USE_GROUPS]], %[[GROUP_MAX_DYN]], %[[BLOCK_MAX]] : memref<?xf32>
// Pass 2: a block is read again only when one of its maxima reaches the threshold.
// CHECK:         vector.load %[[BLOCK_MAX]][%{{.*}}] : memref<?xf32>, vector<16xf32>
// CHECK-NEXT:    vector.broadcast
// CHECK-NEXT:    arith.cmpf oge
// CHECK:         scf.if
// CHECK:           scf.for %{{.*}} = %{{c0[_0-9]*}} to %{{c16[_0-9]*}} step %c1 iter_args
  func.func @top_k_top_p_sample(%arg0: memref<?x?xf32>, %arg1: memref<?x?xi32>, %arg2: memref<?xi64>, %arg3: i64, %arg4: memref<?xi32>) {
    logits.choose %arg0, %arg4(%arg2, %arg3 : memref<?xi64>, i64) : memref<?x?xf32>, memref<?xi32> {
    ^bb0(%arg5: !logits.row<f32>, %arg6: i64, %arg7: i64):
      %cst = arith.constant 0.89999997615814208 : f64
      %c50_i64 = arith.constant 50 : i64
      %cst_0 = arith.constant 8.000000e-01 : f32
      %cst_1 = arith.constant 2.2250738585072014E-308 : f64
      %cst_2 = arith.constant 0xFF800000 : f32
      %0 = logits.map(%arg5) : !logits.row<f32> -> !logits.row<f32> {
      ^bb0(%arg8: f32):
        %14 = arith.divf %arg8, %cst_0 : f32
        logits.map_yield %14 : f32
      }
      %1 = logits.kth_largest %0, %c50_i64 : !logits.row<f32>
      %2 = logits.map(%0) : !logits.row<f32> -> !logits.row<f32> {
      ^bb0(%arg8: f32):
        %14 = arith.cmpf oge, %arg8, %1 : f32
        %15 = arith.cmpf uno, %1, %1 : f32
        %16 = arith.ori %14, %15 : i1
        %17 = arith.select %16, %arg8, %cst_2 : f32
        logits.map_yield %17 : f32
      }
      %3 = logits.reduce max %2 : !logits.row<f32> -> f32
      %4 = logits.weights %2, %3 : !logits.row<f32>
      %5 = logits.reduce sum %4 : !logits.row<f32> -> f64
      %6 = arith.mulf %5, %cst : f64
      %7 = arith.maxnumf %6, %cst_1 : f64
      %8 = logits.mass_boundary %2, %4, %7 : !logits.row<f32>
      %9 = logits.map(%2) : !logits.row<f32> -> !logits.row<f32> {
      ^bb0(%arg8: f32):
        %14 = arith.cmpf oge, %arg8, %8 : f32
        %15 = arith.cmpf uno, %8, %8 : f32
        %16 = arith.ori %14, %15 : i1
        %17 = arith.select %16, %arg8, %cst_2 : f32
        logits.map_yield %17 : f32
      }
      %10 = logits.reduce max %9 : !logits.row<f32> -> f32
      %11 = logits.weights %9, %10 : !logits.row<f32>
      %12 = logits.philox %arg6, %arg7
      %13 = logits.sample_index %11, %12 : !logits.row<f32>
      logits.yield %13 : i32
    }
    return
  }

// -----

// repetition_penalty(1.2) | min_p(0.05) | sample. The penalty only asks
// whether a token is in the history, so the history sets bits of a bitset
// (no count table, no masked loads of counts); the penalty's division is
// computed only for vectors holding a token of the history (lazy select);
// the max pass keeps four independent accumulators.
// CHECK-LABEL: func.func @penalty_min_p_sample
// CHECK-NOT:     vector.maskedload %alloca
// CHECK:         scf.for %{{.*}} step %c64 iter_args(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:           %[[LISTED:.*]] = arith.extui %{{.*}} : vector<16xi1> to vector<16xi32>
// CHECK-NEXT:      %[[PENALIZED:.*]] = arith.cmpi sgt, %[[LISTED]], %{{.*}} : vector<16xi32>
// CHECK-NEXT:      %[[PACKED:.*]] = vector.bitcast %[[PENALIZED]] : vector<16xi1> to vector<1xi16>
// CHECK-NEXT:      %[[BITS:.*]] = vector.extract %[[PACKED]][0] : i16 from vector<1xi16>
// CHECK-NEXT:      %[[ANY:.*]] = arith.cmpi ne, %[[BITS]], %{{.*}} : i16
// CHECK-NEXT:      scf.if %[[ANY]] -> (vector<16xf32>) {
// CHECK-NEXT:        arith.cmpf olt
// CHECK-NEXT:        arith.mulf
// CHECK-NEXT:        arith.divf
// CHECK-NEXT:        arith.select
// CHECK-NEXT:        arith.select %[[PENALIZED]]
// CHECK-NEXT:        scf.yield
// CHECK-NEXT:      } else {
// CHECK-NOT:     vector.maskedload %alloca
// CHECK-LABEL: func.func @sample
  func.func @penalty_min_p_sample(%arg0: memref<?x?xf32>, %arg1: memref<?x?xi32>, %arg2: memref<?xi64>, %arg3: i64, %arg4: memref<?xi32>) {
    logits.choose %arg0, %arg4(%arg1, %arg2, %arg3 : memref<?x?xi32>, memref<?xi64>, i64) : memref<?x?xf32>, memref<?xi32> {
    ^bb0(%arg5: !logits.row<f32>, %arg6: !logits.ids, %arg7: i64, %arg8: i64):
      %cst = arith.constant 5.000000e-02 : f32
      %cst_0 = arith.constant 1.200000e+00 : f32
      %cst_1 = arith.constant 0xFF800000 : f32
      %cst_2 = arith.constant 0.000000e+00 : f32
      %c0_i32 = arith.constant 0 : i32
      %0 = logits.ids_count %arg6 : !logits.row<i32>
      %1 = logits.map(%arg5, %0) : !logits.row<f32>, !logits.row<i32> -> !logits.row<f32> {
      ^bb0(%arg9: f32, %arg10: i32):
        %9 = arith.cmpi sgt, %arg10, %c0_i32 : i32
        %10 = arith.cmpf olt, %arg9, %cst_2 : f32
        %11 = arith.mulf %arg9, %cst_0 : f32
        %12 = arith.divf %arg9, %cst_0 : f32
        %13 = arith.select %10, %11, %12 : f32
        %14 = arith.select %9, %13, %arg9 : f32
        logits.map_yield %14 : f32
      }
      %2 = logits.reduce max %1 : !logits.row<f32> -> f32
      %3 = logits.weights %1, %2 : !logits.row<f32>
      %4 = logits.map(%1, %3) : !logits.row<f32>, !logits.row<f32> -> !logits.row<f32> {
      ^bb0(%arg9: f32, %arg10: f32):
        %9 = arith.cmpf oge, %arg10, %cst : f32
        %10 = arith.select %9, %arg9, %cst_1 : f32
        logits.map_yield %10 : f32
      }
      %5 = logits.reduce max %4 : !logits.row<f32> -> f32
      %6 = logits.weights %4, %5 : !logits.row<f32>
      %7 = logits.philox %arg7, %arg8
      %8 = logits.sample_index %6, %7 : !logits.row<f32>
      logits.yield %8 : i32
    }
    return
  }

// -----

// A plain sample: the sum pass stores the weight of every 256-token block
// (f64), and the walk skips whole blocks before the vector and token walks.
// CHECK:         %[[SUMS:.*]] = memref.alloca(%{{.*}}) : memref<?xf64>
// CHECK:         scf.for {{.*}} -> (f64)
// CHECK:           scf.for {{.*}} -> (vector<16xf64>)
// CHECK:             math.fma
// CHECK:           vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<16xf64> into f64
// CHECK-NEXT:      memref.store %{{.*}}, %[[SUMS]][%{{.*}}] : memref<?xf64>
// CHECK:         scf.while
// CHECK:           memref.load %[[SUMS]]
// CHECK:           arith.cmpf ole
// CHECK:         scf.while
// CHECK:         scf.while
  func.func @sample(%arg0: memref<?x?xf32>, %arg1: memref<?x?xi32>, %arg2: memref<?xi64>, %arg3: i64, %arg4: memref<?xi32>) {
    logits.choose %arg0, %arg4(%arg2, %arg3 : memref<?xi64>, i64) : memref<?x?xf32>, memref<?xi32> {
    ^bb0(%arg5: !logits.row<f32>, %arg6: i64, %arg7: i64):
      %0 = logits.reduce max %arg5 : !logits.row<f32> -> f32
      %1 = logits.weights %arg5, %0 : !logits.row<f32>
      %2 = logits.philox %arg6, %arg7
      %3 = logits.sample_index %1, %2 : !logits.row<f32>
      logits.yield %3 : i32
    }
    return
  }
