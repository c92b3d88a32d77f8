// Row programs become kernels launched with one block per row. The structure
// checked here is what makes the kernels parallel and correct on a GPU: the
// launch grid, block-strided loops over the vocabulary, workgroup histograms
// filled with atomics and separated by barriers, block-wide reductions, and
// the shared presence bitset for listed tokens (no per-token list scan).
// RUN: dec-opt %s -split-input-file -logits-decompose -logits-fuse -canonicalize -convert-logits-to-gpu | FileCheck %s
// RUN: dec-opt %s -split-input-file -logits-decompose -logits-fuse -canonicalize -convert-logits-to-gpu="block-size=128" | FileCheck %s --check-prefix=B128
// And the kernels go through the upstream NVVM pipeline (PTX, no CUDA needed).
// RUN: dec-opt %s -split-input-file -logits-decompose -logits-fuse -canonicalize -convert-logits-to-gpu \
// RUN:   | dec-opt -split-input-file --pass-pipeline='builtin.module(gpu.module(convert-gpu-to-nvvm,reconcile-unrealized-casts))' \
// RUN:   | FileCheck %s --check-prefix=NVVM

// CHECK-LABEL: func.func @sampler(
// CHECK-SAME:      %[[L:[^:]+]]: memref<?x?xf32>
// CHECK-NOT:     logits.
// CHECK:         %[[BATCH:.*]] = memref.dim %[[L]], %c0
// CHECK:         gpu.launch_func @dec_kernels::@sampler_0 blocks in (%[[BATCH]], %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK-NOT:     logits.
// CHECK:         return
// CHECK:       gpu.module @dec_kernels
// CHECK:         gpu.func @sampler_0(
// CHECK-SAME:        workgroup(
// CHECK-SAME:        memref<256xi32, #gpu.address_space<workgroup>>
// CHECK-SAME:        memref<8192xi32, #gpu.address_space<workgroup>>)
// CHECK-SAME:        kernel attributes {known_block_size = array<i32: 256, 1, 1>, nvvm.minctasm = 2 : i32}
// CHECK:           %[[VOCAB:.*]] = memref.dim %{{.*}}, %c1
// CHECK:           %[[ROW:.*]] = gpu.block_id x
// CHECK:           %[[TID:.*]] = gpu.thread_id x
// CHECK:           %[[THREADS:.*]] = gpu.block_dim x
// The banned ids are marked once in the bitset.
// CHECK:           memref.atomic_rmw ori
// CHECK:           gpu.barrier
// top_k: radix rounds, each a strided histogram pass with shared atomics.
// CHECK:           scf.for %{{.*}} = %[[TID]] to %[[VOCAB]] step %[[THREADS]]
// CHECK:             memref.load %{{.*}}[%[[ROW]], %{{.*}}] : memref<?x?xf32>
// CHECK:             memref.atomic_rmw addi
// CHECK:           gpu.barrier
// softmax maximum and the sampled token: block-wide reductions.
// CHECK:           gpu.all_reduce maxnumf
// CHECK:           gpu.all_reduce maxsi
// CHECK:           memref.store %{{.*}}, %{{.*}}[%[[ROW]]] : memref<?xi32>
// CHECK:           gpu.return
// B128: threads in (%c128, %c1, %c1)
// B128: memref<129xf64, #gpu.address_space<workgroup>>
// B128: known_block_size = array<i32: 128, 1, 1>, nvvm.minctasm = 4 : i32
// NVVM: llvm.func @sampler_0(
// NVVM-SAME: nvvm.kernel
// NVVM-DAG: nvvm.read.ptx.sreg.ctaid.x
// NVVM-DAG: nvvm.read.ptx.sreg.tid.x
// NVVM-DAG: nvvm.barrier
// NVVM-DAG: nvvm.shfl.sync
// NVVM-DAG: llvm.atomicrmw _or
// NVVM-DAG: llvm.atomicrmw add
func.func @sampler(%l: memref<?x?xf32>, %ban: memref<?xi32>, %seeds: memref<?xi64>, %step: i64, %out: memref<?xi32>) {
  logits.suppress %l, %ban : memref<?x?xf32>, memref<?xi32>
  %t = arith.constant 0.8 : f32
  logits.temperature %l, %t : memref<?x?xf32>
  %k = arith.constant 50 : i64
  logits.top_k %l, %k : memref<?x?xf32>
  logits.sample %l, %seeds, %step, %out : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
  return
}

// -----

// Greedy: one kernel, a single pass and an argmax reduction; no histograms
// or bitset are touched, so there are no atomics.
// CHECK-LABEL: func.func @greedy(
// CHECK:         gpu.launch_func @dec_kernels::@sampler_0
// CHECK:       gpu.func @sampler_0(
// CHECK-NOT:     memref.atomic_rmw
// CHECK:         gpu.all_reduce maxnumf
// CHECK-NOT:     memref.atomic_rmw
// CHECK:         gpu.return
func.func @greedy(%l: memref<?x?xf32>, %out: memref<?xi32>) {
  logits.argmax %l, %out : memref<?x?xf32>, memref<?xi32>
  return
}
