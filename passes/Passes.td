//===- Passes.td - dec's transformation and conversion passes *- tablegen -*-===//

#ifndef DEC_PASSES_PASSES_TD
#define DEC_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Transforms
//===----------------------------------------------------------------------===//

def DecExpandSchedules : Pass<"dec-expand-schedules", "::mlir::ModuleOp"> {
  let summary = "Expands schedule operations into loops of primitive dec steps";
  let description = [{
    Rewrites every `dec.autoregressive` into: `dec.begin` (prompt and
    prefill), then a `scf.while` loop that reads `dec.logits`, applies the
    constraint's bans (`logits.mask` for banned strings, `logits.suppress`
    for banned tokens and, with `ban_eos`, the end-of-sequence tokens), runs
    the inlined sampler region, `dec.emit`s the token and runs `dec.forward`
    on it while the sequence is not finished and fewer than `dec.max_tokens`
    tokens were generated; then `dec.finish`. Each iteration's body is an
    `memref.alloca_scope` so stack buffers of the sampler are released every
    step.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::logits::LogitsDialect"
  ];
}

def LogitsDecompose : Pass<"logits-decompose"> {
  let summary = "Rewrites built-in logits operations as row programs";
  let description = [{
    Each built-in transform becomes a `logits.transform` and each choice a
    `logits.choose` computing exactly the same thing (the operation's
    documented semantics) out of row primitives: `logits.map`, reductions,
    `logits.kth_largest`, `logits.mass_boundary`, `logits.weights`,
    `logits.sample_index`. After this, built-in and user-defined transforms
    look alike and `logits-fuse` can merge them.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def LogitsFuse : Pass<"logits-fuse"> {
  let summary = "Merges consecutive row programs on the same logits into one";
  let description = [{
    A run of `logits.transform`s on one buffer, optionally ending with a
    `logits.choose`, becomes a single program: the regions are concatenated,
    each program's row argument replaced by the previous one's result. The
    fused program is lowered as one kernel, so the lowering sees the whole
    pipeline (e.g. that a top-k leaves few candidates for everything after
    it). Operations between the programs must not use the buffer.
  }];
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

def ConvertLogitsToSCF : Pass<"convert-logits-to-scf"> {
  let summary = "Lowers logits operations to loops (scf, arith, math, memref)";
  let description = [{
    The reference lowering of every `logits` operation to plain loops over
    the rows and the vocabulary. Each operation's semantics is defined in its
    description (LogitsOps.td); this lowering implements it exactly, without
    sorting: top-k and top-p find their threshold by a 4-round radix select
    over order-preserving 32-bit keys of the logits (top-p weighs each key by
    its probability), so each takes a constant number of passes over the row.
    Categorical sampling uses an inline Philox4x32-10 generator.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"
  ];
}

def ConvertLogitsToVector : Pass<"convert-logits-to-vector"> {
  let summary = "Lowers row programs to vectorized loops";
  let description = [{
    The fast lowering of `logits.transform` / `logits.choose` (run after
    logits-decompose and logits-fuse). Per row, the reductions that are ready
    together are computed in one vectorized pass over the vocabulary, row
    values are recomputed from the logits inside each pass (never stored),
    and a transform writes its result in one last pass; searches and the
    sampling walk are scalar. exp/log become polynomial approximations. A
    program this pass cannot vectorize is left to convert-logits-to-scf.
  }];
  let options = [Option<"vectorWidth", "vector-width", "unsigned", "16",
                        "Lanes per vector (16 f32 = 512 bits; a multiple of 4, 4 to 64)">];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def ConvertLogitsToGPU : Pass<"convert-logits-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lowers row programs to GPU kernels, one thread block per row";
  let description = [{
    Each `logits.transform` / `logits.choose` becomes a `gpu.func` kernel in
    `gpu.module @dec_kernels` and is replaced by a `gpu.launch_func` with one
    block of `block-size` threads per row of the batch. Reductions are
    strided loops and block-wide `gpu.all_reduce`s; the radix searches keep
    their histograms in workgroup memory (atomics); sampling scans per-thread
    chunk sums in workgroup memory. `gpu-lower-to-nvvm-pipeline` then makes
    PTX (`decc --target=cuda --emit=ptx`).
  }];
  let options = [Option<"blockSize", "block-size", "int64_t", "256", "Threads per block">];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"
  ];
}

def ConvertDecToLLVM : Pass<"convert-dec-to-llvm", "::mlir::ModuleOp"> {
  let summary = "Lowers dec operations to calls of the runtime's C ABI";
  let description = [{
    Turns `dec.decode` entries into exported functions
    `__dec_entry_<name>(ptr prompt) -> ptr`, the primitive dec steps into
    calls of the `decrt_*` functions of the runtime (docs/abi.md; buffers come
    back as MLIR memref descriptors the runtime fills in), and collects the
    models and per-sequence string constraints into the JSON manifest
    `__dec_manifest` with `__dec_abi_version`. The per-step
    `memref.alloca_scope`s of expanded schedules are lowered here too, to
    stacksave/stackrestore, while their bodies are still one block (run this
    before convert-scf-to-cf). Other dialects are left for the upstream
    conversions to LLVM.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect"];
}

#endif // DEC_PASSES_PASSES_TD
