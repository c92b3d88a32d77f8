//===- GpuKernels.h - the benchmark's samplers as PTX, for a GPU run -*- C++ -*-===//
//
// dec-bench-sampler --emit-gpu DIR writes the three benchmark pipelines as
// CUDA kernels (the production GPU path: logits-fuse, convert-logits-to-gpu,
// NVVM, PTX) with a manifest of their arguments, so that a machine without
// MLIR can launch and time them (bench/gpu/dec_bench_sampler_gpu.py).
//
//===----------------------------------------------------------------------===//

#ifndef DEC_BENCH_GPUKERNELS_H
#define DEC_BENCH_GPUKERNELS_H

#include <string>

namespace dec::bench {

/// Writes DIR/a.ptx, DIR/b.ptx, DIR/c.ptx and DIR/kernels.json for `chip`
/// (e.g. sm_90). Returns false with `error` set.
bool emitGpuKernels(const std::string &dir, const std::string &chip, std::string &error);

} // namespace dec::bench

#endif // DEC_BENCH_GPUKERNELS_H
