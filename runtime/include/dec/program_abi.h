/*===- program_abi.h - what compiled dec programs call in the runtime -----===*
 *
 * A library produced by `decc` exports:
 *   const char     __dec_manifest[];     JSON: models, entries, sequence configs
 *   const int32_t  __dec_abi_version;    DEC_PROGRAM_ABI_VERSION
 *   decrt_text    *__dec_entry_<name>(decrt_text *prompt);   one per `decode`
 * and calls the functions below, which the runtime (libdecrt) defines.
 * docs/abi.md is the full description.
 *
 * Buffers are returned by filling an MLIR memref descriptor of the given rank
 * (allocated pointer, aligned pointer, offset, sizes[rank], strides[rank]).
 * They stay owned by the runtime.
 *
 * None of these functions throws or aborts. An error (e.g. the model failed)
 * is recorded on the sequence's call; from then on the sequence's buffers stay
 * valid and decrt_seq_emit returns 1, so the compiled loop ends normally and
 * the runtime reports the error to the caller.
 *===----------------------------------------------------------------------===*/

#ifndef DEC_PROGRAM_ABI_H
#define DEC_PROGRAM_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DEC_PROGRAM_ABI_VERSION 1

typedef struct decrt_text decrt_text; /* text owned by one call of an entry */
typedef struct decrt_seq decrt_seq;   /* one sequence being generated */

typedef struct decrt_memref1 {
  void *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} decrt_memref1;

typedef struct decrt_memref2 {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} decrt_memref2;

/* Opens a sequence: tokenizes `prompt` for manifest model `model`, runs the
 * model on it and configures stop/banned strings from manifest sequence
 * config `config`. */
decrt_seq *decrt_seq_begin(decrt_text *prompt, int32_t model, int32_t config);
/* The caller's token budget override, else `program_default`. */
int64_t decrt_seq_max_tokens(decrt_seq *seq, int64_t program_default);
/* f32 [1, vocab]: next-token logits; writable; valid until decrt_seq_forward. */
void decrt_seq_logits(decrt_seq *seq, decrt_memref2 *out);
/* i32 [1, n]: prompt and generated tokens; valid until decrt_seq_emit. */
void decrt_seq_history(decrt_seq *seq, decrt_memref2 *out);
/* i32 [n]: the model's end-of-sequence token ids. */
void decrt_seq_eos_tokens(decrt_seq *seq, decrt_memref1 *out);
/* i32 [1, ceil(vocab/32)]: bit t%32 of word t/32 set when token t may follow
 * without completing a banned string. */
void decrt_seq_allowed_mask(decrt_seq *seq, decrt_memref2 *out);
/* Rejection mode of a structured constraint: 1 when the constraint allows
 * `token` next (or the sequence has none, or token is -1); 0 when it does not:
 * then the token is removed (-inf) from this step's logits and the logits
 * buffer is restored to the model's logits minus every token rejected in this
 * step, ready for the program to sample again. */
int32_t decrt_seq_check(decrt_seq *seq, int32_t token);
/* i64 [1]: the sequence's random seed (Philox key). */
void decrt_seq_seeds(decrt_seq *seq, decrt_memref1 *out);
/* Runs the model on `token` (one incremental step). */
void decrt_seq_forward(decrt_seq *seq, int32_t token);
/* Appends `token` (-1: no token was possible) and streams its text. Returns 1
 * when the sequence is finished (EOS, stop string, context full, no token,
 * cancelled by the caller, or an error), else 0. */
int32_t decrt_seq_emit(decrt_seq *seq, int32_t token);
/* Closes the sequence; returns its text (without a matched stop string). */
decrt_text *decrt_seq_finish(decrt_seq *seq);

/* i32 [1, n]: the prompt's tokens (with the tokenizer's template). */
void decrt_seq_prompt_tokens(decrt_seq *seq, decrt_memref2 *out);
/* i32 [1, n]: the tokens generated so far; valid until decrt_seq_emit. */
void decrt_seq_generated_tokens(decrt_seq *seq, decrt_memref2 *out);
/* f32 [1, vocab]: the bias row of manifest token rule `rule` for the next
 * token (0: unchanged, -inf: banned); valid until decrt_seq_emit. */
void decrt_seq_token_bias(decrt_seq *seq, int32_t rule, decrt_memref2 *out);
/* f32 [1, vocab]: next-token logits of the sequence's unconditional
 * (classifier-free guidance) sequence; valid until decrt_seq_forward. */
void decrt_seq_unconditional_logits(decrt_seq *seq, decrt_memref2 *out);
/* Copies row 0 of `logits` (f32 [rows, vocab]); the next decrt_seq_emit
 * records the emitted token's log-probability under it and the top N. */
void decrt_seq_capture_logits(decrt_seq *seq, const decrt_memref2 *logits);

#ifdef __cplusplus
}
#endif

#endif /* DEC_PROGRAM_ABI_H */
