// RUN: dec-opt %s -split-input-file -dec-expand-schedules | FileCheck %s

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"

// A schedule with every constraint: bans come before the sampler, the token
// is emitted, and the model runs on it only while the sequence continues.
// CHECK: memref.global "private" constant @__dec_banned_tokens : memref<2xi32> = dense<[13, 42]>
// CHECK-LABEL: dec.decode @all
// CHECK-SAME: (%[[PROMPT:.*]]: !dec.text)
// CHECK: %[[SEQ:.*]] = dec.begin @lm(%[[PROMPT]]) stop ["\0A"] ban ["bad"]
// CHECK: %[[MAX:.*]] = dec.max_tokens %[[SEQ]] default 32
// CHECK: %[[IDS:.*]] = memref.get_global @__dec_banned_tokens
// CHECK: %[[BANNED:.*]] = memref.cast %[[IDS]]
// CHECK: scf.while (%[[STEP:.*]] = %{{.*}}, %[[DONE:.*]] = %false)
// CHECK:   arith.cmpi slt, %[[STEP]], %[[MAX]]
// CHECK:   scf.condition
// CHECK: } do {
// CHECK: ^bb0(%[[S:.*]]: i64, %{{.*}}: i1):
// CHECK:   memref.alloca_scope
// CHECK:     %[[L:.*]] = dec.logits %[[SEQ]]
// CHECK:     %[[MASK:.*]] = dec.allowed_mask %[[SEQ]]
// CHECK:     logits.mask %[[L]], %[[MASK]]
// CHECK:     logits.suppress %[[L]], %[[BANNED]]
// CHECK:     %[[EOS:.*]] = dec.eos_tokens %[[SEQ]]
// CHECK:     logits.suppress %[[L]], %[[EOS]]
// CHECK:     logits.temperature %[[L]]
// CHECK:     logits.argmax %[[L]]
// CHECK:     %[[TOK:.*]] = memref.load
// CHECK:     %[[FIN:.*]] = dec.emit %[[SEQ]], %[[TOK]]
// CHECK:     %[[NEXT:.*]] = arith.addi %[[S]], %c1_i64
// CHECK:     scf.if
// CHECK-NEXT:  dec.forward %[[SEQ]], %[[TOK]]
// CHECK:     memref.alloca_scope.return %[[NEXT]], %[[FIN]]
// CHECK: %[[TEXT:.*]] = dec.finish %[[SEQ]]
// CHECK: dec.return %[[TEXT]]
// CHECK-NOT: dec.autoregressive
dec.decode @all(%prompt: !dec.text) -> !dec.text {
  %out = dec.autoregressive @lm(%prompt) max_tokens 32 stop ["\n"] ban ["bad"] ban_tokens [13, 42] ban_eos {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %t = arith.constant 0.5 : f32
    logits.temperature %logits, %t : memref<?x?xf32>
    %buf = memref.alloca() : memref<1xi32>
    %cast = memref.cast %buf : memref<1xi32> to memref<?xi32>
    logits.argmax %logits, %cast : memref<?x?xf32>, memref<?xi32>
    %c0 = arith.constant 0 : index
    %tok = memref.load %buf[%c0] : memref<1xi32>
    dec.yield %tok : i32
  }
  dec.return %out
}

// -----

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"

// Without constraints there is no mask, no suppression; the sampler's step
// argument becomes the loop's step.
// CHECK-LABEL: dec.decode @plain
// CHECK: %[[SEQ:.*]] = dec.begin @lm(%{{.*}}){{$}}
// CHECK-NOT: dec.allowed_mask
// CHECK-NOT: logits.suppress
// CHECK: ^bb0(%[[S:.*]]: i64, %{{.*}}: i1):
// CHECK: %[[SEEDS:.*]] = dec.seeds %[[SEQ]]
// CHECK: logits.sample %{{.*}}, %[[SEEDS]], %[[S]], %{{.*}}
dec.decode @plain(%prompt: !dec.text) -> !dec.text {
  %out = dec.autoregressive @lm(%prompt) max_tokens 8 {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %seeds = dec.seeds %seq : memref<?xi64>
    %buf = memref.alloca() : memref<1xi32>
    %cast = memref.cast %buf : memref<1xi32> to memref<?xi32>
    logits.sample %logits, %seeds, %step, %cast : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
    %c0 = arith.constant 0 : index
    %tok = memref.load %buf[%c0] : memref<1xi32>
    dec.yield %tok : i32
  }
  dec.return %out
}

// -----

dec.model @a kind "causal" path "/a.pt" tokenizer "/t.json"
dec.model @b kind "causal" path "/b.pt" tokenizer "/t.json"

// Two schedules in one entry each get their own sequence and banned-token global.
// CHECK-DAG: memref.global "private" constant @__dec_banned_tokens : memref<1xi32> = dense<1>
// CHECK-DAG: memref.global "private" constant @__dec_banned_tokens_0 : memref<1xi32> = dense<2>
// CHECK-LABEL: dec.decode @two
// CHECK: dec.begin @a
// CHECK: dec.finish
// CHECK: dec.begin @b
// CHECK: dec.finish
dec.decode @two(%prompt: !dec.text) -> !dec.text {
  %first = dec.autoregressive @a(%prompt) max_tokens 4 ban_tokens [1] {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %c0 = arith.constant 0 : i32
    dec.yield %c0 : i32
  }
  %second = dec.autoregressive @b(%first) max_tokens 4 ban_tokens [2] {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %c0 = arith.constant 0 : i32
    dec.yield %c0 : i32
  }
  dec.return %second
}

// -----

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"

// Mask mode: the constraint's allowed tokens join the bans before the sampler.
// CHECK-LABEL: dec.decode @masked
// CHECK: %[[SEQ:.*]] = dec.begin @lm(%{{.*}}) constraint "regex" = "[0-9]+"
// CHECK-NOT: rejection
// CHECK: memref.alloca_scope
// CHECK:   %[[L:.*]] = dec.logits %[[SEQ]]
// CHECK:   %[[MASK:.*]] = dec.allowed_mask %[[SEQ]]
// CHECK:   logits.mask %[[L]], %[[MASK]]
// CHECK:   logits.sample %[[L]], %{{.*}}, %[[STEP:.*]], %{{.*}} :
// CHECK-NOT: dec.check
// CHECK:   dec.emit
dec.decode @masked(%prompt: !dec.text) -> !dec.text {
  %out = dec.autoregressive @lm(%prompt) max_tokens 8 constraint "regex" = "[0-9]+" {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %buf = memref.alloca() : memref<1xi32>
    %cast = memref.cast %buf : memref<1xi32> to memref<?xi32>
    %seeds = dec.seeds %seq : memref<?xi64>
    logits.sample %logits, %seeds, %step, %cast : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
    %c0 = arith.constant 0 : index
    %tok = memref.load %buf[%c0] : memref<1xi32>
    dec.yield %tok : i32
  }
  dec.return %out
}

// -----

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"

// Rejection mode: no mask; the whole choice runs in a retry loop that checks
// the one token drawn. Attempt a samples with counter step + (a << 32); the
// processors (here min_new_tokens via the step) still see the step itself.
// CHECK-LABEL: dec.decode @rejected
// CHECK: %[[SEQ:.*]] = dec.begin @lm(%{{.*}}) constraint "regex" = "[0-9]+" rejection
// CHECK: ^bb0(%[[STEP:.*]]: i64, %{{.*}}: i1):
// CHECK:   memref.alloca_scope
// CHECK:     %[[RETRY:.*]]:2 = scf.while (%[[ATTEMPT:.*]] = %c0_i64) : (i64) -> (i32, i64)
// CHECK:       %[[TOK:.*]] = memref.alloca_scope -> (i32)
// CHECK:         %[[SHIFTED:.*]] = arith.shli %[[ATTEMPT]], %c32_i64
// CHECK:         %[[COUNTER:.*]] = arith.addi %[[STEP]], %[[SHIFTED]]
// CHECK:         %[[L:.*]] = dec.logits %[[SEQ]]
// CHECK-NOT:     dec.allowed_mask
// CHECK:         arith.cmpi slt, %[[STEP]]
// CHECK:         logits.sample %[[L]], %{{.*}}, %[[COUNTER]], %{{.*}} :
// CHECK:       %[[OK:.*]] = dec.check %[[SEQ]], %[[TOK]]
// CHECK:       %[[AGAIN:.*]] = arith.xori %[[OK]], %true
// CHECK:       scf.condition(%[[AGAIN]]) %[[TOK]], %[[ATTEMPT]]
// CHECK:     } do {
// CHECK:     ^bb0(%{{.*}}: i32, %[[A:.*]]: i64):
// CHECK:       %[[NEXT:.*]] = arith.addi %[[A]], %c1_i64
// CHECK:       scf.yield %[[NEXT]]
// CHECK:     dec.emit %[[SEQ]], %[[RETRY]]#0
dec.decode @rejected(%prompt: !dec.text) -> !dec.text {
  %out = dec.autoregressive @lm(%prompt) max_tokens 8 constraint "regex" = "[0-9]+" rejection {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %two = arith.constant 2 : i64
    %early = arith.cmpi slt, %step, %two : i64
    %buf = memref.alloca() : memref<1xi32>
    %cast = memref.cast %buf : memref<1xi32> to memref<?xi32>
    %seeds = dec.seeds %seq : memref<?xi64>
    logits.sample %logits, %seeds, %step, %cast : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
    %c0 = arith.constant 0 : index
    %tok = memref.load %buf[%c0] : memref<1xi32>
    dec.yield %tok : i32
  }
  dec.return %out
}
