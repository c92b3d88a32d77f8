// Verifier errors of the dec dialect.
// RUN: dec-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{has unknown model kind 'seq2seq'}}
dec.model @lm kind "seq2seq" path "/m.pt" tokenizer "/t.json"

// -----

// expected-error @+1 {{must have type (!dec.text) -> !dec.text}}
dec.decode @f(%prompt: !dec.text, %x: !dec.text) -> !dec.text {
  dec.return %prompt
}

// -----

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"
dec.decode @f(%prompt: !dec.text) -> !dec.text {
  // expected-error @+1 {{max_tokens must be >= 1, got 0}}
  %out = dec.autoregressive @lm(%prompt) max_tokens 0 {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %c0 = arith.constant 0 : i32
    dec.yield %c0 : i32
  }
  dec.return %out
}

// -----

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"
dec.decode @f(%prompt: !dec.text) -> !dec.text {
  // expected-error @+1 {{has an empty stop string}}
  %out = dec.autoregressive @lm(%prompt) max_tokens 4 stop [""] {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %c0 = arith.constant 0 : i32
    dec.yield %c0 : i32
  }
  dec.return %out
}

// -----

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"
dec.decode @f(%prompt: !dec.text) -> !dec.text {
  // expected-error @+1 {{bans the negative token id -3}}
  %out = dec.autoregressive @lm(%prompt) max_tokens 4 ban_tokens [-3] {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %c0 = arith.constant 0 : i32
    dec.yield %c0 : i32
  }
  dec.return %out
}

// -----

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"
dec.decode @f(%prompt: !dec.text) -> !dec.text {
  // expected-error @+1 {{sampler region must take (memref<?x?xf32>, !dec.sequence, i64)}}
  %out = dec.autoregressive @lm(%prompt) max_tokens 4 {
  ^bb0(%logits: memref<?xf32>, %seq: !dec.sequence, %step: i64):
    %c0 = arith.constant 0 : i32
    dec.yield %c0 : i32
  }
  dec.return %out
}

// -----

dec.decode @f(%prompt: !dec.text) -> !dec.text {
  // expected-error @+1 {{refers to @nope, which is not a dec.model}}
  %out = dec.autoregressive @nope(%prompt) max_tokens 4 {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %c0 = arith.constant 0 : i32
    dec.yield %c0 : i32
  }
  dec.return %out
}

// -----

dec.decode @f(%prompt: !dec.text) -> !dec.text {
  // expected-error @+1 {{refers to @f, which is not a dec.model}}
  %seq = dec.begin @f(%prompt)
  %text = dec.finish %seq
  dec.return %text
}

// -----

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"

dec.decode @f(%prompt: !dec.text) -> !dec.text {
  // expected-error @+1 {{unknown constraint kind 'xml' (expected regex, json_schema, gbnf, lark or choice)}}
  %out = dec.autoregressive @lm(%prompt) max_tokens 4 constraint "xml" = "<a/>" {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %c0 = arith.constant 0 : i32
    dec.yield %c0 : i32
  }
  dec.return %out
}

// -----

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"

dec.decode @f(%prompt: !dec.text) -> !dec.text {
  // expected-error @+1 {{'rejection' needs a structured constraint}}
  %out = dec.autoregressive @lm(%prompt) max_tokens 4 rejection {
  ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
    %c0 = arith.constant 0 : i32
    dec.yield %c0 : i32
  }
  dec.return %out
}

// -----

dec.model @lm kind "causal" path "/m.pt" tokenizer "/t.json"

dec.decode @f(%prompt: !dec.text) -> !dec.text {
  // expected-error @+1 {{has a constraint source but no constraint kind}}
  %seq = dec.begin @lm(%prompt) {constraint_spec = "[0-9]"}
  %text = dec.finish %seq
  dec.return %text
}
