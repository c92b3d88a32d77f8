//===- TorchModel.cpp - a TorchScript causal LM with a KV cache -----------===//

#include "runtime/model/TorchModel.h"

#include <ATen/Parallel.h>
#include <torch/script.h>

#include <cstring>
#include <sstream>

using namespace dec;

struct ModelState::Impl {
  torch::Tensor cache;
};

ModelState::ModelState() : impl(std::make_unique<Impl>()) {}
ModelState::~ModelState() = default;
ModelState::ModelState(ModelState &&) noexcept = default;
ModelState &ModelState::operator=(ModelState &&) noexcept = default;

struct TorchModel::Impl {
  torch::jit::script::Module module;
};

TorchModel::TorchModel() : impl(std::make_unique<Impl>()) {}
TorchModel::~TorchModel() = default;

namespace {

std::string shapeOf(const torch::Tensor &t) {
  std::ostringstream os;
  os << t.sizes();
  return os.str();
}

/// The useful line of a c10::Error. libtorch appends C++ and TorchScript
/// traces; an error raised inside TorchScript code ends with the Python-style
/// "RuntimeError: <what the model said>" line, otherwise the first line says it.
std::string firstLine(const std::string &message) {
  std::string best = message.substr(0, message.find('\n'));
  size_t start = 0;
  while (start < message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos)
      end = message.size();
    std::string line = message.substr(start, end - start);
    if (line.find("Error: ") != std::string::npos && line.find("Traceback") == std::string::npos)
      best = line.substr(line.find_first_not_of(' '));
    start = end + 1;
  }
  return best;
}

} // namespace

std::unique_ptr<TorchModel> TorchModel::load(const std::string &path, std::string &error) {
  auto convention = [&](const std::string &what) {
    error = "model '" + path + "' does not follow dec's causal-LM calling convention "
            "(docs/models.md): " + what;
    return nullptr;
  };
  std::unique_ptr<TorchModel> model(new TorchModel());
  model->path_ = path;
  try {
    c10::InferenceMode guard;
    model->impl->module = torch::jit::load(path, torch::kCPU);
    model->impl->module.eval();
  } catch (const std::exception &e) {
    error = "cannot load TorchScript model '" + path + "': " + firstLine(e.what());
    return nullptr;
  }
  torch::jit::script::Module &module = model->impl->module;
  for (const char *method : {"forward", "empty_cache", "vocab_size", "max_context"})
    if (!module.find_method(method))
      return convention(std::string("it has no method '") + method + "'");

  try {
    c10::InferenceMode guard;
    torch::jit::IValue vocab = module.run_method("vocab_size");
    torch::jit::IValue context = module.run_method("max_context");
    if (!vocab.isInt() || !context.isInt())
      return convention("vocab_size() and max_context() must return int");
    model->vocabSize_ = vocab.toInt();
    model->maxContext_ = context.toInt();
    if (model->vocabSize_ <= 0 || model->maxContext_ <= 0)
      return convention("vocab_size() and max_context() must be positive");

    // One token through the model checks the types and shapes once, here,
    // instead of at every step.
    ModelState state = model->newState();
    torch::jit::IValue out = module.forward(
        {torch::zeros({1, 1}, torch::kInt64), state.impl->cache});
    if (!out.isTuple() || out.toTuple()->elements().size() != 2)
      return convention("forward must return a (logits, cache) tuple");
    const auto &elements = out.toTuple()->elements();
    if (!elements[0].isTensor() || !elements[1].isTensor())
      return convention("forward must return two tensors");
    torch::Tensor logits = elements[0].toTensor(), cache = elements[1].toTensor();
    if (logits.dim() != 3 || logits.size(0) != 1 || logits.size(1) != 1 ||
        logits.size(2) != model->vocabSize_ || logits.scalar_type() != torch::kFloat32)
      return convention("forward on tokens [1, 1] returned logits " + shapeOf(logits) +
                        ", expected float32 [1, 1, " + std::to_string(model->vocabSize_) + "]");
    if (cache.dim() != 6 || cache.size(4) != 1)
      return convention("forward on one token must return a cache [L, 2, B, H, 1, Dh], got " +
                        shapeOf(cache));
  } catch (const std::exception &e) {
    return convention(firstLine(e.what()));
  }
  return model;
}

ModelState TorchModel::newState() const {
  c10::InferenceMode guard;
  ModelState state;
  state.impl->cache =
      impl->module.run_method("empty_cache", static_cast<int64_t>(1)).toTensor();
  state.length_ = 0;
  return state;
}

bool TorchModel::forward(ModelState &state, const int32_t *tokens, int64_t count,
                         float *logits, std::string &error) const {
  if (count <= 0) {
    error = "model forward needs at least one token";
    return false;
  }
  if (state.length_ + count > maxContext_) {
    error = "sequence of " + std::to_string(state.length_ + count) +
            " tokens exceeds the model's context of " + std::to_string(maxContext_);
    return false;
  }
  try {
    c10::InferenceMode guard;
    torch::Tensor input = torch::empty({1, count}, torch::kInt64);
    int64_t *data = input.data_ptr<int64_t>();
    for (int64_t i = 0; i < count; ++i)
      data[i] = tokens[i];
    auto out = impl->module.forward({input, state.impl->cache}).toTuple();
    torch::Tensor last = out->elements()[0].toTensor().select(1, count - 1).contiguous();
    std::memcpy(logits, last.data_ptr<float>(), sizeof(float) * vocabSize_);
    state.impl->cache = out->elements()[1].toTensor();
    state.length_ += count;
    return true;
  } catch (const std::exception &e) {
    error = "model forward failed: " + firstLine(e.what());
    return false;
  }
}

void TorchModel::setNumThreads(int threads) {
  if (threads > 0)
    at::set_num_threads(threads);
}
