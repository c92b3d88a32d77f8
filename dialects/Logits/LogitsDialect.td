//===- LogitsDialect.td - vocabulary-wide logits operations -*- tablegen -*-===//
//
// The `logits` dialect holds the operations a sampler is made of: transforms
// of a `[batch, vocab]` logits buffer (temperature, top-k, top-p, min-p,
// penalties, bans) and the terminal choices that turn it into one token per
// row (argmax, categorical sampling).
//
// Operations work in place on a row-major f32 memref. The decoding loop owns
// one logits buffer per step, written by the model and consumed by the
// sampler; in-place semantics say exactly that, and a chain of transforms
// followed by a choice is the unit that `logits-fuse` (a later pass) turns
// into one kernel. Each operation's description defines its exact semantics:
// the lowering to loops (`convert-logits-to-scf`) is the reference
// implementation every fused kernel must agree with.
//
//===----------------------------------------------------------------------===//

#ifndef DEC_DIALECT_LOGITS_LOGITSDIALECT_TD
#define DEC_DIALECT_LOGITS_LOGITSDIALECT_TD

include "mlir/IR/OpBase.td"

def Logits_Dialect : Dialect {
  let name = "logits";
  let cppNamespace = "::mlir::logits";
  let summary = "Vocabulary-wide transforms of logits and token choices";
  let description = [{
    Special values, for every operation: a token's probability weight is
    `exp(l - max)`, except that the row's maximum weighs exactly 1 (so a +inf
    logit takes all the mass), and -inf and NaN weigh 0. -inf is an excluded
    token. A
    row with no logit above -inf has no probability mass: choices return -1.
    Parameters given at run time are clamped the way Hugging Face's
    `min_tokens_to_keep = 1` does: `top_k` below 1 keeps one token, `top_p` at
    or below 0 (or NaN) keeps the most likely tokens only.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect"];
  let useDefaultTypePrinterParser = 1;
}

class Logits_Op<string mnemonic, list<Trait> traits = []>
    : Op<Logits_Dialect, mnemonic, traits>;

#endif // DEC_DIALECT_LOGITS_LOGITSDIALECT_TD
