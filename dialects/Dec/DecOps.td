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
                       UnitAttr:$ban_eos);
  let results = (outs Dec_TextType:$text);
  let regions = (region SizedRegion<1>:$sampler);
  let assemblyFormat = [{
    $model `(` $prompt `)` `max_tokens` $max_tokens (`stop` $stop^)?
    (`ban` $ban^)? (`ban_tokens` $ban_tokens^)? (`ban_eos` $ban_eos^)?
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

    ```mlir
    %seq = dec.begin @lm(%prompt) stop ["\n\n"]
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$model, Dec_TextType:$prompt,
                       DefaultValuedAttr<StrArrayAttr, "{}">:$stop,
                       DefaultValuedAttr<StrArrayAttr, "{}">:$ban);
  let results = (outs Dec_SequenceType:$sequence);
  let assemblyFormat = [{
    $model `(` $prompt `)` (`stop` $stop^)? (`ban` $ban^)? attr-dict
  }];
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

def Dec_FinishOp : Dec_Op<"finish"> {
  let summary = "Closes a sequence and returns its generated text";
  let arguments = (ins Dec_SequenceType:$sequence);
  let results = (outs Dec_TextType:$text);
  let assemblyFormat = "$sequence attr-dict";
}

#endif // DEC_DIALECT_DEC_DECOPS_TD
