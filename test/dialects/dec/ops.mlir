// Round trip of every dec operation through the printer and the parser.
// RUN: dec-opt %s | dec-opt | FileCheck %s
// RUN: dec-opt %s --mlir-print-op-generic | dec-opt | FileCheck %s

// CHECK: dec.model @lm kind "causal" path "/m/model.pt" tokenizer "/m/tokenizer.json"
dec.model @lm kind "causal" path "/m/model.pt" tokenizer "/m/tokenizer.json"

// CHECK-LABEL: dec.decode @hello(%{{.*}}: !dec.text) -> !dec.text
dec.decode @hello(%prompt: !dec.text) -> !dec.text {
  // CHECK: dec.autoregressive @lm(%{{.*}}) max_tokens 64 stop ["\0A\0A"] ban ["damn"] ban_tokens [13, 42] ban_eos {
  // CHECK-NEXT: ^bb0(%{{.*}}: memref<?x?xf32>, %{{.*}}: !dec.sequence, %{{.*}}: i64):
  %out = dec.autoregressive @lm(%prompt) max_tokens 64 stop ["\n\n"] ban ["damn"] ban_tokens [13, 42] ban_eos {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %buf = memref.alloca() : memref<1xi32>
    %cast = memref.cast %buf : memref<1xi32> to memref<?xi32>
    logits.argmax %logits, %cast : memref<?x?xf32>, memref<?xi32>
    %c0 = arith.constant 0 : index
    %tok = memref.load %buf[%c0] : memref<1xi32>
    // CHECK: dec.yield %{{.*}} : i32
    dec.yield %tok : i32
  }
  // CHECK: dec.return %{{.*}}
  dec.return %out
}

// CHECK-LABEL: dec.decode @plain
// CHECK: dec.autoregressive @lm(%{{.*}}) max_tokens 8 {
dec.decode @plain(%prompt: !dec.text) -> !dec.text {
  %out = dec.autoregressive @lm(%prompt) max_tokens 8 {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %c0 = arith.constant 0 : i32
    dec.yield %c0 : i32
  }
  dec.return %out
}

// The primitive steps schedules expand into.
// CHECK-LABEL: dec.decode @steps
dec.decode @steps(%prompt: !dec.text) -> !dec.text {
  // CHECK: %[[SEQ:.*]] = dec.begin @lm(%{{.*}}) stop ["x"] ban ["y"]
  %seq = dec.begin @lm(%prompt) stop ["x"] ban ["y"]
  // CHECK: dec.max_tokens %[[SEQ]] default 16
  %max = dec.max_tokens %seq default 16
  // CHECK: dec.logits %[[SEQ]] : memref<?x?xf32>
  %l = dec.logits %seq : memref<?x?xf32>
  // CHECK: dec.history %[[SEQ]] : memref<?x?xi32>
  %h = dec.history %seq : memref<?x?xi32>
  // CHECK: dec.eos_tokens %[[SEQ]] : memref<?xi32>
  %e = dec.eos_tokens %seq : memref<?xi32>
  // CHECK: dec.allowed_mask %[[SEQ]] : memref<?x?xi32>
  %m = dec.allowed_mask %seq : memref<?x?xi32>
  // CHECK: dec.seeds %[[SEQ]] : memref<?xi64>
  %s = dec.seeds %seq : memref<?xi64>
  %t = arith.constant 7 : i32
  // CHECK: %[[DONE:.*]] = dec.emit %[[SEQ]], %{{.*}}
  %done = dec.emit %seq, %t
  // CHECK: dec.forward %[[SEQ]], %{{.*}}
  dec.forward %seq, %t
  // CHECK: dec.finish %[[SEQ]]
  %text = dec.finish %seq
  dec.return %text
}

// A structured constraint enforced by rejection, and the check it expands to.
// CHECK-LABEL: dec.decode @structured
// CHECK: dec.autoregressive @lm(%{{.*}}) max_tokens 8 constraint "json_schema" = "{\22type\22: \22integer\22}" rejection {
// CHECK: %[[SEQ:.*]] = dec.begin @lm(%{{.*}}) constraint "regex" = "[0-9]+"
// CHECK: dec.check %[[SEQ]], %{{.*}}
dec.decode @structured(%prompt: !dec.text) -> !dec.text {
  %out = dec.autoregressive @lm(%prompt) max_tokens 8 constraint "json_schema" = "{\"type\": \"integer\"}" rejection {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %c0 = arith.constant 0 : i32
    dec.yield %c0 : i32
  }
  %seq = dec.begin @lm(%prompt) constraint "regex" = "[0-9]+"
  %t = arith.constant 3 : i32
  %ok = dec.check %seq, %t
  %text = dec.finish %seq
  dec.return %out
}
