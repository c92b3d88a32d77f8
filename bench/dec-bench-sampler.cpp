//===- dec-bench-sampler.cpp - fused sampler kernels vs libtorch ----------===//
//
// For V in {32000, 128256, 262144} and batch in {1, 8, 64}, on one CPU thread,
// the median time of one call (whole batch) of three sampler pipelines:
//   (a) temperature(0.8) | top_k(50) | top_p(0.9) | sample
//   (b) repetition_penalty(1.2) over 64 history tokens | min_p(0.05) | sample
//   (c) greedy
// compiled by dec (fused and vectorized), next to the same pipeline as a chain
// of libtorch ops written the Hugging Face way, and the memory floor: a plain
// streaming read of the same logits.
//
//===----------------------------------------------------------------------===//

#include "bench/FusedSamplers.h"
#include "bench/GpuKernels.h"

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace dec::bench;
using Clock = std::chrono::steady_clock;

namespace {

const char *kUsage = R"(USAGE: dec-bench-sampler [--json] [--quick] [--unfused] [--repeat N]
       dec-bench-sampler --emit-gpu DIR [--cuda-chip sm_XX]

Times sampler pipelines compiled by dec against the same pipeline as a chain of
libtorch ops (HF style) and the memory floor, on one CPU thread:
  (a) temperature(0.8) | top_k(50) | top_p(0.9) | sample
  (b) repetition_penalty(1.2) over 64 history tokens | min_p(0.05) | sample
  (c) greedy
for V in {32000, 128256, 262144} and batch in {1, 8, 64} (median us per call
for the whole batch).

  --json      print a JSON array of {pipeline, vocab, batch, fused_us, libtorch_us, floor_us}
              (batch 1 also: fused_rotating_us, floor_rotating_us, each call on the
              next of 64 distinct rows, as a batch of 64 reads them)
  --quick     V = 128,256 and batch 1 only
  --unfused   also time dec's unfused (one loop nest per op) lowering
  --vocab V[,V...]   other vocabulary sizes (instead of the three above)
  --batch B[,B...]   other batch sizes (instead of 1, 8, 64)
  --repeat N  measure each entry N times and keep the smallest median, for
              hosts shared with other tenants (default 1)

  --emit-gpu DIR     instead of timing, write the three pipelines as CUDA kernels
                     (DIR/a.ptx, b.ptx, c.ptx and DIR/kernels.json, their arguments)
                     for bench/gpu/dec_bench_sampler_gpu.py on a GPU machine
  --cuda-chip sm_XX  the GPU architecture for --emit-gpu (default sm_90)

  --kernel P=FILE    time the MLIR in FILE (func.func @k with the arguments of
                     `--print-kernel P`) as the fused kernel of pipeline P (a, b or c);
                     the libtorch and floor columns still time P itself: for
                     comparing variants of a kernel with the floor
  --print-kernel P   print the MLIR pipeline P starts from, and exit
  --no-check         skip the check of the fused kernels' tokens against the
                     libtorch chain (done by default before timing each entry), to
                     time a kernel of another sampler through --kernel

Environment: DEC_BENCH_PERF=1 registers the JIT-compiled kernels with perf
(perf record -k 1, then perf inject --jit) so that profiles name them.
)";

/// "a,b,c" -> numbers >= 1; empty on a malformed list.
std::vector<int64_t> parseSizes(const std::string &list) {
  std::vector<int64_t> sizes;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    std::string item = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
    char *rest = nullptr;
    long long v = std::strtoll(item.c_str(), &rest, 10);
    if (item.empty() || *rest != '\0' || v < 1 || v > (int64_t(1) << 24))
      return {};
    sizes.push_back(v);
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return sizes;
}

std::string cpuName() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0)
      return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

/// Median microseconds of `fn` over enough repetitions (at least 0.2 s or 15 runs).
template <typename Fn> double medianOnce(Fn &&fn) {
  std::vector<double> times;
  fn(); // warm up
  auto start = Clock::now();
  while (times.size() < 15 ||
         (std::chrono::duration<double>(Clock::now() - start).count() < 0.2 && times.size() < 2000)) {
    auto t = Clock::now();
    fn();
    times.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

/// --repeat: the smallest of that many medians.
int repeats = 1;
template <typename Fn> double medianMicros(Fn &&fn) {
  double best = medianOnce(fn);
  for (int i = 1; i < repeats; ++i)
    best = std::min(best, medianOnce(fn));
  return best;
}

volatile float sink;

/// The memory floor's work: read every value once (the compiler vectorizes this).
void readAll(const float *values, int64_t count) {
  float acc[16] = {};
  for (int64_t i = 0; i + 16 <= count; i += 16)
    for (int j = 0; j < 16; ++j)
      acc[j] += values[i + j];
  float total = 0;
  for (float a : acc)
    total += a;
  sink = total;
}

/// The scores of pipelines (a) and (b) as libtorch op chains, as transformers'
/// LogitsProcessors compute them. `slack` loosens top-p and min-p by that
/// fraction, for checking dec's tokens without tripping on rounding at the
/// boundary (timing uses 0).
torch::Tensor libtorchScores(char pipeline, const torch::Tensor &logits, const torch::Tensor &history,
                             double slack = 0) {
  torch::Tensor scores = logits;
  if (pipeline == 'a') {
    scores = scores / 0.8;                                                    // Temperature
    torch::Tensor kth = std::get<0>(torch::topk(scores, 50)).select(1, 49).unsqueeze(1);
    scores = scores.masked_fill(scores < kth, -INFINITY);                     // TopK
    auto sorted = torch::sort(scores, /*dim=*/-1, /*descending=*/false);
    torch::Tensor cumulative = std::get<0>(sorted).softmax(-1).cumsum(-1);
    torch::Tensor removeSorted = cumulative <= (1 - 0.9 * (1 + slack));       // TopP
    removeSorted.index_put_({torch::indexing::Slice(), -1}, false);
    torch::Tensor remove = removeSorted.scatter(1, std::get<1>(sorted), removeSorted);
    return scores.masked_fill(remove, -INFINITY);
  }
  torch::Tensor score = torch::gather(scores, 1, history);                    // RepetitionPenalty
  score = torch::where(score < 0, score * 1.2, score / 1.2);
  scores = scores.scatter(1, history, score);
  torch::Tensor probs = scores.softmax(-1);                                   // MinP
  torch::Tensor top = std::get<0>(probs.max(-1, /*keepdim=*/true));
  return scores.masked_fill(probs < 0.05 * (1 - slack) * top, -INFINITY);
}

/// The pipelines as libtorch op chains; returns a checksum of the tokens.
int64_t libtorchPipeline(char pipeline, const torch::Tensor &logits, const torch::Tensor &history) {
  if (pipeline == 'c')
    return logits.argmax(-1).sum().item<int64_t>();
  return torch::multinomial(libtorchScores(pipeline, logits, history).softmax(-1), 1).sum().item<int64_t>();
}

/// Whether dec's tokens are right by the libtorch chain: greedy picks its
/// argmax, a sampled token lies in its support (within 1e-4 of the top-p /
/// min-p boundary). Describes the first wrong token in `error`.
bool tokensAgree(char pipeline, const torch::Tensor &logits, const torch::Tensor &history,
                 const std::vector<int32_t> &tokens, std::string &error) {
  c10::InferenceMode guard;
  torch::Tensor expected = pipeline == 'c' ? logits.argmax(-1) : torch::Tensor();
  torch::Tensor scores = pipeline == 'c' ? torch::Tensor() : libtorchScores(pipeline, logits, history, 1e-4);
  int64_t vocab = logits.size(1);
  for (int64_t r = 0; r < logits.size(0); ++r) {
    int32_t token = tokens[r];
    bool ok = token >= 0 && token < vocab &&
              (pipeline == 'c' ? expected[r].item<int64_t>() == token
                               : scores[r][token].item<float>() > -INFINITY);
    if (!ok) {
      error = "row " + std::to_string(r) + ": token " + std::to_string(token) +
              (pipeline == 'c' ? ", the libtorch argmax is " + std::to_string(expected[r].item<int64_t>())
                               : ", outside the support of the libtorch chain");
      return false;
    }
  }
  return true;
}

struct Row {
  char pipeline;
  int64_t vocab, batch;
  double fused, unfused, libtorch, floor;
  // Batch 1 only: each call on the next of kPool distinct rows (the footprint
  // of a batch of kPool), so the row comes from where a large batch's rows do.
  double fusedRotating = 0, floorRotating = 0;
};

constexpr int64_t kPool = 64;
constexpr int64_t kHistory = 64;

/// LLM-like logits: a normal bulk and a few strong candidates per row; and a
/// history of kHistory random tokens per row.
void fillRows(std::vector<float> &logits, std::vector<int32_t> &history, int64_t rows,
              int64_t vocab, std::mt19937_64 &rng) {
  logits.resize(vocab * rows);
  std::normal_distribution<float> normal(0.0f, 2.5f);
  for (float &x : logits)
    x = normal(rng);
  for (int64_t r = 0; r < rows; ++r)
    for (int j = 0; j < 8; ++j)
      logits[r * vocab + rng() % vocab] += 12.0f - j;
  history.resize(rows * kHistory);
  for (int32_t &t : history)
    t = static_cast<int32_t>(rng() % vocab);
}

} // namespace

int main(int argc, char **argv) {
  bool json = false, quick = false, unfused = false, check = true;
  std::vector<int64_t> vocabOption, batchOption;
  std::string gpuDir, cudaChip = "sm_90";
  std::map<char, KernelReplacement> replacements;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--vocab" || a == "--batch") && i + 1 < argc) {
      std::vector<int64_t> sizes = parseSizes(argv[++i]);
      if (sizes.empty()) {
        std::fprintf(stderr, "dec-bench-sampler: %s expects a comma-separated list of sizes "
                             "between 1 and 2^24, got '%s'\n", a.c_str(), argv[i]);
        return 1;
      }
      (a == "--vocab" ? vocabOption : batchOption) = sizes;
    } else if (a == "--repeat" && i + 1 < argc) {
      char *end = nullptr;
      long n = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || n < 1 || n > 100) {
        std::fprintf(stderr, "dec-bench-sampler: --repeat expects a count from 1 to 100, got '%s'\n",
                     argv[i]);
        return 1;
      }
      repeats = static_cast<int>(n);
    } else if (a == "--emit-gpu" && i + 1 < argc) {
      gpuDir = argv[++i];
    } else if (a == "--cuda-chip" && i + 1 < argc) {
      cudaChip = argv[++i];
      if (cudaChip.rfind("sm_", 0) != 0) {
        std::fprintf(stderr, "dec-bench-sampler: --cuda-chip expects sm_XX, got '%s'\n",
                     cudaChip.c_str());
        return 1;
      }
    } else if ((a == "--kernel" || a == "--print-kernel") && i + 1 < argc) {
      std::string spec = argv[++i];
      bool print = a == "--print-kernel";
      char pipeline = spec.empty() ? '\0' : spec[0];
      if ((pipeline != 'a' && pipeline != 'b' && pipeline != 'c') ||
          (print ? spec.size() != 1 : spec.size() < 3 || spec[1] != '=')) {
        std::fprintf(stderr, "dec-bench-sampler: %s expects %s, got '%s'\n", a.c_str(),
                     print ? "a, b or c" : "P=FILE with P one of a, b, c", spec.c_str());
        return 1;
      }
      if (print) {
        std::fputs(FusedSamplers::source(pipeline).c_str(), stdout);
        return 0;
      }
      std::ifstream in(spec.substr(2));
      if (!in) {
        std::fprintf(stderr, "dec-bench-sampler: cannot read '%s'\n", spec.substr(2).c_str());
        return 1;
      }
      std::stringstream text;
      text << in.rdbuf();
      replacements[pipeline] = KernelReplacement{spec.substr(2), text.str()};
    } else if (a == "--json")
      json = true;
    else if (a == "--quick")
      quick = true;
    else if (a == "--unfused")
      unfused = true;
    else if (a == "--no-check")
      check = false;
    else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "dec-bench-sampler: unknown option '%s' (see --help)\n", a.c_str());
      return 1;
    }
  }
  std::string error;
  if (!gpuDir.empty()) {
    if (!emitGpuKernels(gpuDir, cudaChip, error)) {
      std::fprintf(stderr, "dec-bench-sampler: %s\n", error.c_str());
      return 1;
    }
    std::printf("wrote %s/{a,b,c}.ptx and %s/kernels.json for %s\n", gpuDir.c_str(),
                gpuDir.c_str(), cudaChip.c_str());
    return 0;
  }
  at::set_num_threads(1);
  torch::manual_seed(0);
  auto fused = FusedSamplers::compile(/*fuse=*/true, replacements, error);
  auto reference = unfused ? FusedSamplers::compile(/*fuse=*/false, replacements, error) : nullptr;
  if (!fused || (unfused && !reference)) {
    std::fprintf(stderr, "dec-bench-sampler: %s\n", error.c_str());
    return 1;
  }

  std::vector<int64_t> vocabs = quick ? std::vector<int64_t>{128256}
                                      : std::vector<int64_t>{32000, 128256, 262144};
  std::vector<int64_t> batches = quick ? std::vector<int64_t>{1} : std::vector<int64_t>{1, 8, 64};
  if (!vocabOption.empty())
    vocabs = vocabOption;
  if (!batchOption.empty())
    batches = batchOption;
  std::vector<Row> rows;
  std::mt19937_64 rng(42);
  for (int64_t vocab : vocabs)
    for (int64_t batch : batches) {
      std::vector<float> logits;
      std::vector<int32_t> history;
      fillRows(logits, history, batch, vocab, rng);
      std::vector<int64_t> seeds(batch);
      for (int64_t r = 0; r < batch; ++r)
        seeds[r] = r;
      std::vector<int32_t> tokens(batch);
      // The fused samplers only read the logits; unfused ones rewrite them,
      // so they get a fresh copy per call (copy time measured and subtracted).
      std::vector<float> scratch = logits;
      MemRef<float, 2> l{logits.data(), logits.data(), 0, {batch, vocab}, {vocab, 1}};
      MemRef<float, 2> ls{scratch.data(), scratch.data(), 0, {batch, vocab}, {vocab, 1}};
      MemRef<int32_t, 2> h{history.data(), history.data(), 0, {batch, kHistory}, {kHistory, 1}};
      MemRef<int64_t, 1> s{seeds.data(), seeds.data(), 0, {batch}, {1}};
      MemRef<int32_t, 1> t{tokens.data(), tokens.data(), 0, {batch}, {1}};
      torch::Tensor tl = torch::from_blob(logits.data(), {batch, vocab}, torch::kFloat32);
      std::vector<int64_t> history64(history.begin(), history.end());
      torch::Tensor th = torch::from_blob(history64.data(), {batch, kHistory}, torch::kInt64);
      double floor = medianMicros([&] { readAll(logits.data(), vocab * batch); });
      // Batch 1 again, rotating over a pool of distinct rows.
      std::vector<float> pool;
      std::vector<int32_t> poolHistory;
      double floorRotating = 0;
      if (batch == 1) {
        fillRows(pool, poolHistory, kPool, vocab, rng);
        int64_t next = 0;
        floorRotating =
            medianMicros([&] { readAll(pool.data() + (next++ % kPool) * vocab, vocab); });
      }
      double copy = medianMicros([&] { std::copy(logits.begin(), logits.end(), scratch.begin()); });
      for (char pipeline : {'a', 'b', 'c'}) {
        int64_t step = 0;
        SamplerFn fn = fused->get(pipeline);
        Row row{pipeline, vocab, batch, 0, 0, 0, floor};
        // What is timed must be right: a few steps' tokens against the chain.
        for (int steps = 0; check && steps < 4; ++steps) {
          fn(&l, &h, &s, step++, &t);
          if (!tokensAgree(pipeline, tl, th, tokens, error)) {
            std::fprintf(stderr,
                         "dec-bench-sampler: (%c) V=%lld batch=%lld: the fused kernel is wrong: %s\n",
                         pipeline, static_cast<long long>(vocab), static_cast<long long>(batch),
                         error.c_str());
            return 1;
          }
        }
        row.fused = medianMicros([&] { fn(&l, &h, &s, step++, &t); });
        if (batch == 1) {
          row.floorRotating = floorRotating;
          row.fusedRotating = medianMicros([&] {
            int64_t r = step % kPool;
            float *lr = pool.data() + r * vocab;
            int32_t *hr = poolHistory.data() + r * kHistory;
            MemRef<float, 2> one{lr, lr, 0, {1, vocab}, {vocab, 1}};
            MemRef<int32_t, 2> oneHistory{hr, hr, 0, {1, kHistory}, {kHistory, 1}};
            fn(&one, &oneHistory, &s, step++, &t);
          });
        }
        if (reference) {
          SamplerFn ref = reference->get(pipeline);
          row.unfused = medianMicros([&] {
                          std::copy(logits.begin(), logits.end(), scratch.begin());
                          ref(&ls, &h, &s, step++, &t);
                        }) - copy;
        }
        c10::InferenceMode guard;
        row.libtorch = medianMicros([&] { sink = libtorchPipeline(pipeline, tl, th); });
        rows.push_back(row);
      }
    }

  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const Row &r : rows) {
      nlohmann::json j = {{"pipeline", std::string(1, r.pipeline)}, {"vocab", r.vocab},
                          {"batch", r.batch},       {"fused_us", r.fused},
                          {"libtorch_us", r.libtorch}, {"floor_us", r.floor}};
      if (unfused)
        j["unfused_us"] = r.unfused;
      if (auto replaced = replacements.find(r.pipeline); replaced != replacements.end())
        j["fused_kernel"] = replaced->second.file;
      if (r.batch == 1) {
        j["fused_rotating_us"] = r.fusedRotating;
        j["floor_rotating_us"] = r.floorRotating;
      }
      out.push_back(j);
    }
    std::printf("%s\n", out.dump(1).c_str());
    return 0;
  }
  std::printf("dec-bench-sampler on %s, 1 thread; median us per call (whole batch)\n", cpuName().c_str());
  std::printf("(a) temperature(0.8) | top_k(50) | top_p(0.9) | sample\n"
              "(b) repetition_penalty(1.2, 64 tokens) | min_p(0.05) | sample\n(c) greedy\n");
  for (const auto &[pipeline, replaced] : replacements)
    std::printf("(%c) fused_us: the kernel in %s\n", pipeline, replaced.file.c_str());
  std::printf("\n");
  std::printf("%-3s %8s %6s %12s %12s %12s %10s %10s%s\n", "", "vocab", "batch", "fused_us",
              "libtorch_us", "floor_us", "speedup", "x floor", unfused ? "  unfused_us" : "");
  for (const Row &r : rows) {
    std::printf("(%c) %8lld %6lld %12.1f %12.1f %12.1f %9.1fx %9.2fx", r.pipeline,
                static_cast<long long>(r.vocab), static_cast<long long>(r.batch), r.fused,
                r.libtorch, r.floor, r.libtorch / r.fused, r.fused / r.floor);
    if (unfused)
      std::printf(" %12.1f", r.unfused);
    std::printf("\n");
  }
  std::printf("\nbatch 1 on the next of %lld distinct rows each call (rows not in cache):\n"
              "%-3s %8s %12s %12s %10s\n",
              static_cast<long long>(kPool), "", "vocab", "fused_us", "floor_us", "x floor");
  for (const Row &r : rows)
    if (r.batch == 1)
      std::printf("(%c) %8lld %12.1f %12.1f %9.2fx\n", r.pipeline, static_cast<long long>(r.vocab),
                  r.fusedRotating, r.floorRotating, r.fusedRotating / r.floorRotating);
  // Batch scaling: time per row at the largest batch over time per row at
  // batch 1, for the kernel and for the memory floor (1.00 = linear). A row
  // read again and again stays in cache; a large batch streams from L3 or
  // DRAM, so the floor itself need not scale linearly. Hence also batch 1
  // rotating over kPool distinct rows: the same memory as a batch of kPool.
  int64_t largest = 1;
  for (const Row &r : rows)
    largest = std::max(largest, r.batch);
  bool header = false;
  for (const Row &big : rows) {
    if (big.batch != largest || largest == 1)
      continue;
    for (const Row &one : rows) {
      if (one.batch != 1 || one.pipeline != big.pipeline || one.vocab != big.vocab)
        continue;
      if (!header) {
        std::printf("\nper-row time at batch %lld over batch 1 (1.00 = linear); batch 1 on one "
                    "row again and again (cached),\nand on the next of %lld distinct rows each call "
                    "(rotating: the footprint of a batch of %lld)\n%-3s %8s %12s %12s %14s %14s\n",
                    static_cast<long long>(largest), static_cast<long long>(kPool),
                    static_cast<long long>(kPool), "", "vocab", "fused", "floor",
                    "fused rotating", "floor rotating");
        header = true;
      }
      double n = static_cast<double>(largest);
      std::printf("(%c) %8lld %11.2fx %11.2fx %13.2fx %13.2fx\n", big.pipeline,
                  static_cast<long long>(big.vocab), big.fused / n / one.fused,
                  big.floor / n / one.floor, big.fused / n / one.fusedRotating,
                  big.floor / n / one.floorRotating);
    }
  }
  return 0;
}
