// RUN: dec-opt %s -convert-dec-to-llvm -verify-diagnostics

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"
dec.decode @f(%prompt: !dec.text) -> !dec.text {
  // expected-error @+1 {{must be expanded by dec-expand-schedules before convert-dec-to-llvm}}
  %out = dec.autoregressive @lm(%prompt) max_tokens 4 {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %c0 = arith.constant 0 : i32
    dec.yield %c0 : i32
  }
  dec.return %out
}
