// No dec operation or type survives the conversion.
// RUN: dec-opt %s -split-input-file -dec-expand-schedules -convert-dec-to-llvm \
// RUN:   | FileCheck %s --implicit-check-not="dec."

dec.model @lm kind "causal" path "/m/model.pt" tokenizer "/m/tok.json"
dec.model @other kind "causal" path "/m/other.pt" tokenizer "/m/tok.json"

// The manifest lists the models in order, the entries, and one sequence
// config per dec.begin (model index, stop and banned strings).
// CHECK-DAG: llvm.mlir.global external constant @__dec_abi_version(1 : i32)
// CHECK-DAG: llvm.mlir.global external constant @__dec_manifest("{\22abi\22:1,\22entries\22:[{\22name\22:\22steps\22,\22symbol\22:\22__dec_entry_steps\22}],\22models\22:[{\22kind\22:\22causal\22,\22name\22:\22lm\22,\22path\22:\22/m/model.pt\22,\22tokenizer\22:\22/m/tok.json\22},{\22kind\22:\22causal\22,\22name\22:\22other\22,\22path\22:\22/m/other.pt\22,\22tokenizer\22:\22/m/tok.json\22}],\22sequences\22:[{\22ban\22:[\22y\22],\22model\22:1,\22stop\22:[\22x\22]}]}\00")
// CHECK-DAG: llvm.func @decrt_seq_begin(!llvm.ptr, i32, i32) -> !llvm.ptr
// CHECK-DAG: llvm.func @decrt_seq_logits(!llvm.ptr, !llvm.ptr)
// CHECK-DAG: llvm.func @decrt_seq_emit(!llvm.ptr, i32) -> i32

// CHECK-LABEL: func.func @__dec_entry_steps
// CHECK-SAME: (%[[PROMPT:.*]]: !llvm.ptr) -> !llvm.ptr
// CHECK: %[[MODEL:.*]] = llvm.mlir.constant(1 : i32)
// CHECK: %[[CONFIG:.*]] = llvm.mlir.constant(0 : i32)
// CHECK: %[[SEQ:.*]] = llvm.call @decrt_seq_begin(%[[PROMPT]], %[[MODEL]], %[[CONFIG]])
// CHECK: llvm.call @decrt_seq_max_tokens(%[[SEQ]], %{{.*}}) : (!llvm.ptr, i64) -> i64
// CHECK: %[[SLOT:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: llvm.call @decrt_seq_logits(%[[SEQ]], %[[SLOT]])
// CHECK: llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: llvm.call @decrt_seq_history
// CHECK: llvm.call @decrt_seq_eos_tokens({{.*}}) : (!llvm.ptr, !llvm.ptr) -> ()
// CHECK: llvm.call @decrt_seq_allowed_mask
// CHECK: llvm.call @decrt_seq_seeds
// CHECK: %[[EMITTED:.*]] = llvm.call @decrt_seq_emit(%[[SEQ]], %{{.*}})
// CHECK: llvm.icmp "ne" %[[EMITTED]]
// CHECK: llvm.call @decrt_seq_forward(%[[SEQ]], %{{.*}})
// CHECK: %[[TEXT:.*]] = llvm.call @decrt_seq_finish(%[[SEQ]])
// CHECK: return %[[TEXT]] : !llvm.ptr
dec.decode @steps(%prompt: !dec.text) -> !dec.text {
  %seq = dec.begin @other(%prompt) stop ["x"] ban ["y"]
  %max = dec.max_tokens %seq default 16
  %l = dec.logits %seq : memref<?x?xf32>
  %h = dec.history %seq : memref<?x?xi32>
  %e = dec.eos_tokens %seq : memref<?xi32>
  %m = dec.allowed_mask %seq : memref<?x?xi32>
  %s = dec.seeds %seq : memref<?xi64>
  %t = arith.constant 7 : i32
  %done = dec.emit %seq, %t
  dec.forward %seq, %t
  %text = dec.finish %seq
  dec.return %text
}

// -----

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"

// Each decoding step's alloca scope becomes stacksave/stackrestore.
// CHECK-LABEL: func.func @__dec_entry_scoped
// CHECK: scf.while
// CHECK: } do {
// CHECK:   %[[SAVED:.*]] = llvm.intr.stacksave : !llvm.ptr
// CHECK:   memref.alloca
// CHECK:   llvm.intr.stackrestore %[[SAVED]]
// CHECK:   scf.yield
dec.decode @scoped(%prompt: !dec.text) -> !dec.text {
  %out = dec.autoregressive @lm(%prompt) max_tokens 4 {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %buf = memref.alloca() : memref<1xi32>
    %c0 = arith.constant 0 : index
    %tok = memref.load %buf[%c0] : memref<1xi32>
    dec.yield %tok : i32
  }
  dec.return %out
}

// -----

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"

// A structured constraint is recorded in the sequence's manifest entry with its
// enforcement; dec.check becomes decrt_seq_check, true when it returns non-zero.
// CHECK-DAG: llvm.mlir.global external constant @__dec_manifest("{{.*}}\22sequences\22:[{\22ban\22:[],\22constraint\22:{\22enforce\22:\22rejection\22,\22kind\22:\22regex\22,\22spec\22:\22[ab]+\22},\22model\22:0,\22stop\22:[]}]}\00")
// CHECK-DAG: llvm.func @decrt_seq_check(!llvm.ptr, i32) -> i32
// CHECK-LABEL: func.func @__dec_entry_checked
// CHECK: %[[SEQ:.*]] = llvm.call @decrt_seq_begin
// CHECK: %[[R:.*]] = llvm.call @decrt_seq_check(%[[SEQ]], %{{.*}}) : (!llvm.ptr, i32) -> i32
// CHECK: %[[OK:.*]] = llvm.icmp "ne" %[[R]], %{{.*}} : i32
// CHECK: arith.xori %[[OK]]
dec.decode @checked(%prompt: !dec.text) -> !dec.text {
  %out = dec.autoregressive @lm(%prompt) max_tokens 4 constraint "regex" = "[ab]+" rejection {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %buf = memref.alloca() : memref<1xi32>
    %cast = memref.cast %buf : memref<1xi32> to memref<?xi32>
    logits.argmax %logits, %cast : memref<?x?xf32>, memref<?xi32>
    %c0 = arith.constant 0 : index
    %tok = memref.load %buf[%c0] : memref<1xi32>
    dec.yield %tok : i32
  }
  dec.return %out
}
