//===- LogitsOps.td - operations of the logits dialect -----*- tablegen -*-===//

#ifndef DEC_DIALECT_LOGITS_LOGITSOPS_TD
#define DEC_DIALECT_LOGITS_LOGITSOPS_TD

include "dialects/Logits/LogitsDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Logits_Buffer : MemRefRankOf<[F32], [2]>;
def Logits_TokenMatrix : MemRefRankOf<[I32], [2]>;
def Logits_TokenVector : MemRefRankOf<[I32], [1]>;
def Logits_SeedVector : MemRefRankOf<[I64], [1]>;

/// The logits operand every operation reads and (for transforms) rewrites.
def Logits_InOut : Arg<Logits_Buffer, "logits [batch, vocab]", [MemRead, MemWrite]>;
def Logits_In : Arg<Logits_Buffer, "logits [batch, vocab]", [MemRead]>;

/// A transform rewrites the logits in place, one row at a time.
class Logits_TransformOp<string mnemonic, list<Trait> traits = []>
    : Logits_Op<mnemonic, traits> {
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Transforms
//===----------------------------------------------------------------------===//

def Logits_TemperatureOp : Logits_TransformOp<"temperature"> {
  let summary = "Divides every logit by a temperature";
  let description = [{
    `l[b, v] = l[b, v] / t`, with `t > 0` (HF TemperatureLogitsWarper).

    ```mlir
    logits.temperature %logits, %t : memref<?x?xf32>
    ```
  }];
  let arguments = (ins Logits_InOut:$logits, F32:$temperature);
  let assemblyFormat = "$logits `,` $temperature attr-dict `:` type($logits)";
  let hasCanonicalizer = 1;
}

def Logits_TopKOp : Logits_TransformOp<"top_k"> {
  let summary = "Keeps the k largest logits of each row";
  let description = [{
    Let `τ` be the k-th largest value of the row (counting repeated values).
    Logits below `τ` become -inf; values equal to `τ` are kept, so ties at the
    boundary can keep more than k tokens (HF TopKLogitsWarper:
    `scores < topk(scores, k).values[..., -1]`). `k >= vocab` keeps the row.
    NaN counts as smaller than every number.

    ```mlir
    logits.top_k %logits, %k : memref<?x?xf32>
    ```
  }];
  let arguments = (ins Logits_InOut:$logits, I64:$k);
  let assemblyFormat = "$logits `,` $k attr-dict `:` type($logits)";
}

def Logits_TopPOp : Logits_TransformOp<"top_p"> {
  let summary = "Nucleus filtering: keeps the most likely tokens holding mass p";
  let description = [{
    With `q = softmax(row)`, a token `v` is kept when the total probability
    of the tokens whose logit is strictly greater than `l[v]` is less than
    `p`; the others become -inf. This is HF TopPLogitsWarper (remove the
    ascending-sorted tokens whose cumulative probability is `<= 1 - p`) with
    ties at the boundary kept together instead of split by sort order. The
    most likely token is always kept; `p = 1` keeps the row. NaN logits
    (weight 0) are removed unless the row is kept whole.

    ```mlir
    logits.top_p %logits, %p : memref<?x?xf32>
    ```
  }];
  let arguments = (ins Logits_InOut:$logits, F32:$p);
  let assemblyFormat = "$logits `,` $p attr-dict `:` type($logits)";
  let hasCanonicalizer = 1;
}

def Logits_MinPOp : Logits_TransformOp<"min_p"> {
  let summary = "Drops tokens less likely than p times the most likely one";
  let description = [{
    A token is removed (-inf) when `softmax(row)[v] < p * max(softmax(row))`,
    computed as `weight(l[v]) < p` with `weight = exp(l - max(row))` (HF
    MinPLogitsWarper). The most likely token is always kept; NaN (weight 0)
    is removed when `p > 0`.

    ```mlir
    logits.min_p %logits, %p : memref<?x?xf32>
    ```
  }];
  let arguments = (ins Logits_InOut:$logits, F32:$p);
  let assemblyFormat = "$logits `,` $p attr-dict `:` type($logits)";
  let hasCanonicalizer = 1;
}

def Logits_RepetitionPenaltyOp : Logits_TransformOp<"repetition_penalty"> {
  let summary = "Penalises tokens that already occur in the sequence";
  let description = [{
    For every distinct token `t` in row `b` of `history` (`-1` entries are
    padding): `l[b, t] = l[b, t] < 0 ? l[b, t] * r : l[b, t] / r` (HF
    RepetitionPenaltyLogitsProcessor, CTRL paper). A token that occurs several
    times is penalised once. Ids outside `[0, vocab)` are ignored.

    ```mlir
    logits.repetition_penalty %logits, %history, %r : memref<?x?xf32>, memref<?x?xi32>
    ```
  }];
  let arguments = (ins Logits_InOut:$logits,
                       Arg<Logits_TokenMatrix, "tokens so far [batch, n]", [MemRead]>:$history,
                       F32:$penalty);
  let assemblyFormat = [{
    $logits `,` $history `,` $penalty attr-dict `:` type($logits) `,` type($history)
  }];
  let hasCanonicalizer = 1;
}

def Logits_SuppressOp : Logits_TransformOp<"suppress"> {
  let summary = "Sets the logits of the given token ids to -inf in every row";
  let description = [{
    `l[b, t] = -inf` for every `t` in `tokens` with `0 <= t < vocab`.

    ```mlir
    logits.suppress %logits, %ids : memref<?x?xf32>, memref<?xi32>
    ```
  }];
  let arguments = (ins Logits_InOut:$logits,
                       Arg<Logits_TokenVector, "token ids", [MemRead]>:$tokens);
  let assemblyFormat = "$logits `,` $tokens attr-dict `:` type($logits) `,` type($tokens)";
}

def Logits_MaskOp : Logits_TransformOp<"mask"> {
  let summary = "Keeps only the tokens an allowed-token bitset contains";
  let description = [{
    `allowed` is a `[batch, ceil(vocab / 32)]` bitset; token `t` of row `b` is
    allowed when bit `t % 32` of word `allowed[b, t / 32]` is set. Logits of
    tokens that are not allowed become -inf.

    ```mlir
    logits.mask %logits, %allowed : memref<?x?xf32>, memref<?x?xi32>
    ```
  }];
  let arguments = (ins Logits_InOut:$logits,
                       Arg<Logits_TokenMatrix, "bitset [batch, words]", [MemRead]>:$allowed);
  let assemblyFormat = "$logits `,` $allowed attr-dict `:` type($logits) `,` type($allowed)";
}

def Logits_SoftmaxOp : Logits_TransformOp<"softmax"> {
  let summary = "Replaces each row by its softmax";
  let description = [{
    `l[b, v] = weight(l[b, v]) / sum_u weight(l[b, u])` with
    `weight(l) = exp(l - max(row))` (see the dialect's special values). A row
    with no logit above -inf becomes all zeros.

    ```mlir
    logits.softmax %logits : memref<?x?xf32>
    ```
  }];
  let arguments = (ins Logits_InOut:$logits);
  let assemblyFormat = "$logits attr-dict `:` type($logits)";
}

//===----------------------------------------------------------------------===//
// Terminal choices
//===----------------------------------------------------------------------===//

def Logits_ArgmaxOp : Logits_Op<"argmax"> {
  let summary = "Greedy choice: the index of each row's largest logit";
  let description = [{
    Writes to `tokens[b]` the smallest index holding the row's maximum (ties
    go to the lowest token id; NaN is never chosen), or -1 when the row has
    no logit above -inf.

    ```mlir
    logits.argmax %logits, %tokens : memref<?x?xf32>, memref<?xi32>
    ```
  }];
  let arguments = (ins Logits_In:$logits,
                       Arg<Logits_TokenVector, "chosen token per row", [MemWrite]>:$tokens);
  let assemblyFormat = "$logits `,` $tokens attr-dict `:` type($logits) `,` type($tokens)";
  let hasVerifier = 1;
}

def Logits_SampleOp : Logits_Op<"sample"> {
  let summary = "Categorical sampling from softmax(logits)";
  let description = [{
    Draws `tokens[b]` from `softmax(l[b, :])` by inverse transform sampling:
    `u` is a uniform number in [0, 1) from Philox4x32-10 keyed by `seeds[b]`
    (low word first) with counter `(step & 0xffffffff, step >> 32, 0, 0)`:
    the top 24 bits of the first output word times 2^-24. The token is the
    first `v` of positive weight whose running sum of weights (`exp(l - max)`,
    summed in f64) exceeds `u * sum`. The random stream of a row depends only
    on its seed and the step, never on the batch or the thread count. -1 when
    the row has no logit above -inf.

    ```mlir
    logits.sample %logits, %seeds, %step, %tokens
        : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
    ```
  }];
  let arguments = (ins Logits_In:$logits,
                       Arg<Logits_SeedVector, "seed per row", [MemRead]>:$seeds,
                       I64:$step,
                       Arg<Logits_TokenVector, "chosen token per row", [MemWrite]>:$tokens);
  let assemblyFormat = [{
    $logits `,` $seeds `,` $step `,` $tokens attr-dict `:` type($logits) `,` type($seeds)
    `,` type($tokens)
  }];
  let hasVerifier = 1;
}

include "dialects/Logits/LogitsProgramOps.td"
include "dialects/Logits/LogitsProcessorOps.td"

#endif // DEC_DIALECT_LOGITS_LOGITSOPS_TD
