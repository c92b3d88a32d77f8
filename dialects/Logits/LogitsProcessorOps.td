//===- LogitsProcessorOps.td - processors defined by decomposition -*- tablegen -*-===//
//
// The rest of the Hugging Face / vLLM logits-processor set. Each operation is
// *defined* by its `logits-decompose` rewrite into row primitives
// (passes/Transforms/LogitsDecompose.cpp): it has no lowering of its own,
// `convert-logits-to-scf` decomposes it and lowers the program, and
// `logits-fuse` merges it with its neighbours like any other program.
//
// Parameters may be a scalar (the same for every row) or a `memref<?xT>` with
// one value per row; token lists may be one `memref<?xi32>` shared by all
// rows or a `memref<?x?xi32>` with one (-1 padded) list per row. Ids outside
// the vocabulary are ignored.
//
// Included from LogitsOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef DEC_DIALECT_LOGITS_LOGITSPROCESSOROPS_TD
#define DEC_DIALECT_LOGITS_LOGITSPROCESSOROPS_TD

/// A token list: shared by all rows ([n]) or one per row ([batch, n]).
def Logits_ProcTokenList : AnyTypeOf<[MemRefRankOf<[I32], [1]>, MemRefRankOf<[I32], [2]>]>;
/// A parameter: one scalar for every row, or one value per row.
class Logits_ProcParam<Type t> : AnyTypeOf<[t, MemRefRankOf<[t], [1]>]>;

class Logits_ProcessorOp<string mnemonic, list<Trait> traits = []>
    : Logits_Op<mnemonic, traits> {
  let hasVerifier = 1;
}

def Logits_FrequencyPenaltyOp : Logits_ProcessorOp<"frequency_penalty"> {
  let summary = "Subtracts a penalty proportional to how often a token occurred";
  let description = [{
    `l[b, t] = l[b, t] - f * c` for every token `t`, where `c` is the number of
    occurrences of `t` in row `b` of `tokens` as an f32 (vLLM / OpenAI
    `frequency_penalty`: `logits -= frequency_penalties * output_bin_counts`,
    computed for every token, also where `c = 0`). `-1` padding and ids
    outside the vocabulary are not counted. The schedule passes the generated
    tokens (vLLM) or, on request, the prompt or both.

    ```mlir
    logits.frequency_penalty %logits, %generated, %f
        : memref<?x?xf32>, memref<?x?xi32>, f32
    ```
  }];
  let arguments = (ins Logits_InOut:$logits,
                       Arg<Logits_ProcTokenList, "tokens counted", [MemRead]>:$tokens,
                       Logits_ProcParam<F32>:$penalty);
  let assemblyFormat = [{
    $logits `,` $tokens `,` $penalty attr-dict `:` type($logits) `,` type($tokens) `,` type($penalty)
  }];
}

def Logits_PresencePenaltyOp : Logits_ProcessorOp<"presence_penalty"> {
  let summary = "Subtracts a penalty from every token that occurred";
  let description = [{
    `l[b, t] = l[b, t] - p * (c > 0 ? 1 : 0)` for every token `t`, with `c` the
    occurrences of `t` in row `b` of `tokens` (vLLM / OpenAI
    `presence_penalty`: `logits -= presence_penalties * output_mask`).

    ```mlir
    logits.presence_penalty %logits, %generated, %p
        : memref<?x?xf32>, memref<?x?xi32>, f32
    ```
  }];
  let arguments = (ins Logits_InOut:$logits,
                       Arg<Logits_ProcTokenList, "tokens counted", [MemRead]>:$tokens,
                       Logits_ProcParam<F32>:$penalty);
  let assemblyFormat = [{
    $logits `,` $tokens `,` $penalty attr-dict `:` type($logits) `,` type($tokens) `,` type($penalty)
  }];
}

def Logits_AddBiasOp : Logits_ProcessorOp<"add_bias"> {
  let summary = "Adds a bias row; a -inf bias bans the token";
  let description = [{
    `l[b, v] = bias[r, v] == -inf ? -inf : l[b, v] + bias[r, v]`, where `r` is
    `b`, or 0 when `bias` has a single row (shared by the batch). This is how
    logit bias (vLLM / OpenAI `logit_bias`: `logits[t] += bias`), sequence
    bias (HF SequenceBiasLogitsProcessor: `scores + bias`), bad words and
    no-repeat-n-gram bans (HF NoBadWords / NoRepeatNGram: -inf) are applied;
    the runtime computes the bias row per step (`dec.token_bias`). A -inf
    bias bans even a +inf logit (HF's `inf + -inf` would give NaN).

    ```mlir
    logits.add_bias %logits, %bias : memref<?x?xf32>, memref<?x?xf32>
    ```
  }];
  let arguments = (ins Logits_InOut:$logits,
                       Arg<Logits_Buffer, "bias [batch or 1, vocab]", [MemRead]>:$bias);
  let assemblyFormat = "$logits `,` $bias attr-dict `:` type($logits) `,` type($bias)";
}

def Logits_AllowOp : Logits_ProcessorOp<"allow"> {
  let summary = "Keeps only the listed tokens";
  let description = [{
    Tokens in none of the lists (row `b` of each) become -inf (vLLM
    `allowed_token_ids`: `logits.masked_fill_(~allowed, -inf)`). Several
    lists allow their union (e.g. constant ids and the EOS tokens); empty
    lists exclude every token.

    ```mlir
    logits.allow %logits(%ids, %eos) : memref<?x?xf32>, (memref<?xi32>, memref<?xi32>)
    ```
  }];
  let arguments = (ins Logits_InOut:$logits,
                       Arg<Variadic<Logits_ProcTokenList>, "allowed ids", [MemRead]>:$tokens);
  let assemblyFormat = [{
    $logits `(` $tokens `)` attr-dict `:` type($logits) `,` `(` type($tokens) `)`
  }];
}

def Logits_SuppressIfOp : Logits_ProcessorOp<"suppress_if"> {
  let summary = "Sets the listed tokens to -inf in the rows where a condition holds";
  let description = [{
    Where `condition` (per row, or one for all) is true, the logits of the
    tokens in the lists become -inf; other rows are unchanged. With the EOS
    ids and `step < n` this is HF MinNewTokensLengthLogitsProcessor / vLLM
    `min_tokens`; with `prompt + step < n` HF MinLengthLogitsProcessor; with
    `step == 0` HF SuppressTokensAtBeginLogitsProcessor.

    ```mlir
    logits.suppress_if %logits(%eos), %early : memref<?x?xf32>, (memref<?xi32>), i1
    ```
  }];
  let arguments = (ins Logits_InOut:$logits,
                       Arg<Variadic<Logits_ProcTokenList>, "suppressed ids", [MemRead]>:$tokens,
                       Logits_ProcParam<I1>:$condition);
  let assemblyFormat = [{
    $logits `(` $tokens `)` `,` $condition attr-dict `:` type($logits) `,` `(` type($tokens) `)`
    `,` type($condition)
  }];
}

def Logits_ForceOp : Logits_ProcessorOp<"force"> {
  let summary = "Forces the listed tokens in the rows where a condition holds";
  let description = [{
    Where `condition` is true, every logit becomes -inf except those of the
    tokens in the lists, which become 0 (HF ForcedBOSTokenLogitsProcessor and
    ForcedEOSTokenLogitsProcessor: `scores[:, :] = -inf; scores[:, ids] = 0`).
    Other rows are unchanged.

    ```mlir
    logits.force %logits(%eos), %last : memref<?x?xf32>, (memref<?xi32>), i1
    ```
  }];
  let arguments = (ins Logits_InOut:$logits,
                       Arg<Variadic<Logits_ProcTokenList>, "forced ids", [MemRead]>:$tokens,
                       Logits_ProcParam<I1>:$condition);
  let assemblyFormat = [{
    $logits `(` $tokens `)` `,` $condition attr-dict `:` type($logits) `,` `(` type($tokens) `)`
    `,` type($condition)
  }];
}

def Logits_RemoveInfNanOp : Logits_ProcessorOp<"remove_inf_nan"> {
  let summary = "Replaces NaN by 0 and infinities by the largest finite floats";
  let description = [{
    HF InfNanRemoveLogitsProcessor: NaN becomes 0, +inf becomes
    3.40282347e38 (`torch.finfo(float32).max`), -inf becomes -3.40282347e38.

    ```mlir
    logits.remove_inf_nan %logits : memref<?x?xf32>
    ```
  }];
  let arguments = (ins Logits_InOut:$logits);
  let assemblyFormat = "$logits attr-dict `:` type($logits)";
}

def Logits_LogSoftmaxOp : Logits_ProcessorOp<"log_softmax"> {
  let summary = "Replaces each row by its log-softmax";
  let description = [{
    HF LogitNormalization (`scores.log_softmax(dim=-1)`) with the dialect's
    special values: with `max` the row's maximum and `lse = log(mass)`
    (`mass` the f64 sum of `weights`, its log rounded to f32),
    `l = (l - max) - lse`; the maximum itself (also +inf) gives `-lse`; -inf
    and NaN (probability 0) give -inf; a row with no logit above -inf becomes
    all -inf.

    ```mlir
    logits.log_softmax %logits : memref<?x?xf32>
    ```
  }];
  let arguments = (ins Logits_InOut:$logits);
  let assemblyFormat = "$logits attr-dict `:` type($logits)";
}

def Logits_GuidanceOp : Logits_ProcessorOp<"guidance"> {
  let summary = "Classifier-free guidance from a second, unconditional row";
  let description = [{
    HF UnbatchedClassifierFreeGuidanceLogitsProcessor: with `c` and `u` the
    `log_softmax` (as defined by `logits.log_softmax`) of the logits and of
    row `r` of `unconditional` (`r` is `b`, or 0 for a single row),
    `l = scale == 1 ? c : scale * (c - u) + u`. Where that is NaN (from
    `inf - inf`: a token the unconditional row excludes, or one both exclude)
    the result is -inf. The output is in log-probability space, as in HF.

    ```mlir
    logits.guidance %logits, %uncond, %scale : memref<?x?xf32>, memref<?x?xf32>, f32
    ```
  }];
  let arguments = (ins Logits_InOut:$logits,
                       Arg<Logits_Buffer, "unconditional logits [batch or 1, vocab]",
                           [MemRead]>:$unconditional,
                       Logits_ProcParam<F32>:$scale);
  let assemblyFormat = [{
    $logits `,` $unconditional `,` $scale attr-dict `:` type($logits) `,` type($unconditional)
    `,` type($scale)
  }];
}

#endif // DEC_DIALECT_LOGITS_LOGITSPROCESSOROPS_TD
