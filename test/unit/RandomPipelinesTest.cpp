//===- RandomPipelinesTest.cpp - fusion checked on random samplers --------===//
//
// The other logits tests check the pipelines someone wrote down. This one
// draws sampler pipelines at random (1 to 6 processors from the whole op set,
// with edge-case parameters: k = 1 and k > V, p = 1, extreme temperatures,
// negative penalties, ids out of range; then greedy or sampling) and runs each
// on rows of every kind (ties, -inf, NaN, +inf, huge, tiny) through three
// lowerings:
//  * Reference: every op on its own (convert-logits-to-scf);
//  * Programs: logits-decompose + logits-fuse, one row program per sampler,
//    lowered by the same scalar code: it must choose exactly the same tokens;
//  * Production: dec-lower-to-llvm (fused and vectorized): polynomial exp and
//    lane-wise f64 sums may move a decision that sits within rounding of its
//    boundary, so a few choices may differ, never more than 1%.
// A failure prints the pipeline, so it can be pasted into a lit test.
// Longer hunts: DEC_RANDOM_PIPELINES=<count>[,<seed>] (default 48,20261129).
//
//===----------------------------------------------------------------------===//

#include "test/unit/KernelJit.h"
#include "test/unit/RandomRows.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace dec::test;

namespace {

/// (logits, history, bias, ids, unconditional logits, run-time k, p and
/// temperature, seeds, step, tokens)
using PipelineKernel = Kernel<void(F32Matrix *, I32Matrix *, F32Matrix *, I32Vector *, F32Matrix *,
                                   int64_t, float, float, I64Vector *, int64_t, I32Vector *)>;

const char *kParams = "%l: memref<?x?xf32>, %h: memref<?x?xi32>, %bias: memref<?x?xf32>, "
                      "%ids: memref<?xi32>, %u: memref<?x?xf32>, %kr: i64, %pr: f32, %tr: f32, "
                      "%seeds: memref<?xi64>, %step: i64, %tok: memref<?xi32>";
const char *kT = "memref<?x?xf32>";

struct Pipeline {
  std::string body;        // MLIR ops
  std::string description; // one line, for failure messages
  bool sampling = false;
  // The values of the run-time parameters %kr, %pr (top_p and min_p) and %tr.
  int64_t k = 0;
  float p = 0, temperature = 0;
};

/// One processor with random parameters, as MLIR (constants named %c<n>).
std::string randomProcessor(std::mt19937_64 &rng, int n, Pipeline &pipeline) {
  std::string &description = pipeline.description;
  auto pick = [&](auto const &values) { return values[rng() % values.size()]; };
  std::string c = "%c" + std::to_string(n);
  auto f32 = [&](float v) {
    char text[64];
    std::snprintf(text, sizeof text, "%.9e", v);
    return "  " + c + " = arith.constant " + text + " : f32\n";
  };
  auto show = [](const char *name, double v) {
    char text[64];
    std::snprintf(text, sizeof text, "%s(%g)", name, v);
    return std::string(text);
  };
  std::string t = kT;
  // Run-time parameters take the general (non-constant) paths of the lowerings.
  bool runTime = rng() % 3 == 0;
  switch (rng() % 13) {
  case 0: {
    float v = pick(std::vector<float>{0.05f, 0.5f, 0.8f, 1.0f, 3.0f, 50.0f});
    if (runTime) {
      description += show("temperature(run time)", pipeline.temperature);
      return "  logits.temperature %l, %tr : " + t + "\n";
    }
    description += show("temperature", v);
    return f32(v) + "  logits.temperature %l, " + c + " : " + t + "\n";
  }
  case 1: {
    int64_t k = pick(std::vector<int64_t>{1, 2, 7, 50, 1000, 100000});
    if (runTime) {
      description += show("top_k(run time)", static_cast<double>(pipeline.k));
      return "  logits.top_k %l, %kr : " + t + "\n";
    }
    description += show("top_k", static_cast<double>(k));
    return "  " + c + " = arith.constant " + std::to_string(k) + " : i64\n  logits.top_k %l, " + c +
           " : " + t + "\n";
  }
  case 2: {
    float v = pick(std::vector<float>{0.01f, 0.5f, 0.9f, 1.0f});
    if (runTime) {
      description += show("top_p(run time)", pipeline.p);
      return "  logits.top_p %l, %pr : " + t + "\n";
    }
    description += show("top_p", v);
    return f32(v) + "  logits.top_p %l, " + c + " : " + t + "\n";
  }
  case 3: {
    float v = pick(std::vector<float>{0.0f, 0.05f, 0.2f, 1.0f});
    if (runTime) {
      description += show("min_p(run time)", pipeline.p);
      return "  logits.min_p %l, %pr : " + t + "\n";
    }
    description += show("min_p", v);
    return f32(v) + "  logits.min_p %l, " + c + " : " + t + "\n";
  }
  case 4: {
    float v = pick(std::vector<float>{0.5f, 1.0f, 1.3f, 2.0f});
    description += show("repetition_penalty", v);
    return f32(v) + "  logits.repetition_penalty %l, %h, " + c + " : " + t + ", memref<?x?xi32>\n";
  }
  case 5: {
    float v = pick(std::vector<float>{-0.5f, 0.4f, 2.0f});
    description += show("frequency_penalty", v);
    return f32(v) + "  logits.frequency_penalty %l, %h, " + c + " : " + t + ", memref<?x?xi32>, f32\n";
  }
  case 6: {
    float v = pick(std::vector<float>{-1.0f, 0.6f});
    description += show("presence_penalty", v);
    return f32(v) + "  logits.presence_penalty %l, %h, " + c + " : " + t + ", memref<?x?xi32>, f32\n";
  }
  case 7:
    description += "add_bias";
    return "  logits.add_bias %l, %bias : " + t + ", " + t + "\n";
  case 8:
    description += "suppress(ids)";
    return "  logits.suppress %l, %ids : " + t + ", memref<?xi32>\n";
  case 9:
    description += "allow(ids)";
    return "  logits.allow %l(%ids) : " + t + ", (memref<?xi32>)\n";
  case 10:
    description += "remove_inf_nan";
    return "  logits.remove_inf_nan %l : " + t + "\n";
  case 11: {
    bool log = rng() % 2;
    description += log ? "log_softmax" : "softmax";
    return std::string("  logits.") + (log ? "log_softmax" : "softmax") + " %l : " + t + "\n";
  }
  default: {
    float v = pick(std::vector<float>{0.5f, 1.5f});
    description += show("guidance", v);
    return f32(v) + "  logits.guidance %l, %u, " + c + " : " + t + ", " + t + ", f32\n";
  }
  }
}

Pipeline randomPipeline(std::mt19937_64 &rng) {
  Pipeline p;
  p.k = std::vector<int64_t>{1, 7, 50, 100000}[rng() % 4];
  p.p = std::vector<float>{0.05f, 0.5f, 0.9f, 1.0f}[rng() % 4];
  p.temperature = std::vector<float>{0.05f, 0.7f, 20.0f}[rng() % 3];
  int length = 1 + static_cast<int>(rng() % 6);
  for (int i = 0; i < length; ++i) {
    if (i)
      p.description += " | ";
    p.body += randomProcessor(rng, i, p);
  }
  p.sampling = rng() % 2;
  p.description += p.sampling ? " | sample" : " | greedy";
  p.body += p.sampling
                ? "  logits.sample %l, %seeds, %step, %tok : " + std::string(kT) + ", memref<?xi64>, memref<?xi32>"
                : "  logits.argmax %l, %tok : " + std::string(kT) + ", memref<?xi32>";
  return p;
}

TEST(RandomPipelinesTest, FusedAndProductionAgreeWithReference) {
  int pipelines = 48;
  uint64_t seed = 20261129;
  if (const char *hunt = std::getenv("DEC_RANDOM_PIPELINES")) {
    pipelines = std::atoi(hunt);
    if (const char *comma = std::strchr(hunt, ','))
      seed = std::strtoull(comma + 1, nullptr, 10);
  }
  std::mt19937_64 rng(seed);
  int choices = 0, productionDifferences = 0, worstPipeline = 0;
  for (int i = 0; i < pipelines; ++i) {
    Pipeline p = randomPipeline(rng);
    std::string source = kernelSource(kParams, p.body);
    PipelineKernel reference(source), fused(source, Lowering::Programs),
        production(source, Lowering::Production);
    int pipelineChoices = 0, pipelineDifferences = 0;
    for (int64_t vocab : {7, 33, 1000, 4096, 20000})
      for (Logits &input : logitsCases(vocab, 1000 + i, 10)) {
        int64_t batch = input.batch;
        std::vector<int32_t> history;
        for (int64_t r = 0; r < batch; ++r)
          for (int32_t id : {3, 0, 3, -1, static_cast<int32_t>(vocab) + 2, 1, static_cast<int32_t>(r)})
            history.push_back(id);
        I32Matrix h = matrixRef(history, batch, 7);
        std::vector<float> bias(batch * vocab);
        std::normal_distribution<float> normal(0.0f, 3.0f);
        for (float &b : bias)
          b = rng() % 4 == 0 ? normal(rng) : 0.0f;
        F32Matrix bm = matrixRef(bias, batch, vocab);
        std::vector<int32_t> ids = {0, 2, static_cast<int32_t>(vocab) - 1, static_cast<int32_t>(vocab) + 5, -3};
        I32Vector iv = vectorRef(ids);
        Logits uncond = input;
        for (float &x : uncond.data)
          x = std::isfinite(x) ? x * 0.5f + normal(rng) : x;
        std::vector<int64_t> seeds(batch);
        for (int64_t r = 0; r < batch; ++r)
          seeds[r] = 17 * i + r;
        I64Vector sv = vectorRef(seeds);
        for (int64_t step = 0; step < (p.sampling ? 4 : 1); ++step) {
          std::vector<int32_t> want(batch, -7), gotFused(batch, -7), gotProduction(batch, -7);
          auto run = [&](const PipelineKernel &kernel, std::vector<int32_t> &tokens) {
            Logits l = input, u = uncond;
            F32Matrix ml = l.ref(), mu = u.ref();
            I32Vector tv = vectorRef(tokens);
            kernel(&ml, &h, &bm, &iv, &mu, p.k, p.p, p.temperature, &sv, step, &tv);
          };
          run(reference, want);
          run(fused, gotFused);
          run(production, gotProduction);
          ASSERT_EQ(want, gotFused) << "pipeline " << i << ": " << p.description << "\n"
                                    << input.describe(0) << ", step " << step << "\n"
                                    << p.body;
          for (int64_t r = 0; r < batch; ++r) {
            ++pipelineChoices;
            pipelineDifferences += want[r] != gotProduction[r];
          }
        }
      }
    choices += pipelineChoices;
    productionDifferences += pipelineDifferences;
    if (pipelineDifferences * 100 > pipelineChoices)
      ADD_FAILURE() << "pipeline " << i << ": " << p.description << ": production differs in "
                    << pipelineDifferences << "/" << pipelineChoices << " choices\n"
                    << p.body;
    worstPipeline = std::max(worstPipeline, pipelineDifferences);
  }
  EXPECT_LE(productionDifferences * 200, choices);
  std::printf("[ random   ] %d random pipelines, %d choices: fused = reference in all, "
              "production differs in %d (at most %d in one pipeline)\n",
              pipelines, choices, productionDifferences, worstPipeline);
}

} // namespace
