// The whole CPU pipeline leaves only the LLVM dialect (and the builtin module).
// RUN: dec-opt %s -dec-lower-to-llvm | FileCheck %s \
// RUN:   --implicit-check-not="dec." --implicit-check-not="logits." \
// RUN:   --implicit-check-not="memref." --implicit-check-not="scf." \
// RUN:   --implicit-check-not="arith." --implicit-check-not="func." \
// RUN:   --implicit-check-not="cf." --implicit-check-not="math." \
// RUN:   --implicit-check-not="unrealized_conversion_cast"
// And LLVM can compile the result. Fused kernels compute exp with a
// polynomial (vectorizable); the per-op reference lowering calls libm.
// RUN: dec-opt %s -dec-lower-to-llvm | mlir-translate --mlir-to-llvmir | llc -O2 -filetype=obj -o %t.o
// RUN: llvm-nm %t.o | FileCheck %s --check-prefixes=SYMBOLS,FUSED
// RUN: dec-opt %s -dec-lower-to-llvm="fuse=false" | mlir-translate --mlir-to-llvmir | llc -O2 -filetype=obj -o %t.unfused.o
// RUN: llvm-nm %t.unfused.o | FileCheck %s --check-prefixes=SYMBOLS,UNFUSED

// CHECK: llvm.func @__dec_entry_hello(%{{.*}}: !llvm.ptr) -> !llvm.ptr
// SYMBOLS-DAG: R __dec_abi_version
// SYMBOLS-DAG: T __dec_entry_hello
// SYMBOLS-DAG: R __dec_manifest
// SYMBOLS-DAG: U decrt_seq_begin
// SYMBOLS-DAG: U decrt_seq_forward
// FUSED-NOT: expf
// UNFUSED-DAG: U expf

dec.model @lm kind "causal" path "/m/model.pt" tokenizer "/m/tokenizer.json"
dec.decode @hello(%prompt: !dec.text) -> !dec.text {
  %out = dec.autoregressive @lm(%prompt) max_tokens 64 stop ["\n\n"] ban ["damn"] ban_tokens [13, 42] ban_eos {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %t = arith.constant 0.8 : f32
    logits.temperature %logits, %t : memref<?x?xf32>
    %k = arith.constant 50 : i64
    logits.top_k %logits, %k : memref<?x?xf32>
    %p = arith.constant 0.9 : f32
    logits.top_p %logits, %p : memref<?x?xf32>
    logits.min_p %logits, %p : memref<?x?xf32>
    %h = dec.history %seq : memref<?x?xi32>
    %r = arith.constant 1.1 : f32
    logits.repetition_penalty %logits, %h, %r : memref<?x?xf32>, memref<?x?xi32>
    %seeds = dec.seeds %seq : memref<?xi64>
    %out = memref.alloca() : memref<1xi32>
    %outd = memref.cast %out : memref<1xi32> to memref<?xi32>
    logits.sample %logits, %seeds, %step, %outd : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
    %c0 = arith.constant 0 : index
    %tok = memref.load %out[%c0] : memref<1xi32>
    dec.yield %tok : i32
  }
  dec.return %out
}
