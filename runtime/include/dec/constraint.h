/*===- dec/constraint.h - Constraint engine C ABI -----------------*- C -*-===*
 *
 * Token-level constraints (regex, JSON Schema, GBNF, Lark-like grammars,
 * choices, stop strings) over a tokenizer's vocabulary: full next-token
 * masks, single-token checks, commits, rollback and forced continuations.
 * Implemented by the dec_constraint library (runtime/constraint/); see
 * docs/constraints.md for the languages and their exact semantics.
 *
 * Conventions (as for the rest of libdecrt, docs/abi.md): plain C, no
 * function throws or aborts on bad input; a function that can fail returns
 * NULL (or 0) and, when `error` is not NULL, stores a malloc'ed message there
 * (free it with free() or dec_free()).
 *
 * Masks are ceil(V / 32) uint32 words, bit t % 32 of word t / 32 set when
 * token t may come next; V is dec_vocab_size() (the model's vocabulary when
 * one was given, which may exceed the tokenizer's).
 *
 * Threads: a dec_vocab and a dec_constraint are immutable from the outside
 * and may be shared by any number of threads and matchers (their lazily
 * built tables grow under an internal lock). A dec_matcher is one sequence's
 * state: use it from one thread at a time.
 *
 * Lifetime: a constraint keeps its vocabulary alive and a matcher keeps its
 * constraint alive, so they may be freed in any order.
 *
 *===----------------------------------------------------------------------===*/
#ifndef DEC_CONSTRAINT_H
#define DEC_CONSTRAINT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DEC_CONSTRAINT_ABI_VERSION 1

typedef struct dec_vocab dec_vocab;
typedef struct dec_constraint dec_constraint;
typedef struct dec_matcher dec_matcher;

/* Separators a JSON constraint accepts. */
enum {
  DEC_JSON_WS_PYTHON = 0,  /* ", " and ": " exactly (json.dumps), the default */
  DEC_JSON_WS_COMPACT = 1, /* "," and ":" with no whitespace */
  DEC_JSON_WS_FLEXIBLE = 2 /* any JSON whitespace around punctuation */
};

typedef struct dec_constraint_options {
  int32_t json_whitespace; /* DEC_JSON_WS_* */
  int32_t max_whitespace;  /* longest whitespace run under FLEXIBLE */
  int32_t allow_eos;       /* masks include EOS tokens once the constraint is satisfied */
  int32_t strict_formats;  /* unknown JSON Schema `format` values are errors, not annotations */
} dec_constraint_options;

dec_constraint_options dec_constraint_options_default(void);

/* ---- Vocabularies ------------------------------------------------------- */

/* Loads a Hugging Face tokenizer.json (byte-level BPE). `model_vocab` is the
 * model's number of logits (0: the tokenizer's size). */
dec_vocab *dec_vocab_from_tokenizer_json(const char *path, int64_t model_vocab, char **error);
/* From explicit token bytes: token i is tokens[i] of lengths[i] bytes;
 * `special` ids never appear in text; `eos` ids end the sequence. */
dec_vocab *dec_vocab_from_token_bytes(const char *const *tokens, const size_t *lengths, int32_t n_tokens,
                                      const int32_t *special, int32_t n_special, const int32_t *eos,
                                      int32_t n_eos, int64_t model_vocab, char **error);
void dec_vocab_free(dec_vocab *vocab);
int32_t dec_vocab_size(const dec_vocab *vocab);
size_t dec_vocab_mask_words(const dec_vocab *vocab);

/* ---- Constraints -------------------------------------------------------- */

/* Compiles `spec` (spec_len bytes) of kind "regex", "json_schema", "json"
 * (any JSON value; spec ignored), "gbnf", "lark", "choice" (a JSON array of
 * strings) or "stop" (a JSON array of strings, or one JSON string): text up to
 * and including the first stop string. `opts` may be NULL (defaults).
 * Unsupported features are compile errors naming the construct and where it
 * is (e.g. "unsupported keyword 'contains' at /properties/tags"). */
dec_constraint *dec_constraint_compile(const char *kind, const char *spec, size_t spec_len,
                                       const dec_constraint_options *opts, const dec_vocab *vocab,
                                       char **error);
void dec_constraint_free(dec_constraint *constraint);

/* ---- Matchers ----------------------------------------------------------- */

dec_matcher *dec_matcher_new(const dec_constraint *constraint);
void dec_matcher_free(dec_matcher *matcher);
/* Writes the allowed next tokens into `words` (dec_vocab_mask_words() words).
 * EOS tokens are allowed exactly when the text so far is complete (and the
 * option allows them); other special tokens never. */
void dec_matcher_fill_mask(dec_matcher *matcher, uint32_t *words);
/* 1 when `token` may come next, else 0; the state does not change. */
int dec_matcher_accepts(dec_matcher *matcher, int32_t token);
/* Commits `token`: 1 on success, 0 when it is not allowed (state unchanged).
 * Committing an EOS token finishes the matcher (nothing may follow). */
int dec_matcher_advance(dec_matcher *matcher, int32_t token);
/* Undoes the last n commits in O(n): 1 on success, 0 when fewer were made. */
int dec_matcher_rollback(dec_matcher *matcher, size_t n);
/* 1 when the text so far is a complete match. */
int dec_matcher_is_accepting(dec_matcher *matcher);
/* 1 after an EOS token was committed. */
int dec_matcher_is_finished(const dec_matcher *matcher);
/* Tokens every continuation starts with (jump-forward), at most `cap` written
 * to `out`; returns how many there are (may exceed cap). The state does not
 * change; commit them with dec_matcher_advance. */
size_t dec_matcher_forced_tokens(dec_matcher *matcher, int32_t *out, size_t cap);
/* Number of committed tokens. */
size_t dec_matcher_num_tokens(const dec_matcher *matcher);
/* Back to the start (no tokens). */
void dec_matcher_reset(dec_matcher *matcher);

#ifdef __cplusplus
}
#endif

#endif /* DEC_CONSTRAINT_H */
