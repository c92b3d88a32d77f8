//===- TorchModel.h - a TorchScript causal LM with a KV cache ---*- C++ -*-===//
//
// Loads and runs models that follow dec's causal-LM calling convention
// (docs/models.md):
//   forward(tokens: int64 [B, T], cache: f32 [L, 2, B, H, S, Dh])
//       -> (logits f32 [B, T, V], cache f32 [L, 2, B, H, S+T, Dh])
//   empty_cache(batch: int) -> cache with S = 0
//   vocab_size() -> int,  max_context() -> int
//
//===----------------------------------------------------------------------===//

#ifndef DEC_RUNTIME_MODEL_TORCHMODEL_H
#define DEC_RUNTIME_MODEL_TORCHMODEL_H

#include <cstdint>
#include <memory>
#include <string>

namespace dec {

/// The model-side state of one sequence: its KV cache.
class ModelState {
public:
  ModelState();
  ~ModelState();
  ModelState(ModelState &&) noexcept;
  ModelState &operator=(ModelState &&) noexcept;
  /// Tokens already processed (the cache's S).
  int64_t length() const { return length_; }

private:
  friend class TorchModel;
  struct Impl;
  std::unique_ptr<Impl> impl;
  int64_t length_ = 0;
};

class TorchModel {
public:
  /// Loads `path` and checks the calling convention with a one-token forward.
  /// Never throws: returns nullptr with `error` set on failure.
  static std::unique_ptr<TorchModel> load(const std::string &path, std::string &error);
  ~TorchModel();

  int64_t vocabSize() const { return vocabSize_; }
  int64_t maxContext() const { return maxContext_; }
  const std::string &path() const { return path_; }

  /// A fresh state for one sequence (batch 1).
  ModelState newState() const;
  /// Runs `count` tokens after those already in `state` and writes the logits
  /// of the last one to `logits` (vocabSize() floats). Returns false with
  /// `error` set if the model failed (the state is then unchanged).
  bool forward(ModelState &state, const int32_t *tokens, int64_t count, float *logits,
               std::string &error) const;

  /// Sets libtorch's intra-op thread count (process-wide).
  static void setNumThreads(int threads);

private:
  TorchModel();
  struct Impl;
  std::unique_ptr<Impl> impl;
  std::string path_;
  int64_t vocabSize_ = 0, maxContext_ = 0;
};

} // namespace dec

#endif // DEC_RUNTIME_MODEL_TORCHMODEL_H
