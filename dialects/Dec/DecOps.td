//===- DecOps.td - operations of the dec dialect ------------*- tablegen -*-===//

#ifndef DEC_DIALECT_DEC_DECOPS_TD
#define DEC_DIALECT_DEC_DECOPS_TD

include "dialects/Dec/DecTypes.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/FunctionInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"

def Dec_LogitsBuffer : MemRefRankOf<[F32], [2]>;
def Dec_TokenMatrix : MemRefRankOf<[I32], [2]>;
def Dec_TokenVector : MemRefRankOf<[I32], [1]>;
def Dec_SeedVector : MemRefRankOf<[I64], [1]>;

//===----------------------------------------------------------------------===//
// Program structure
//===----------------------------------------------------------------------===//

def Dec_ModelOp : Dec_Op<"model", [Symbol]> {
  let summary = "Binds a model and its tokenizer to a symbol";
  let description = [{
    Declares a model the program runs. `kind` is the model's calling
    convention (only `"causal"`, a TorchScript causal LM with a KV cache, see
    docs/models.md); `path` and `tokenizer` are the files the program was
    compiled against. The runtime may bind other files to the same symbol.

    ```mlir
    dec.model @lm kind "causal" path "/m/model.pt" tokenizer "/m/tokenizer.json"
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrAttr:$kind, StrAttr:$path,
                       StrAttr:$tokenizer);
  let assemblyFormat = [{
    $sym_name `kind` $kind `path` $path `tokenizer` $tokenizer attr-dict
  }];
  let hasVerifier = 1;
}

def Dec_DecodeOp : Dec_Op<"decode", [
    Symbol, FunctionOpInterface, IsolatedFromAbove, AutomaticAllocationScope]> {
  let summary = "An entry point of the program";
  let description = [{
    An exported decoding entry point. It receives the prompt as runtime text
    and returns the generated text. The runtime calls it by name (the symbol),
    see docs/abi.md.

    ```mlir
    dec.decode @hello(%prompt: !dec.text) -> !dec.text {
      %out = dec.autoregressive @lm(%prompt) max_tokens 64 { ... }
      dec.return %out : !dec.text
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<FunctionType>:$function_type,
                       OptionalAttr<DictArrayAttr>:$arg_attrs,
                       OptionalAttr<DictArrayAttr>:$res_attrs);
  let regions = (region MinSizedRegion<1>:$body);
  let builders = [OpBuilder<(ins "::llvm::StringRef":$name)>];
  let extraClassDeclaration = [{
    ::mlir::Region *getCallableRegion() { return &getBody(); }
    ::llvm::ArrayRef<::mlir::Type> getArgumentTypes() { return getFunctionType().getInputs(); }
    ::llvm::ArrayRef<::mlir::Type> getResultTypes() { return getFunctionType().getResults(); }
    bool isDeclaration() { return false; }
  }];
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
}

def Dec_ReturnOp : Dec_Op<"return", [
    Pure, HasParent<"DecodeOp">, ReturnLike, Terminator]> {
  let summary = "Returns the generated text from an entry point";
  let arguments = (ins Dec_TextType:$text);
  let assemblyFormat = "$text attr-dict";
}

//===----------------------------------------------------------------------===//
// Schedules
//===----------------------------------------------------------------------===//

def Dec_AutoregressiveOp : Dec_Op<"autoregressive", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>, AutomaticAllocationScope]> {
  let summary = "Autoregressive decoding: one token per model forward";
  let description = [{
    Generates one sequence from `prompt` with `model`, one token per step:
    the constraint's bans are applied to the next-token logits, then the
    `sampler` region runs on them and yields the chosen token, which is
    emitted and fed back to the model. Generation ends at an end-of-sequence
    token (unless `ban_eos`), when a `stop` string appears in the output (it is
    not part of the returned text), after `max_tokens` tokens, or at the
    model's context limit.

    `ban` strings never appear in the output text; `ban_tokens` (and the
    end-of-sequence tokens with `ban_eos`) are never sampled.

    The sampler region receives the logits buffer `[batch, vocab]` (mutable
    in place), the sequence and the step index, and yields the token. It runs
    once per step; stack allocations in it live for one step.

    `guidance S` runs classifier-free guidance (HF
    UnbatchedClassifierFreeGuidanceLogitsProcessor) with scale `S` before
    everything else: a second, unconditional sequence starts from the
    `negative` prompt (or, without one, the prompt's last token) and follows
    the generated tokens; `logits.guidance` combines the two. `logprobs N`
    reports each generated token's log-probability and the `N` most likely
    alternatives: of the model's raw logits (vLLM's `raw_logprobs`), or, with
    `processed`, of the logits the choice sees (the sampler region then holds
    the `dec.capture_logits`).

    `constraint KIND = SPEC` is a structured constraint (KIND: `regex`,
    `json_schema`, `gbnf`, `lark` or `choice`; SPEC its source, compiled by
    the runtime for the model's vocabulary). By default its allowed-token mask
    joins the bans before the sampler; with `rejection` the step instead
    samples, checks the one token drawn (`dec.check`) and on a rejection runs
    again on the logits without it — the same distribution when the
    sampler's transforms commute with the mask (the front end checks that).

    ```mlir
    %out = dec.autoregressive @lm(%prompt) max_tokens 64 stop ["\n\n"] {
    ^bb0(%logits: memref<?x?xf32>, %seq: !dec.sequence, %step: i64):
      %t = arith.constant 0.8 : f32
      logits.temperature %logits, %t : memref<?x?xf32>
      ...
      dec.yield %token : i32
    }
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$model, Dec_TextType:$prompt,
                       I64Attr:$max_tokens,
                       DefaultValuedAttr<StrArrayAttr, "{}">:$stop,
                       DefaultValuedAttr<StrArrayAttr, "{}">:$ban,
                       DefaultValuedAttr<DenseI32ArrayAttr, "{}">:$ban_tokens,
                       UnitAttr:$ban_eos,
                       OptionalAttr<F32Attr>:$guidance,
                       OptionalAttr<StrAttr>:$negative,
                       OptionalAttr<I64Attr>:$logprobs,
                       UnitAttr:$logprobs_processed,
                       OptionalAttr<StrAttr>:$constraint_kind,
                       OptionalAttr<StrAttr>:$constraint_spec,
                       UnitAttr:$rejection);
  let results = (outs Dec_TextType:$text);
  let regions = (region SizedRegion<1>:$sampler);
  let assemblyFormat = [{
    $model `(` $prompt `)` `max_tokens` $max_tokens (`stop` $stop^)?
    (`ban` $ban^)? (`ban_tokens` $ban_tokens^)? (`ban_eos` $ban_eos^)?
    (`guidance` $guidance^)? (`negative` $negative^)? (`logprobs` $logprobs^)?
    (`processed` $logprobs_processed^)?
    (`constraint` $constraint_kind^ `=` $constraint_spec)? (`rejection` $rejection^)?
    attr-dict-with-keyword $sampler
  }];
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [OpBuilder<(ins "::llvm::StringRef":$model, "::mlir::Value":$prompt,
                                 "int64_t":$maxTokens)>];
  let extraClassDeclaration = [{
    /// The sampler region's arguments.
    ::mlir::BlockArgument getLogitsArg() { return getSampler().getArgument(0); }
    ::mlir::BlockArgument getSequenceArg() { return getSampler().getArgument(1); }
    ::mlir::BlockArgument getStepArg() { return getSampler().getArgument(2); }
  }];
}

def Dec_YieldOp : Dec_Op<"yield", [
    Pure, HasParent<"AutoregressiveOp">, ReturnLike, Terminator]> {
  let summary = "Yields the token a sampler chose";
  let arguments = (ins I32:$token);
  let assemblyFormat = "$token attr-dict `:` type($token)";
}

//===----------------------------------------------------------------------===//
// Primitive steps (what schedules expand into)
//===----------------------------------------------------------------------===//

def Dec_BeginOp : Dec_Op<"begin", [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Opens a sequence: tokenizes the prompt and runs the model on it";
  let description = [{
    Tokenizes `prompt` with the model's tokenizer, runs the model forward on
    it (filling the KV cache) and makes the next-token logits available to
    `dec.logits`. `stop` and `ban` configure the sequence's string matchers.
    With `guidance`, the runtime also starts the unconditional sequence of
    classifier-free guidance (from the `negative` prompt, or the prompt's last
    token) and advances it with every `dec.forward`. With `logprobs N` it
    records, at each `dec.emit`, the log-probabilities of the last
    `dec.capture_logits` (the token's and the top `N`). `constraint` starts a
    matcher of the structured constraint, enforced through `dec.allowed_mask`
    or, with `rejection`, through `dec.check`.

    ```mlir
    %seq = dec.begin @lm(%prompt) stop ["\n\n"]
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$model, Dec_TextType:$prompt,
                       DefaultValuedAttr<StrArrayAttr, "{}">:$stop,
                       DefaultValuedAttr<StrArrayAttr, "{}">:$ban,
                       UnitAttr:$guidance,
                       OptionalAttr<StrAttr>:$negative,
                       OptionalAttr<I64Attr>:$logprobs,
                       OptionalAttr<StrAttr>:$constraint_kind,
                       OptionalAttr<StrAttr>:$constraint_spec,
                       UnitAttr:$rejection);
  let results = (outs Dec_SequenceType:$sequence);
  let assemblyFormat = [{
    $model `(` $prompt `)` (`stop` $stop^)? (`ban` $ban^)? (`guidance` $guidance^)?
    (`negative` $negative^)? (`logprobs` $logprobs^)?
    (`constraint` $constraint_kind^ `=` $constraint_spec)? (`rejection` $rejection^)? attr-dict
  }];
  let hasVerifier = 1;
}

def Dec_MaxTokensOp : Dec_Op<"max_tokens"> {
  let summary = "The token budget of a sequence";
  let description = [{
    Returns the number of tokens the sequence may generate: the caller's
    override when the run sets one (`dec-run --max-tokens`), else `default`.
  }];
  let arguments = (ins Dec_SequenceType:$sequence, I64Attr:$default_value);
  let results = (outs I64:$result);
  let assemblyFormat = "$sequence `default` $default_value attr-dict";
}

def Dec_LogitsOp : Dec_Op<"logits"> {
  let summary = "The next-token logits of a sequence";
  let description = [{
    The logits the model produced for the next position, as a writable
    `[batch, vocab]` buffer owned by the runtime. It stays valid until the next
    `dec.forward` on the sequence; samplers transform it in place.
  }];
  let arguments = (ins Dec_SequenceType:$sequence);
  let results = (outs Dec_LogitsBuffer:$logits);
  let assemblyFormat = "$sequence attr-dict `:` type($logits)";
}

def Dec_ForwardOp : Dec_Op<"forward"> {
  let summary = "Runs the model forward on one token";
  let description = [{
    Appends `token` to the model's input and runs one incremental forward
    step (the KV cache is reused), producing the logits of the next position.
  }];
  let arguments = (ins Dec_SequenceType:$sequence, I32:$token);
  let assemblyFormat = "$sequence `,` $token attr-dict";
}

def Dec_EmitOp : Dec_Op<"emit"> {
  let summary = "Appends a token to the output and tells whether the sequence ended";
  let description = [{
    Records `token` as generated, streams its text, and returns true when the
    sequence is finished: the token is an end-of-sequence token, a stop string
    completed, the model's context is full, no token was possible (`token` is
    -1: every token was excluded), or the runtime reported an error.
  }];
  let arguments = (ins Dec_SequenceType:$sequence, I32:$token);
  let results = (outs I1:$finished);
  let assemblyFormat = "$sequence `,` $token attr-dict";
}

def Dec_CheckOp : Dec_Op<"check"> {
  let summary = "Checks one sampled token against the sequence's constraint";
  let description = [{
    Rejection mode of a structured constraint: returns true when the
    constraint allows `token` next (always for -1, or for a sequence without
    a constraint). Otherwise it returns false, removes the token for the rest
    of the step, and restores the sequence's logits buffer (`dec.logits`) to
    the model's logits with every token rejected in this step at -inf, so the
    step can run its sampler again.

    ```mlir
    %ok = dec.check %seq, %token
    ```
  }];
  let arguments = (ins Dec_SequenceType:$sequence, I32:$token);
  let results = (outs I1:$accepted);
  let assemblyFormat = "$sequence `,` $token attr-dict";
}

def Dec_HistoryOp : Dec_Op<"history"> {
  let summary = "The tokens of a sequence so far (prompt and generated)";
  let description = [{
    A `[batch, length]` view of the sequence's tokens, valid until the next
    `dec.emit`. Rows shorter than `length` are padded with -1.
  }];
  let arguments = (ins Dec_SequenceType:$sequence);
  let results = (outs Dec_TokenMatrix:$tokens);
  let assemblyFormat = "$sequence attr-dict `:` type($tokens)";
}

def Dec_EosTokensOp : Dec_Op<"eos_tokens"> {
  let summary = "The end-of-sequence token ids of the sequence's model";
  let arguments = (ins Dec_SequenceType:$sequence);
  let results = (outs Dec_TokenVector:$tokens);
  let assemblyFormat = "$sequence attr-dict `:` type($tokens)";
}

def Dec_AllowedMaskOp : Dec_Op<"allowed_mask"> {
  let summary = "The tokens the sequence's string matchers allow next";
  let description = [{
    A `[batch, ceil(vocab / 32)]` bitset: bit `t % 32` of word `t / 32` is set
    when token `t` may come next without completing a banned string.
  }];
  let arguments = (ins Dec_SequenceType:$sequence);
  let results = (outs Dec_TokenMatrix:$mask);
  let assemblyFormat = "$sequence attr-dict `:` type($mask)";
}

def Dec_SeedsOp : Dec_Op<"seeds"> {
  let summary = "The random seed of each row of the sequence";
  let arguments = (ins Dec_SequenceType:$sequence);
  let results = (outs Dec_SeedVector:$seeds);
  let assemblyFormat = "$sequence attr-dict `:` type($seeds)";
}

def Dec_PromptTokensOp : Dec_Op<"prompt_tokens"> {
  let summary = "The prompt's tokens";
  let description = [{
    A `[batch, length]` view of the tokens of the prompt (as tokenized, with
    the tokenizer's template), padded with -1. Scopes penalties to the prompt
    (and gives HF MinLength the prompt length).
  }];
  let arguments = (ins Dec_SequenceType:$sequence);
  let results = (outs Dec_TokenMatrix:$tokens);
  let assemblyFormat = "$sequence attr-dict `:` type($tokens)";
}

def Dec_GeneratedTokensOp : Dec_Op<"generated_tokens"> {
  let summary = "The tokens generated so far";
  let description = [{
    A `[batch, length]` view of the generated tokens (without the prompt),
    padded with -1, valid until the next `dec.emit`. vLLM's frequency and
    presence penalties count these.
  }];
  let arguments = (ins Dec_SequenceType:$sequence);
  let results = (outs Dec_TokenMatrix:$tokens);
  let assemblyFormat = "$sequence attr-dict `:` type($tokens)";
}

def Dec_TokenBiasOp : Dec_Op<"token_bias"> {
  let summary = "A per-step bias row computed by the runtime from token rules";
  let description = [{
    A `[batch, vocab]` f32 row of biases (0: no change, -inf: banned) for the
    next token, computed by the runtime from the sequence's tokens (prompt
    and generated, as HF's `input_ids`), for `logits.add_bias`:

    * `sequences[i]` with the finite `biases[i]` (HF
      SequenceBiasLogitsProcessor): a one-token sequence always biases its
      token; a longer one biases its last token when the tokens so far end
      with the rest (and are at least as many). Biases add up, in order. In a
      one-token sequence, -1 stands for the model's end-of-sequence tokens.
    * `banned` sequences (HF NoBadWordsLogitsProcessor): the same matching,
      but the token gets -inf.
    * `words` with `word_biases`, and `banned_words`: text the runtime
      tokenizes without special tokens, as vLLM does for `bad_words` (the
      word with leading spaces removed, and also with one leading space when
      that gives as many tokens, starting with another one); then like
      `sequences` and `banned`.
    * `ngram N` (HF NoRepeatNGramLogitsProcessor): bans every token that would
      complete an N-gram that already occurs in the tokens.

    Valid until the next `dec.emit`.

    ```mlir
    %bias = dec.token_bias %seq sequences [array<i32: 5, 6>] biases [-2.0] banned [array<i32: 9>]
        ngram 3 : memref<?x?xf32>
    ```
  }];
  let arguments = (ins Dec_SequenceType:$sequence,
                       DefaultValuedAttr<TypedArrayAttrBase<DenseI32ArrayAttr, "token sequences">,
                                         "{}">:$sequences,
                       DefaultValuedAttr<DenseF32ArrayAttr, "{}">:$biases,
                       DefaultValuedAttr<TypedArrayAttrBase<DenseI32ArrayAttr, "token sequences">,
                                         "{}">:$banned,
                       DefaultValuedAttr<StrArrayAttr, "{}">:$words,
                       DefaultValuedAttr<DenseF32ArrayAttr, "{}">:$word_biases,
                       DefaultValuedAttr<StrArrayAttr, "{}">:$banned_words,
                       DefaultValuedAttr<I64Attr, "0">:$ngram);
  let results = (outs Dec_LogitsBuffer:$bias);
  let assemblyFormat = [{
    $sequence (`sequences` $sequences^ `biases` $biases)? (`banned` $banned^)?
    (`words` $words^ `word_biases` $word_biases)? (`banned_words` $banned_words^)?
    (`ngram` $ngram^)? attr-dict `:` type($bias)
  }];
  let hasVerifier = 1;
}

def Dec_UnconditionalLogitsOp : Dec_Op<"unconditional_logits"> {
  let summary = "The next-token logits of the unconditional (guidance) sequence";
  let description = [{
    The logits of the unconditional sequence the runtime keeps for
    classifier-free guidance (`dec.begin ... guidance`): its prompt is the
    negative prompt (or the prompt's last token) followed by the generated
    tokens. Valid until the next `dec.forward`.
  }];
  let arguments = (ins Dec_SequenceType:$sequence);
  let results = (outs Dec_LogitsBuffer:$logits);
  let assemblyFormat = "$sequence attr-dict `:` type($logits)";
}

def Dec_CaptureLogitsOp : Dec_Op<"capture_logits"> {
  let summary = "Hands the runtime a copy of logits for log-probabilities";
  let description = [{
    The runtime copies `logits`; at the next `dec.emit` it reports the emitted
    token's log-probability under them and the top `N` alternatives (`N` from
    `dec.begin ... logprobs N`).
  }];
  // No declared effects: it has one on the runtime (it must never be erased
  // as dead), and it reads the logits.
  let arguments = (ins Dec_SequenceType:$sequence, Dec_LogitsBuffer:$logits);
  let assemblyFormat = "$sequence `,` $logits attr-dict `:` type($logits)";
}

def Dec_FinishOp : Dec_Op<"finish"> {
  let summary = "Closes a sequence and returns its generated text";
  let arguments = (ins Dec_SequenceType:$sequence);
  let results = (outs Dec_TextType:$text);
  let assemblyFormat = "$sequence attr-dict";
}

#endif // DEC_DIALECT_DEC_DECOPS_TD
