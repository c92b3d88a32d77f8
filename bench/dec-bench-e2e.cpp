//===- dec-bench-e2e.cpp - end-to-end generation benchmark ----------------===//
//
// For the shipped model, measures in one run:
//   * decc compile time of each example program (median of a few runs);
//   * tokens/s of compiled programs run through libdecrt, and the per-token
//     time spent outside the model's forward pass (sampling, constraints,
//     detokenization, streaming);
//   * the same loop written plainly with libtorch (HF-style logits processors:
//     temperature, topk threshold, sort+cumsum top-p, softmax, multinomial /
//     argmax) around the same model forward, as the reference.
//
//===----------------------------------------------------------------------===//

#include "dec/runtime.h"
#include "runtime/model/TorchModel.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string cpuName() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0)
      return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

int runProcess(const std::vector<std::string> &argv) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char *> args;
    for (const std::string &a : argv)
      args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Options {
  std::string source, build;
  int tokens = 128, repeats = 5, threads = 1;
  bool json = false;
};

struct LoopFigures {
  std::string name;
  double tokensPerSecond = 0, msPerToken = 0, outsideForwardUsPerToken = 0;
};

/// The reference: the decoding loop written plainly with libtorch ops.
LoopFigures plainLibtorchLoop(const std::string &name, dec::TorchModel &model,
                              const dec::Tokenizer &tokenizer, const std::vector<int32_t> &prompt,
                              int tokens, bool sample, int repeats) {
  std::vector<double> perToken, outside;
  int64_t vocab = model.vocabSize();
  std::vector<float> buffer(vocab);
  torch::manual_seed(0);
  for (int r = 0; r < repeats; ++r) {
    dec::ModelState state = model.newState();
    std::string error;
    model.forward(state, prompt.data(), prompt.size(), buffer.data(), error);
    dec::IncrementalDecoder decoder(tokenizer, true);
    std::string text;
    double forwardMs = 0;
    auto start = Clock::now();
    for (int i = 0; i < tokens; ++i) {
      c10::InferenceMode guard;
      torch::Tensor logits = torch::from_blob(buffer.data(), {1, vocab}, torch::kFloat32).clone();
      int32_t token;
      if (sample) {
        logits = logits / 0.8;                                           // TemperatureLogitsWarper
        torch::Tensor kth = std::get<0>(torch::topk(logits, 50)).select(1, 49).unsqueeze(1);
        logits = logits.masked_fill(logits < kth, -INFINITY);            // TopKLogitsWarper
        auto sorted = torch::sort(logits, /*dim=*/-1, /*descending=*/false);
        torch::Tensor cumulative = std::get<0>(sorted).softmax(-1).cumsum(-1);
        torch::Tensor removeSorted = cumulative <= (1 - 0.9);            // TopPLogitsWarper
        removeSorted.index_put_({torch::indexing::Slice(), -1}, false);
        torch::Tensor remove = removeSorted.scatter(1, std::get<1>(sorted), removeSorted);
        logits = logits.masked_fill(remove, -INFINITY);
        token = static_cast<int32_t>(torch::multinomial(logits.softmax(-1), 1).item<int64_t>());
      } else {
        token = static_cast<int32_t>(logits.argmax(-1).item<int64_t>());
      }
      text += decoder.push(token);
      if (i + 1 < tokens) {
        auto f = Clock::now();
        model.forward(state, &token, 1, buffer.data(), error);
        forwardMs += msSince(f);
      }
    }
    double totalMs = msSince(start);
    perToken.push_back(totalMs / tokens);
    outside.push_back((totalMs - forwardMs) * 1000.0 / tokens);
  }
  LoopFigures f;
  f.name = name;
  f.msPerToken = median(perToken);
  f.tokensPerSecond = 1000.0 / f.msPerToken;
  f.outsideForwardUsPerToken = median(outside);
  return f;
}

/// The compiled program through libdecrt.
LoopFigures compiledLoop(const std::string &name, const std::string &library, int tokens,
                         int repeats) {
  char *error = nullptr;
  dec_program *program = dec_program_open(library.c_str(), &error);
  if (!program) {
    std::fprintf(stderr, "dec-bench-e2e: %s\n", error);
    std::exit(1);
  }
  dec_session *session = dec_session_create(program, nullptr, &error);
  if (!session) {
    std::fprintf(stderr, "dec-bench-e2e: %s\n", error);
    std::exit(1);
  }
  std::vector<double> perToken, outside;
  for (int r = 0; r < repeats; ++r) {
    dec_run_options options = dec_run_options_default();
    options.seed = r;
    options.max_tokens = tokens;
    dec_result result;
    if (dec_session_run(session, "bench", "Once upon a time", &options, &result, &error) != 0) {
      std::fprintf(stderr, "dec-bench-e2e: %s\n", error);
      std::exit(1);
    }
    double n = static_cast<double>(result.num_tokens);
    perToken.push_back(result.timings.decode_ms / n);
    outside.push_back((result.timings.decode_ms - result.timings.forward_ms) * 1000.0 / n);
    dec_result_free(&result);
  }
  dec_session_destroy(session);
  dec_program_close(program);
  LoopFigures f;
  f.name = name;
  f.msPerToken = median(perToken);
  f.tokensPerSecond = 1000.0 / f.msPerToken;
  f.outsideForwardUsPerToken = median(outside);
  return f;
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  o.source = DEC_SOURCE_DIR;
  o.build = DEC_BINARY_DIR;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "dec-bench-e2e: '%s' needs a value\n", a.c_str());
        std::exit(1);
      }
      return argv[++i];
    };
    if (a == "--json")
      o.json = true;
    else if (a == "--tokens")
      o.tokens = std::max(2, std::stoi(value()));
    else if (a == "--repeats")
      o.repeats = std::max(1, std::stoi(value()));
    else if (a == "--threads")
      o.threads = std::max(1, std::stoi(value()));
    else if (a == "-h" || a == "--help") {
      std::printf("USAGE: dec-bench-e2e [--json] [--tokens N] [--repeats R] [--threads T]\n\n"
                  "End-to-end benchmark on the shipped model: decc compile times, tokens/s and\n"
                  "per-token time outside the model forward, for compiled programs and for the\n"
                  "same loop written plainly with libtorch, measured in the same run.\n");
      return 0;
    } else {
      std::fprintf(stderr, "dec-bench-e2e: unknown option '%s'\n", a.c_str());
      return 1;
    }
  }
  at::set_num_threads(o.threads);
  std::string decc = o.build + "/bin/decc";
  std::string tmp = "/tmp/dec-bench-e2e-" + std::to_string(getpid());

  // 1. Compile times.
  std::vector<std::pair<std::string, double>> compileTimes;
  std::vector<std::string> programs = {"examples/hello.dec", "bench/programs/e2e_sample.dec",
                                       "bench/programs/e2e_greedy.dec"};
  for (const std::string &p : programs) {
    std::vector<double> times;
    for (int r = 0; r < 3; ++r) {
      auto t = Clock::now();
      if (runProcess({decc, o.source + "/" + p, "-o", tmp + ".so"}) != 0) {
        std::fprintf(stderr, "dec-bench-e2e: decc failed on %s\n", p.c_str());
        return 1;
      }
      times.push_back(msSince(t));
    }
    compileTimes.push_back({p, median(times)});
  }

  // 2. Loops.
  std::string error;
  std::string model = o.source + "/examples/models/tiny/model.pt";
  auto lm = dec::TorchModel::load(model, error);
  auto tokenizer = dec::Tokenizer::fromFile(o.source + "/examples/models/tiny/tokenizer.json", error);
  if (!lm || !tokenizer) {
    std::fprintf(stderr, "dec-bench-e2e: %s\n", error.c_str());
    return 1;
  }
  std::vector<int32_t> prompt = tokenizer->encodeWithTemplate("Once upon a time");

  std::vector<LoopFigures> loops;
  for (auto [name, file, sample] :
       {std::tuple<std::string, std::string, bool>{"sample", "e2e_sample", true},
        {"greedy", "e2e_greedy", false}}) {
    if (runProcess({decc, o.source + "/bench/programs/" + file + ".dec", "-o", tmp + ".so"}) != 0)
      return 1;
    loops.push_back(compiledLoop("dec " + name, tmp + ".so", o.tokens, o.repeats));
    loops.push_back(plainLibtorchLoop("libtorch " + name, *lm, *tokenizer, prompt, o.tokens,
                                      sample, o.repeats));
  }
  unlink((tmp + ".so").c_str());

  if (o.json) {
    nlohmann::json out;
    out["machine"] = {{"cpu", cpuName()}, {"threads", o.threads}};
    out["model"] = model;
    out["tokens"] = o.tokens;
    for (auto &[p, ms] : compileTimes)
      out["compile_ms"][p] = ms;
    for (const LoopFigures &f : loops)
      out["loops"].push_back({{"name", f.name},
                              {"tokens_per_s", f.tokensPerSecond},
                              {"ms_per_token", f.msPerToken},
                              {"outside_forward_us_per_token", f.outsideForwardUsPerToken}});
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("dec-bench-e2e on %s, %d model thread(s), shipped model (vocab %lld), %d tokens, "
              "median of %d runs\n\n",
              cpuName().c_str(), o.threads, static_cast<long long>(lm->vocabSize()), o.tokens,
              o.repeats);
  std::printf("%-34s %12s\n", "program", "decc ms");
  for (auto &[p, ms] : compileTimes)
    std::printf("%-34s %12.1f\n", p.c_str(), ms);
  std::printf("\n%-20s %12s %12s %26s\n", "loop", "tokens/s", "ms/token", "outside forward us/token");
  for (const LoopFigures &f : loops)
    std::printf("%-20s %12.1f %12.3f %26.1f\n", f.name.c_str(), f.tokensPerSecond, f.msPerToken,
                f.outsideForwardUsPerToken);
  return 0;
}
