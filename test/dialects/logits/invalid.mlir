// Verifier errors of the logits dialect.
// RUN: dec-opt %s -split-input-file -verify-diagnostics

func.func @temperature_zero(%l: memref<?x?xf32>) {
  %t = arith.constant 0.0 : f32
  // expected-error @+1 {{temperature must be > 0, got 0}}
  logits.temperature %l, %t : memref<?x?xf32>
  return
}

// -----

func.func @top_k_zero(%l: memref<?x?xf32>) {
  %k = arith.constant 0 : i64
  // expected-error @+1 {{k must be >= 1, got 0}}
  logits.top_k %l, %k : memref<?x?xf32>
  return
}

// -----

func.func @top_p_out_of_range(%l: memref<?x?xf32>) {
  %p = arith.constant 1.5 : f32
  // expected-error @+1 {{p must be in (0, 1], got 1.5}}
  logits.top_p %l, %p : memref<?x?xf32>
  return
}

// -----

func.func @min_p_negative(%l: memref<?x?xf32>) {
  %p = arith.constant -0.5 : f32
  // expected-error @+1 {{p must be in [0, 1], got -0.5}}
  logits.min_p %l, %p : memref<?x?xf32>
  return
}

// -----

func.func @penalty_zero(%l: memref<?x?xf32>, %h: memref<?x?xi32>) {
  %r = arith.constant 0.0 : f32
  // expected-error @+1 {{penalty must be > 0, got 0}}
  logits.repetition_penalty %l, %h, %r : memref<?x?xf32>, memref<?x?xi32>
  return
}

// -----

func.func @mask_words(%l: memref<1x100xf32>, %m: memref<1x3xi32>) {
  // expected-error @+1 {{mask has 3 words per row but a vocabulary of 100 needs 4}}
  logits.mask %l, %m : memref<1x100xf32>, memref<1x3xi32>
  return
}

// -----

func.func @batch_mismatch(%l: memref<2x8xf32>, %out: memref<3xi32>) {
  // expected-error @+1 {{has 2 rows of logits but 3 rows in the token vector}}
  logits.argmax %l, %out : memref<2x8xf32>, memref<3xi32>
  return
}

// -----

func.func @wrong_rank(%l: memref<?xf32>) {
  // expected-error @+1 {{operand #0 must be 2D memref of 32-bit float values}}
  logits.softmax %l : memref<?xf32>
  return
}

// -----

func.func @wrong_element(%l: memref<?x?xf16>) {
  // expected-error @+1 {{operand #0 must be 2D memref of 32-bit float values}}
  logits.softmax %l : memref<?x?xf16>
  return
}
