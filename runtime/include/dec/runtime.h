/*===- runtime.h - the dec runtime's C API for host programs --------------===*
 *
 * Load a compiled dec program (a shared library made by `decc`), bind its
 * models and tokenizers, and run its entry points:
 *
 *   char *err = NULL;
 *   dec_program *p = dec_program_open("libhello.so", &err);
 *   dec_session *s = dec_session_create(p, NULL, &err);
 *   dec_run_options o = dec_run_options_default();
 *   o.seed = 7; o.on_text = print_piece;
 *   dec_result r;
 *   if (dec_session_run(s, "hello", "Once upon a time", &o, &r, &err) != 0) ...
 *   dec_result_free(&r); dec_session_destroy(s); dec_program_close(p);
 *
 * Every function that can fail returns NULL / nonzero and, when `error` is not
 * NULL, stores a malloc'ed message there (free it with dec_free). Nothing
 * throws across this API and nothing aborts on bad input. A session runs one
 * call at a time. docs/abi.md describes it in full.
 *===----------------------------------------------------------------------===*/

#ifndef DEC_RUNTIME_H
#define DEC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dec_program dec_program;
typedef struct dec_session dec_session;

void dec_free(void *p);

/* ---- Programs ---------------------------------------------------------- */

dec_program *dec_program_open(const char *library_path, char **error);
void dec_program_close(dec_program *program);
/* The JSON manifest the compiler embedded (models, entries, constraints). */
const char *dec_program_manifest(const dec_program *program);
size_t dec_program_num_entries(const dec_program *program);
const char *dec_program_entry_name(const dec_program *program, size_t index);

/* ---- Sessions: a program with its models loaded ------------------------ */

typedef struct dec_model_binding {
  const char *name;           /* the model's name in the program (`model lm = ...`) */
  const char *model_path;     /* TorchScript file; NULL keeps the compiled-in path */
  const char *tokenizer_path; /* tokenizer.json; NULL keeps the compiled-in path */
} dec_model_binding;

typedef struct dec_session_options {
  int num_threads;                  /* intra-op threads of the model; 0: libtorch's default */
  const dec_model_binding *bindings; /* overrides of compiled-in paths */
  size_t num_bindings;
} dec_session_options;

dec_session *dec_session_create(dec_program *program, const dec_session_options *options,
                                char **error);
void dec_session_destroy(dec_session *session);

/* ---- Running an entry point -------------------------------------------- */

/* Streamed text: called with complete UTF-8 pieces as they become final (text
 * that may turn out to be part of a stop string is held back). Return nonzero
 * to stop generation (finish reason "cancelled"). */
typedef int (*dec_text_callback)(void *user, const char *text, size_t length);

typedef struct dec_run_options {
  uint64_t seed;          /* random seed of the run */
  uint64_t sample_index;  /* distinguishes independent samples of one seed */
  int64_t max_tokens;     /* > 0: overrides the program's token budget */
  dec_text_callback on_text;
  void *user;
} dec_run_options;

dec_run_options dec_run_options_default(void);

typedef struct dec_timings {
  double load_ms;     /* tokenizing the prompt */
  double prefill_ms;  /* model forward on the prompt */
  double decode_ms;   /* from the first generated token's sampling to the end */
  double forward_ms;  /* model time during decode (all incremental forwards) */
  double total_ms;    /* the whole call */
} dec_timings;

typedef struct dec_constraint_stats {
  int32_t mode;          /* 0: none, 1: mask, 2: rejection */
  int32_t satisfied;     /* the text is a complete match of the constraint */
  uint64_t mask_fills;   /* full allowed-token masks computed (mask mode) */
  uint64_t token_checks; /* single-token checks (rejection mode) */
  uint64_t rejections;   /* of those, tokens the constraint refused */
} dec_constraint_stats;

typedef struct dec_result {
  char *text;                 /* NUL-terminated generated text */
  size_t text_length;
  int32_t *prompt_tokens;
  size_t num_prompt_tokens;
  int32_t *tokens;            /* generated token ids (an EOS that ended it included) */
  size_t num_tokens;
  char *finish_reason;        /* "eos" "stop" "length" "context" "no_token" "cancelled" */
  dec_timings timings;
  /* Log-probabilities, when the program asks for them (`logprobs: N`); NULL
   * and 0 otherwise. One entry per generated token that was chosen (a final
   * "no_token" has none): its log-probability (-inf when it had probability 0)
   * and the N most likely tokens, most likely first (ties: lower id first). */
  float *token_logprobs;       /* [num_logprobs] */
  size_t num_logprobs;
  size_t num_top_logprobs;     /* N */
  int32_t *top_logprob_tokens; /* [num_logprobs * N] */
  float *top_logprobs;         /* [num_logprobs * N] */
  /* The structured constraint (regex, JSON Schema, grammar, choice), if the
   * schedule has one; all zero otherwise. */
  dec_constraint_stats constraint;
} dec_result;

int dec_session_run(dec_session *session, const char *entry, const char *prompt,
                    const dec_run_options *options, dec_result *result, char **error);
void dec_result_free(dec_result *result);

#ifdef __cplusplus
}
#endif

#endif /* DEC_RUNTIME_H */
