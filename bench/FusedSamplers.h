//===- FusedSamplers.h - sampler pipelines compiled by dec ------*- C++ -*-===//
//
// JIT-compiles the benchmark's sampler pipelines with dec's production CPU
// pipeline (logits-decompose, logits-fuse, convert-logits-to-vector, LLVM -O3
// for the host) and exposes them as plain function pointers. Kept apart from
// the libtorch side so that MLIR and torch headers never meet.
//
//===----------------------------------------------------------------------===//

#ifndef DEC_BENCH_FUSEDSAMPLERS_H
#define DEC_BENCH_FUSEDSAMPLERS_H

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace dec::bench {

template <typename T, int Rank> struct MemRef {
  T *allocated, *aligned;
  int64_t offset, sizes[Rank], strides[Rank];
};

/// (logits [B, V], history [B, n], seeds [B], step, tokens [B])
using SamplerFn = void (*)(MemRef<float, 2> *, MemRef<int32_t, 2> *, MemRef<int64_t, 1> *, int64_t,
                           MemRef<int32_t, 1> *);

/// MLIR text compiled in place of a pipeline, and the file it came from.
struct KernelReplacement {
  std::string file, text;
};

class FusedSamplers {
public:
  /// Compiles pipelines "a", "b" and "c" (see dec-bench-sampler --help).
  /// `fuse` false compiles every op on its own (the reference lowering).
  /// `replacements` maps a pipeline to MLIR (a `func.func @k` of the
  /// signature above) compiled in its place.
  static std::unique_ptr<FusedSamplers> compile(bool fuse,
                                                const std::map<char, KernelReplacement> &replacements,
                                                std::string &error);
  ~FusedSamplers();
  SamplerFn get(char pipeline) const;
  /// The MLIR each pipeline starts from.
  static std::string source(char pipeline);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace dec::bench

#endif // DEC_BENCH_FUSEDSAMPLERS_H
