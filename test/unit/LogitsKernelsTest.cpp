//===- LogitsKernelsTest.cpp - convert-logits-to-scf against references ---===//
//
// Every logits operation is wrapped in a one-op function, lowered in-process
// with the standalone pipeline (convert-logits-to-scf, then the upstream
// conversions to LLVM), JIT-compiled once with mlir::ExecutionEngine and run
// on random rows. Each output is compared with a plain C++ reference written
// from the Hugging Face (transformers.generation.logits_process) definitions,
// not from the lowering: sorts where HF sorts, long double where HF's result
// is a real-valued quantity (softmax, cumulative probabilities).
//
// Where the documented semantics (dialects/Logits/LogitsOps.td) deliberately
// differ from HF -- NaN handling, top-p ties at the boundary -- the reference
// implements the documented semantics and says so.
//
// Exactness: elementwise results and the set of entries that become -inf are
// compared bit for bit. The exceptions, with their tolerance stated where
// they are checked: softmax values (a few f32 roundings) and the top-p
// boundary (the lowering sums f32 weights in f64; the reference sums exact
// weights in long double, so a token whose cumulative mass is within 1e-6 of
// p may legitimately flip; such cases are counted and must be rare).
//
//===----------------------------------------------------------------------===//

#include "dialects/Logits/LogitsDialect.h"
#include "passes/Passes.h"
#include "test/unit/KernelJit.h"
#include "test/unit/RandomRows.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/Support/TargetSelect.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace dec::test;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

//===----------------------------------------------------------------------===//
// One-op MLIR functions (test/unit/KernelJit.h compiles them)
//===----------------------------------------------------------------------===//

const std::string kL = "%l: memref<?x?xf32>";

using TemperatureKernel = Kernel<void(F32Matrix *, float)>;
using TopKKernel = Kernel<void(F32Matrix *, int64_t)>;
using ProbKernel = Kernel<void(F32Matrix *, float)>; // top_p, min_p
using PenaltyKernel = Kernel<void(F32Matrix *, I32Matrix *, float)>;
using SuppressKernel = Kernel<void(F32Matrix *, I32Vector *)>;
using MaskKernel = Kernel<void(F32Matrix *, I32Matrix *)>;
using SoftmaxKernel = Kernel<void(F32Matrix *)>;
using ArgmaxKernel = Kernel<void(F32Matrix *, I32Vector *)>;
using SampleKernel = Kernel<void(F32Matrix *, I64Vector *, int64_t, I32Vector *)>;

std::string temperatureSource() {
  return kernelSource(kL + ", %t: f32", "logits.temperature %l, %t : memref<?x?xf32>");
}
std::string topKSource() {
  return kernelSource(kL + ", %k: i64", "logits.top_k %l, %k : memref<?x?xf32>");
}
std::string topPSource() {
  return kernelSource(kL + ", %p: f32", "logits.top_p %l, %p : memref<?x?xf32>");
}
std::string minPSource() {
  return kernelSource(kL + ", %p: f32", "logits.min_p %l, %p : memref<?x?xf32>");
}
std::string penaltySource() {
  return kernelSource(kL + ", %h: memref<?x?xi32>, %r: f32",
                      "logits.repetition_penalty %l, %h, %r : memref<?x?xf32>, memref<?x?xi32>");
}
std::string suppressSource() {
  return kernelSource(kL + ", %ids: memref<?xi32>",
                      "logits.suppress %l, %ids : memref<?x?xf32>, memref<?xi32>");
}
std::string maskSource() {
  return kernelSource(kL + ", %bits: memref<?x?xi32>",
                      "logits.mask %l, %bits : memref<?x?xf32>, memref<?x?xi32>");
}
std::string softmaxSource() {
  return kernelSource(kL, "logits.softmax %l : memref<?x?xf32>");
}
std::string argmaxSource() {
  return kernelSource(kL + ", %tok: memref<?xi32>",
                      "logits.argmax %l, %tok : memref<?x?xf32>, memref<?xi32>");
}
std::string sampleSource() {
  return kernelSource(kL + ", %seeds: memref<?xi64>, %step: i64, %tok: memref<?xi32>",
                      "logits.sample %l, %seeds, %step, %tok : memref<?x?xf32>, memref<?xi64>, "
                      "memref<?xi32>");
}

// One compiled kernel per op and process, shared by every input.
const TemperatureKernel &temperatureKernel() { static TemperatureKernel k(temperatureSource()); return k; }
const TopKKernel &topKKernel() { static TopKKernel k(topKSource()); return k; }
const ProbKernel &topPKernel() { static ProbKernel k(topPSource()); return k; }
const ProbKernel &minPKernel() { static ProbKernel k(minPSource()); return k; }
const PenaltyKernel &penaltyKernel() { static PenaltyKernel k(penaltySource()); return k; }
const SuppressKernel &suppressKernel() { static SuppressKernel k(suppressSource()); return k; }
const MaskKernel &maskKernel() { static MaskKernel k(maskSource()); return k; }
const SoftmaxKernel &softmaxKernel() { static SoftmaxKernel k(softmaxSource()); return k; }
const ArgmaxKernel &argmaxKernel() { static ArgmaxKernel k(argmaxSource()); return k; }
const SampleKernel &sampleKernel() { static SampleKernel k(sampleSource()); return k; }

//===----------------------------------------------------------------------===//
// Test data
//===----------------------------------------------------------------------===//

// The row kinds before PosInf (which this test does not use).
constexpr int kNumKinds = static_cast<int>(RowKind::Peaked) + 1;

std::vector<Logits> logitsCases(int64_t vocab, uint64_t seed) {
  return dec::test::logitsCases(vocab, seed, kNumKinds);
}

//===----------------------------------------------------------------------===//
// Comparison helpers
//===----------------------------------------------------------------------===//

uint32_t bitsOf(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

/// Bitwise equality, except that any NaN equals any NaN (the payload of a
/// NaN that passes through a division is not something the op specifies).
bool sameFloat(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || bitsOf(a) == bitsOf(b);
}

std::string show(float x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g (0x%08x)", x, bitsOf(x));
  return buf;
}

/// Expects `got` and `want` rows to be equal bit for bit; reports the first
/// difference only.
::testing::AssertionResult sameRow(const float *got, const float *want, int64_t vocab) {
  for (int64_t v = 0; v < vocab; ++v)
    if (!sameFloat(got[v], want[v]))
      return ::testing::AssertionFailure() << "token " << v << ": lowering gives " << show(got[v])
                                           << ", reference " << show(want[v]);
  return ::testing::AssertionSuccess();
}

/// Counters printed at the end of each test so the report can quote them.
struct Tally {
  const char *op;
  int calls = 0, rows = 0, tokens = 0, tolerated = 0;
  ~Tally() {
    std::printf("[ kernels  ] %-20s %5d calls, %6d rows, %9d tokens compared", op, calls, rows,
                tokens);
    if (tolerated)
      std::printf(", %d boundary differences within tolerance", tolerated);
    std::printf("\n");
  }
  void add(const Logits &l) {
    ++calls;
    rows += l.batch;
    tokens += l.batch * l.vocab;
  }
};

//===----------------------------------------------------------------------===//
// References (plain C++, from the Hugging Face / vLLM definitions)
//===----------------------------------------------------------------------===//

/// "a < b" with NaN below every number (the order LogitsOps.td documents for
/// top-k; NaN is equivalent only to NaN).
bool lessNaNLowest(float a, float b) {
  if (std::isnan(b))
    return false;
  if (std::isnan(a))
    return true;
  return a < b;
}

/// Largest non-NaN value; -inf when there is none.
float maxIgnoringNaN(const float *row, int64_t vocab) {
  float m = -kInf;
  for (int64_t v = 0; v < vocab; ++v)
    if (!std::isnan(row[v]) && row[v] > m)
      m = row[v];
  return m;
}

// HF TemperatureLogitsWarper: `scores / temperature`.
void refTemperature(float *row, int64_t vocab, float t) {
  for (int64_t v = 0; v < vocab; ++v)
    row[v] = row[v] / t;
}

// HF TopKLogitsWarper: `scores < torch.topk(scores, k)[0][..., -1, None]`
// become -inf, so ties with the k-th value are kept; k >= vocab keeps all.
// Documented difference: NaN counts as smaller than every number (torch.topk
// ranks NaN as the largest), so NaN is dropped unless the k-th value is NaN.
void refTopK(float *row, int64_t vocab, int64_t k) {
  if (k >= vocab)
    return;
  std::vector<float> sorted(row, row + vocab);
  std::partial_sort(sorted.begin(), sorted.begin() + k, sorted.end(),
                    [](float a, float b) { return lessNaNLowest(b, a); });
  float kth = sorted[k - 1];
  for (int64_t v = 0; v < vocab; ++v)
    if (lessNaNLowest(row[v], kth))
      row[v] = -kInf;
}

/// Softmax weights exp(l - max) of a row in long double (0 for NaN and -inf).
std::vector<long double> exactWeights(const float *row, int64_t vocab, float max) {
  std::vector<long double> w(vocab, 0.0L);
  for (int64_t v = 0; v < vocab; ++v)
    if (!std::isnan(row[v]) && row[v] > -kInf)
      w[v] = std::exp(static_cast<long double>(row[v]) - static_cast<long double>(max));
  return w;
}

/// HF TopPLogitsWarper, in exact-ish arithmetic:
///   sorted = sort(scores, ascending); cum = softmax(sorted).cumsum()
///   remove sorted tokens with cum <= 1 - p; always keep the last (largest).
/// Documented difference: ties at the boundary are kept together -- every
/// token of a run of equal values uses the cumulative probability at the end
/// of its run (the mass of the values <= it), so equal logits share one
/// decision instead of being split by sort order. NaN has probability 0 and
/// sorts below -inf (so it is removed); a row without a number is left as is.
/// `margin[v]` is |cum(v) - (1 - p)|: how close token v is to flipping.
struct TopPReference {
  std::vector<float> out;
  std::vector<long double> margin;
};
TopPReference refTopP(const float *row, int64_t vocab, float p) {
  TopPReference r{std::vector<float>(row, row + vocab),
                  std::vector<long double>(vocab, std::numeric_limits<long double>::infinity())};
  float max = maxIgnoringNaN(row, vocab);
  if (!(p < 1.0f) || !(max > -kInf))
    return r;
  std::vector<long double> w = exactWeights(row, vocab, max);
  long double total = 0;
  for (long double x : w)
    total += x;
  std::vector<int64_t> order(vocab);
  for (int64_t v = 0; v < vocab; ++v)
    order[v] = v;
  std::sort(order.begin(), order.end(),
            [&](int64_t a, int64_t b) { return lessNaNLowest(row[a], row[b]); });
  const long double limit = 1.0L - static_cast<long double>(p);
  long double cum = 0;
  for (int64_t i = 0; i < vocab;) {
    int64_t end = i; // [i, end) is a run of equal values (NaNs form one run).
    while (end < vocab && !lessNaNLowest(row[order[i]], row[order[end]]))
      cum += w[order[end++]] / total;
    bool remove = end < vocab && cum <= limit; // The largest run is always kept.
    for (int64_t j = i; j < end; ++j) {
      r.margin[order[j]] = std::fabs(cum - limit);
      if (remove || std::isnan(row[order[j]]))
        r.out[order[j]] = -kInf;
    }
    i = end;
  }
  return r;
}

// HF MinPLogitsWarper: `probs < min_p * probs.max()` become -inf, with probs =
// softmax(scores). LogitsOps.td fixes the formula to the equivalent
// weight(l) < p in f32 with weight = exp(l - max) (probs[v] / probs.max());
// the reference evaluates that same expression. Per the dialect's special
// values the maximum weighs exactly 1 (a +inf maximum keeps itself) and NaN
// weighs 0, so NaN is removed whenever p > 0 (in HF a NaN poisons the whole
// softmax).
void refMinP(float *row, int64_t vocab, float p) {
  float max = maxIgnoringNaN(row, vocab);
  for (int64_t v = 0; v < vocab; ++v) {
    float weight = std::isnan(row[v]) ? 0.0f : row[v] == max ? 1.0f : std::exp(row[v] - max);
    if (weight < p)
      row[v] = -kInf;
  }
}

// HF's own formulation of min-p in long double: for each token, how far
// probs[v] / (p * max prob) is from 1; the documented f32 formula may decide
// differently only very near 0.
long double minPMargin(float logit, float max, float p) {
  long double ratio = std::exp(static_cast<long double>(logit) - static_cast<long double>(max));
  return std::fabs(ratio - static_cast<long double>(p));
}

// HF RepetitionPenaltyLogitsProcessor: score = gather(scores, ids);
// score = where(score < 0, score * r, score / r); scatter back. Scatter of a
// gathered value makes repeated ids count once; -1 padding and ids outside
// the vocabulary are ignored (documented; HF would index out of range).
void refRepetitionPenalty(float *row, int64_t vocab, const int32_t *ids, int64_t n, float r) {
  std::set<int32_t> distinct;
  for (int64_t i = 0; i < n; ++i)
    if (ids[i] >= 0 && ids[i] < vocab)
      distinct.insert(ids[i]);
  for (int32_t t : distinct)
    row[t] = row[t] < 0 ? row[t] * r : row[t] / r;
}

// HF SuppressTokensLogitsProcessor: `scores[:, suppress_tokens] = -inf`
// (ids outside the vocabulary ignored, as documented).
void refSuppress(float *row, int64_t vocab, const std::vector<int32_t> &ids) {
  for (int32_t t : ids)
    if (t >= 0 && t < vocab)
      row[t] = -kInf;
}

// vLLM / xgrammar apply_token_bitmask_inplace: token t is allowed when bit
// t % 32 of word t / 32 is set; the others become -inf.
void refMask(float *row, int64_t vocab, const int32_t *words) {
  for (int64_t t = 0; t < vocab; ++t)
    if (!((static_cast<uint32_t>(words[t / 32]) >> (t % 32)) & 1u))
      row[t] = -kInf;
}

// torch.softmax in long double. Documented: a row without a number above
// -inf becomes zeros; NaN has probability 0 (the op's weight of NaN).
std::vector<long double> refSoftmax(const float *row, int64_t vocab) {
  float max = maxIgnoringNaN(row, vocab);
  if (!(max > -kInf))
    return std::vector<long double>(vocab, 0.0L);
  std::vector<long double> w = exactWeights(row, vocab, max);
  long double total = 0;
  for (long double x : w)
    total += x;
  for (long double &x : w)
    x /= total;
  return w;
}

// Greedy decoding (torch.argmax), with the documented semantics: the first
// maximum wins, NaN is never chosen (torch.argmax would return a NaN's
// index), -1 when nothing is above -inf.
int32_t refArgmax(const float *row, int64_t vocab) {
  float max = maxIgnoringNaN(row, vocab);
  if (!(max > -kInf))
    return -1;
  return static_cast<int32_t>(std::find(row, row + vocab, max) - row);
}

/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
/// 3", SC'11), as in Random123's philox4x32: 10 rounds, key bumped by the
/// Weyl constants between rounds.
using Words4 = std::array<uint32_t, 4>;
Words4 philox4x32_10(Words4 ctr, std::array<uint32_t, 2> key) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += 0x9E3779B9u;
      key[1] += 0xBB67AE85u;
    }
    uint64_t p0 = uint64_t{0xD2511F53u} * ctr[0];
    uint64_t p1 = uint64_t{0xCD9E8D57u} * ctr[2];
    ctr = {static_cast<uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<uint32_t>(p1),
           static_cast<uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<uint32_t>(p0)};
  }
  return ctr;
}

/// First Philox word of (seed, step): counter (step lo, step hi, 0, 0), key
/// (seed lo, seed hi).
uint32_t philoxWord(uint64_t seed, uint64_t step) {
  return philox4x32_10({static_cast<uint32_t>(step), static_cast<uint32_t>(step >> 32), 0, 0},
                       {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)})[0];
}

/// u in [0, 1): the top 24 bits of the first word, times 2^-24 (exact in f32).
float philoxUniform(uint64_t seed, uint64_t step) {
  return static_cast<float>(philoxWord(seed, step) >> 8) * 0x1p-24f;
}

// Inverse transform sampling as LogitsOps.td documents it (what
// torch.multinomial does in distribution, with a reproducible stream): the
// first token whose running f64 sum of exp(l - max) (f32 weights, 0 for NaN)
// exceeds u * sum; -1 when the row has no number above -inf.
int32_t refSample(const float *row, int64_t vocab, uint64_t seed, uint64_t step) {
  float max = maxIgnoringNaN(row, vocab);
  if (!(max > -kInf))
    return -1;
  auto weight = [&](float l) { return std::isnan(l) ? 0.0 : double(std::exp(l - max)); };
  double mass = 0;
  for (int64_t v = 0; v < vocab; ++v)
    mass += weight(row[v]);
  double target = double(philoxUniform(seed, step)) * mass;
  double sum = 0;
  int32_t lastPositive = 0;
  for (int64_t v = 0; v < vocab; ++v) {
    double w = weight(row[v]);
    sum += w;
    if (w > 0) {
      lastPositive = static_cast<int32_t>(v);
      if (sum > target)
        return lastPositive;
    }
  }
  return lastPositive;
}

//===----------------------------------------------------------------------===//
// Reference self-checks
//===----------------------------------------------------------------------===//

TEST(LogitsReferenceTest, PhiloxKnownAnswers) {
  // Random123's kat_vectors for philox4x32_10.
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (Words4{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({~0u, ~0u, ~0u, ~0u}, {~0u, ~0u}),
            (Words4{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                          {0xa4093822, 0x299f31d0}),
            (Words4{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(LogitsReferenceTest, ChiSquareDistribution) {
  // Closed form for 2 degrees of freedom; the others are scipy.stats.chi2
  // values (sf, isf), both branches of gammaQ.
  for (double x : {0.1, 1.0, 5.0, 20.0})
    EXPECT_NEAR(chiSquarePValue(x, 2), std::exp(-x / 2), 1e-12);
  EXPECT_NEAR(chiSquarePValue(3.841458820694124, 1), 0.05, 1e-12);
  EXPECT_NEAR(chiSquarePValue(18.307038053275146, 10), 0.05, 1e-12);
  EXPECT_NEAR(chiSquarePValue(66.33864886296881, 49), 0.05, 1e-12);
  EXPECT_NEAR(chiSquarePValue(94.59672198268808, 49), 1e-4, 1e-12);
  EXPECT_NEAR(chiSquarePValue(60.0, 30), 0.0009206823961486636, 1e-12);
  EXPECT_NEAR(chiSquarePValue(100.0, 80), 0.064570368921133, 1e-12);
}

//===----------------------------------------------------------------------===//
// Kernels against references
//===----------------------------------------------------------------------===//

TEST(LogitsKernelsTest, Temperature) {
  Tally tally{"temperature"};
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 1))
      for (float t : {0.01f, 0.7f, 1.0f, 5.0f}) {
        Logits got = input, want = input;
        F32Matrix m = got.ref();
        temperatureKernel()(&m, t);
        for (int64_t b = 0; b < input.batch; ++b) {
          refTemperature(want.row(b), vocab, t);
          EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab)) << input.describe(b) << ", t " << t;
        }
        tally.add(input);
      }
}

TEST(LogitsKernelsTest, TopK) {
  Tally tally{"top_k"};
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 2))
      for (int64_t k : {int64_t{1}, int64_t{2}, int64_t{50}, vocab - 1, vocab, vocab + 5}) {
        if (k < 1)
          continue; // vocab 1: k = 0 is outside the op's domain (k >= 1).
        Logits got = input, want = input;
        F32Matrix m = got.ref();
        topKKernel()(&m, k);
        for (int64_t b = 0; b < input.batch; ++b) {
          refTopK(want.row(b), vocab, k);
          EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab)) << input.describe(b) << ", k " << k;
        }
        tally.add(input);
      }
}

// The top-p tolerance: a token may be kept by one side and removed by the
// other only when its cumulative probability is within 1e-6 of 1 - p. The
// lowering's weights are f32 exp(l - max) (relative error ~1e-7 each, more
// for tokens far below the max, whose weight is tiny), summed in f64; the
// reference's are long double. Such flips must stay rare.
constexpr long double kTopPTolerance = 1e-6L;

TEST(LogitsKernelsTest, TopP) {
  Tally tally{"top_p"};
  int flippedRows = 0;
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 3))
      for (float p : {0.01f, 0.5f, 0.9f, 0.999f, 1.0f}) {
        Logits got = input;
        F32Matrix m = got.ref();
        topPKernel()(&m, p);
        for (int64_t b = 0; b < input.batch; ++b) {
          TopPReference want = refTopP(input.row(b), vocab, p);
          bool flipped = false;
          for (int64_t v = 0; v < vocab; ++v) {
            if (sameFloat(got.row(b)[v], want.out[v]))
              continue;
            bool oneSideDropped = got.row(b)[v] == -kInf || want.out[v] == -kInf;
            ASSERT_TRUE(oneSideDropped && want.margin[v] < kTopPTolerance)
                << input.describe(b) << ", p " << p << ", token " << v << " ("
                << show(input.row(b)[v]) << "): lowering gives " << show(got.row(b)[v])
                << ", reference " << show(want.out[v]) << ", cumulative mass "
                << double(want.margin[v]) << " from 1 - p";
            ++tally.tolerated;
            flipped = true;
          }
          flippedRows += flipped;
        }
        tally.add(input);
      }
  // Random rows almost never land within 1e-6 of the boundary (this grid has
  // none; the tally prints the count): allow at most 2% of the rows.
  EXPECT_LE(flippedRows * 50, tally.rows) << flippedRows << " of " << tally.rows
                                          << " rows differ at the boundary";
}

TEST(LogitsKernelsTest, TopPExactBoundary) {
  // Logits i * 1e-30 all have weight exactly 1 (exp(-3e-30) rounds to 1 in
  // f32 and in long double), so the mass above a token is its rank, exactly,
  // on both sides: no tolerance applies. A token is kept iff rank < 8p; at
  // rank == 8p the mass above equals p and the token goes (strict "<").
  std::vector<float> distinct, paired;
  for (int i = 8; i >= 1; --i)
    distinct.push_back(i * 1e-30f);
  for (int i = 4; i >= 1; --i)
    paired.insert(paired.end(), {i * 1e-30f, i * 1e-30f});
  for (float p : {0.125f, 0.25f, 0.375f, 0.5f, 0.75f}) {
    // Distinct values: exactly 8p tokens. Pairs of equal values: the pair
    // straddling 8p is kept whole when its mass above is below p.
    for (const std::vector<float> *input : {&distinct, &paired}) {
      std::vector<float> got = *input;
      F32Matrix m = matrixRef(got, 1, 8);
      topPKernel()(&m, p);
      TopPReference want = refTopP(input->data(), 8, p);
      EXPECT_TRUE(sameRow(got.data(), want.out.data(), 8)) << "p " << p;
      int kept = 8 - static_cast<int>(std::count(got.begin(), got.end(), -kInf));
      int expected = input == &distinct ? int(8 * p) : 2 * ((int(8 * p) + 1) / 2);
      EXPECT_EQ(kept, expected) << "p " << p << (input == &distinct ? " distinct" : " pairs");
    }
  }
}

TEST(LogitsKernelsTest, SignedZerosAreOneValue) {
  // -0.0 == +0.0, so they tie: top-k keeps both when the boundary is zero,
  // top-p gives both the same decision. (The radix keys once ranked +0.0
  // above -0.0 and dropped the -0.0.)
  std::vector<float> row = {-0.0f, 0.0f, 1.0f, -0.0f};
  F32Matrix m = matrixRef(row, 1, 4);
  topKKernel()(&m, 2);
  EXPECT_TRUE(sameRow(row.data(), std::vector<float>{-0.0f, 0.0f, 1.0f, -0.0f}.data(), 4));

  // Mass above the zeros is 0 < 0.5: both kept; above -1 it is 2/(2+e^-1) >= 0.5.
  std::vector<float> zeros = {0.0f, -0.0f, -1.0f};
  m = matrixRef(zeros, 1, 3);
  topPKernel()(&m, 0.5f);
  EXPECT_TRUE(sameRow(zeros.data(), std::vector<float>{0.0f, -0.0f, -kInf}.data(), 3));
}

TEST(LogitsKernelsTest, PositiveInfinityTakesAllTheMass) {
  // The dialect's special values: the maximum weighs exactly 1, so a +inf
  // logit gets probability 1 and every finite logit 0 (not exp(inf - inf)).
  const float inf = kInf;
  std::vector<float> row = {0.0f, inf, 1.0f};
  F32Matrix m = matrixRef(row, 1, 3);
  softmaxKernel()(&m);
  EXPECT_TRUE(sameRow(row.data(), std::vector<float>{0.0f, 1.0f, 0.0f}.data(), 3));

  row = {0.0f, inf, 1.0f};
  m = matrixRef(row, 1, 3);
  minPKernel()(&m, 0.5f);
  EXPECT_TRUE(sameRow(row.data(), std::vector<float>{-kInf, inf, -kInf}.data(), 3));

  // Two +inf logits share the mass: p = 0.5 needs only the first (mass above
  // each +inf is 0), and both tie at the boundary.
  row = {inf, 2.0f, inf};
  m = matrixRef(row, 1, 3);
  topPKernel()(&m, 0.5f);
  EXPECT_TRUE(sameRow(row.data(), std::vector<float>{inf, -kInf, inf}.data(), 3));

  for (int64_t seed = 0; seed < 20; ++seed) {
    std::vector<float> sampleRow = {0.0f, inf, 1.0f};
    F32Matrix sm = matrixRef(sampleRow, 1, 3);
    std::vector<int64_t> seeds = {seed};
    std::vector<int32_t> token = {-2};
    I64Vector seedRef = vectorRef(seeds);
    I32Vector tokenRef = vectorRef(token);
    sampleKernel()(&sm, &seedRef, 0, &tokenRef);
    EXPECT_EQ(token[0], 1) << "seed " << seed;
  }
}

TEST(LogitsKernelsTest, RunTimeParametersAreClamped) {
  // Like HF's min_tokens_to_keep = 1: top_k below 1 keeps the top token;
  // top_p at or below 0, or NaN, keeps the most likely tokens only.
  std::vector<float> row = {0.5f, 3.0f, -1.0f, 3.0f};
  F32Matrix m = matrixRef(row, 1, 4);
  topKKernel()(&m, 0);
  EXPECT_TRUE(sameRow(row.data(), std::vector<float>{-kInf, 3.0f, -kInf, 3.0f}.data(), 4));
  for (float p : {0.0f, -1.0f, std::numeric_limits<float>::quiet_NaN()}) {
    row = {0.5f, 3.0f, -1.0f, 3.0f};
    m = matrixRef(row, 1, 4);
    topPKernel()(&m, p);
    EXPECT_TRUE(sameRow(row.data(), std::vector<float>{-kInf, 3.0f, -kInf, 3.0f}.data(), 4))
        << "p = " << p;
  }
}

TEST(LogitsKernelsTest, MinP) {
  Tally tally{"min_p"}; // tolerated: HF's real-valued decision differs.
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 4))
      for (float p : {0.0f, 0.05f, 0.5f, 1.0f}) {
        Logits got = input, want = input;
        F32Matrix m = got.ref();
        minPKernel()(&m, p);
        for (int64_t b = 0; b < input.batch; ++b) {
          refMinP(want.row(b), vocab, p);
          EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab)) << input.describe(b) << ", p " << p;
          // HF's real-valued decision agrees except within rounding of p.
          float max = maxIgnoringNaN(input.row(b), vocab);
          for (int64_t v = 0; v < vocab; ++v) {
            const float l = input.row(b)[v];
            if (std::isnan(l) || l == -kInf || !(max > -kInf))
              continue; // Removed (or already -inf) on both sides.
            bool hfKeeps = std::exp(static_cast<long double>(l) - max) >= p;
            if (hfKeeps != (want.row(b)[v] != -kInf)) {
              EXPECT_LT(minPMargin(l, max, p), 1e-6L * p) << input.describe(b) << ", token " << v;
              ++tally.tolerated;
            }
          }
        }
        tally.add(input);
      }
  EXPECT_LE(tally.tolerated, 10);
}

/// A [batch, n] history: duplicates, ids outside [0, vocab), -1 padding.
std::vector<int32_t> makeHistory(int64_t batch, int64_t n, int64_t vocab, std::mt19937_64 &rng) {
  std::vector<int32_t> h(batch * n);
  for (int64_t b = 0; b < batch; ++b) {
    int64_t padFrom = n - static_cast<int64_t>(rng() % (n / 3 + 1));
    // A small pool makes duplicates likely.
    std::vector<int32_t> pool = {static_cast<int32_t>(vocab), static_cast<int32_t>(vocab + 7),
                                 -5, std::numeric_limits<int32_t>::max(),
                                 std::numeric_limits<int32_t>::min()};
    for (int i = 0; i < 6; ++i)
      pool.push_back(static_cast<int32_t>(rng() % vocab));
    for (int64_t i = 0; i < n; ++i)
      h[b * n + i] = i >= padFrom ? -1 : pool[rng() % pool.size()];
  }
  return h;
}

TEST(LogitsKernelsTest, RepetitionPenalty) {
  Tally tally{"repetition_penalty"};
  std::mt19937_64 rng(5);
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 5))
      for (int64_t n : {0, 1, 9, 40})
        for (float r : {0.5f, 1.2f}) {
          std::vector<int32_t> history = makeHistory(input.batch, n, vocab, rng);
          Logits got = input, want = input;
          F32Matrix m = got.ref();
          I32Matrix h = matrixRef(history, input.batch, n);
          penaltyKernel()(&m, &h, r);
          for (int64_t b = 0; b < input.batch; ++b) {
            refRepetitionPenalty(want.row(b), vocab, history.data() + b * n, n, r);
            EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab))
                << input.describe(b) << ", n " << n << ", r " << r;
          }
          tally.add(input);
        }
}

TEST(LogitsKernelsTest, Suppress) {
  Tally tally{"suppress"};
  std::mt19937_64 rng(6);
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 6))
      for (int count : {0, 1, 5, 30}) {
        std::vector<int32_t> ids;
        for (int i = 0; i < count; ++i) {
          int32_t choices[] = {static_cast<int32_t>(rng() % vocab), static_cast<int32_t>(vocab),
                               -1, std::numeric_limits<int32_t>::min(), 0,
                               static_cast<int32_t>(vocab - 1)};
          ids.push_back(choices[rng() % 6]);
        }
        Logits got = input, want = input;
        F32Matrix m = got.ref();
        I32Vector idRef = vectorRef(ids);
        suppressKernel()(&m, &idRef);
        for (int64_t b = 0; b < input.batch; ++b) {
          refSuppress(want.row(b), vocab, ids);
          EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab))
              << input.describe(b) << ", " << count << " ids";
        }
        tally.add(input);
      }
}

TEST(LogitsKernelsTest, Mask) {
  Tally tally{"mask"};
  std::mt19937_64 rng(7);
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 7))
      for (double density : {0.0, 0.05, 0.5, 1.0}) {
        // Bits past the vocabulary in the last word are random too: ignored.
        int64_t words = (vocab + 31) / 32;
        std::vector<int32_t> bits(input.batch * words, 0);
        std::bernoulli_distribution set(density);
        for (int32_t &w : bits)
          for (int i = 0; i < 32; ++i)
            w |= static_cast<int32_t>(uint32_t{set(rng)} << i);
        Logits got = input, want = input;
        F32Matrix m = got.ref();
        I32Matrix bitRef = matrixRef(bits, input.batch, words);
        maskKernel()(&m, &bitRef);
        for (int64_t b = 0; b < input.batch; ++b) {
          refMask(want.row(b), vocab, bits.data() + b * words);
          EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab))
              << input.describe(b) << ", density " << density;
        }
        tally.add(input);
      }
}

TEST(LogitsKernelsTest, Softmax) {
  // Tolerance: the op rounds exp(l - max) to f32 (the f32 subtraction adds a
  // relative error up to |l - max| * 2^-24), sums in f64, rounds the sum to
  // f32, takes its reciprocal and multiplies: 8 ulps of slack per unit of
  // |l - max| + 1, plus a few subnormal ulps where results underflow.
  Tally tally{"softmax"};
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 8)) {
      Logits got = input;
      F32Matrix m = got.ref();
      softmaxKernel()(&m);
      for (int64_t b = 0; b < input.batch; ++b) {
        std::vector<long double> want = refSoftmax(input.row(b), vocab);
        float max = maxIgnoringNaN(input.row(b), vocab);
        long double sum = 0;
        for (int64_t v = 0; v < vocab; ++v) {
          const float l = input.row(b)[v];
          long double distance = std::isnan(l) || l == -kInf ? 0 : std::fabs(l - (long double)max);
          long double slack = want[v] * 8 * 0x1p-24L * (distance + 1) + 1e-44L;
          ASSERT_LE(std::fabs(got.row(b)[v] - want[v]), slack)
              << input.describe(b) << ", token " << v << " (" << show(l) << "): lowering gives "
              << show(got.row(b)[v]) << ", reference " << double(want[v]);
          sum += got.row(b)[v];
        }
        if (max > -kInf)
          EXPECT_NEAR(double(sum), 1.0, 1e-5) << input.describe(b);
      }
      tally.add(input);
    }
}

TEST(LogitsKernelsTest, Argmax) {
  Tally tally{"argmax"};
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 9)) {
      std::vector<int32_t> tokens(input.batch, 12345);
      F32Matrix m = input.ref();
      I32Vector t = vectorRef(tokens);
      argmaxKernel()(&m, &t);
      for (int64_t b = 0; b < input.batch; ++b)
        EXPECT_EQ(tokens[b], refArgmax(input.row(b), vocab)) << input.describe(b);
      tally.add(input);
    }
}

TEST(LogitsKernelsTest, ArgmaxTiesGoToLowestIndex) {
  // Equal maxima at 3, 5 and 6 (and +0.0 == -0.0 at the end): the first wins.
  std::vector<float> row = {1, kNaN, 2, 7, -kInf, 7, 7, 0, -0.0f};
  std::vector<float> zeros = {-0.0f, 0.0f, -kInf, kNaN};
  int64_t n = static_cast<int64_t>(row.size());
  std::vector<int32_t> tokens(1);
  I32Vector t = vectorRef(tokens);
  F32Matrix m = matrixRef(row, 1, n);
  argmaxKernel()(&m, &t);
  EXPECT_EQ(tokens[0], 3);
  m = matrixRef(zeros, 1, 4);
  argmaxKernel()(&m, &t);
  EXPECT_EQ(tokens[0], 0);
}

TEST(LogitsKernelsTest, Sample) {
  Tally tally{"sample"};
  std::mt19937_64 rng(10);
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 10))
      for (int draw = 0; draw < 6; ++draw) {
        std::vector<int64_t> seeds(input.batch);
        for (int64_t &s : seeds)
          s = draw == 0 ? -1 : static_cast<int64_t>(rng() >> (rng() % 64));
        uint64_t step = draw == 1 ? ~uint64_t{0} : rng() >> (rng() % 64);
        std::vector<int32_t> tokens(input.batch, 12345);
        F32Matrix m = input.ref();
        I64Vector s = vectorRef(seeds);
        I32Vector t = vectorRef(tokens);
        sampleKernel()(&m, &s, static_cast<int64_t>(step), &t);
        for (int64_t b = 0; b < input.batch; ++b)
          EXPECT_EQ(tokens[b], refSample(input.row(b), vocab, seeds[b], step))
              << input.describe(b) << ", seed " << seeds[b] << ", step " << step;
        tally.add(input);
      }
}

TEST(LogitsKernelsTest, SamplePhiloxStream) {
  // 2^16 equal logits: the running sum after token v is v + 1 exactly, so the
  // token is floor(u * 2^16) = the top 16 bits of the first Philox word. This
  // reads the kernel's generator directly for many (seed, step) pairs.
  const int64_t vocab = 1 << 16;
  std::vector<float> row(vocab, 0.5f);
  std::mt19937_64 rng(11);
  std::vector<int32_t> tokens(1);
  F32Matrix m = matrixRef(row, 1, vocab);
  I32Vector t = vectorRef(tokens);
  // Also seeds whose word has bits 8..15 clear: then u * 2^16 is an integer
  // and the running sum meets it exactly, where "exceeds" (not "reaches")
  // decides the token.
  std::vector<std::pair<uint64_t, uint64_t>> cases = {{0, 0}};
  for (int i = 1; i < 200; ++i)
    cases.push_back({rng(), rng() >> (i % 64)});
  for (uint64_t seed = 0, exact = 0; exact < 8; ++seed)
    if ((philoxWord(seed, 0) >> 8 & 0xFF) == 0) {
      cases.push_back({seed, 0});
      ++exact;
    }
  int pairs = 0;
  for (auto [seed, step] : cases) {
    std::vector<int64_t> seeds = {static_cast<int64_t>(seed)};
    I64Vector s = vectorRef(seeds);
    sampleKernel()(&m, &s, static_cast<int64_t>(step), &t);
    ASSERT_EQ(static_cast<uint32_t>(tokens[0]), philoxWord(seed, step) >> 16)
        << "seed " << seed << ", step " << step;
    ++pairs;
  }
  EXPECT_EQ(philoxWord(0, 0) >> 16, 26151u); // Random123: 0x6627e8d5.
  std::printf("[ kernels  ] sample/philox: %d (seed, step) pairs\n", pairs);
}

TEST(LogitsKernelsTest, SampleRowsAreIndependent) {
  // A row's token depends only on its logits, seed and the step: the same
  // row sampled alone and inside a batch at another position agrees.
  std::mt19937_64 rng(12);
  Logits batch = makeLogits(1000, {RowKind::Normal, RowKind::Peaked, RowKind::Ties}, rng);
  std::vector<int64_t> seeds = {11, 22, 33};
  for (int64_t step : {0, 1, 77}) {
    std::vector<int32_t> together(3);
    F32Matrix m = batch.ref();
    I64Vector s = vectorRef(seeds);
    I32Vector t = vectorRef(together);
    sampleKernel()(&m, &s, step, &t);
    for (int64_t b = 0; b < 3; ++b) {
      std::vector<float> alone(batch.row(b), batch.row(b) + 1000);
      std::vector<int64_t> seed = {seeds[b]};
      std::vector<int32_t> token(1);
      F32Matrix am = matrixRef(alone, 1, 1000);
      I64Vector as = vectorRef(seed);
      I32Vector at = vectorRef(token);
      sampleKernel()(&am, &as, step, &at);
      EXPECT_EQ(token[0], together[b]) << "row " << b << ", step " << step;
    }
  }
}

TEST(LogitsKernelsTest, SampleChiSquare) {
  // 20000 draws from one row of 50 logits, steps 0..19999 with a fixed seed,
  // against softmax(row). The same counts against a wrong distribution (the
  // row at temperature 1.25) must fail, so the test has power.
  const int64_t vocab = 50, draws = 20000;
  std::mt19937_64 rng(13);
  Logits input = makeLogits(vocab, {RowKind::Normal}, rng);
  std::vector<int> counts(vocab, 0);
  std::vector<int64_t> seeds = {20240601};
  std::vector<int32_t> token(1);
  F32Matrix m = input.ref();
  I64Vector s = vectorRef(seeds);
  I32Vector t = vectorRef(token);
  for (int64_t step = 0; step < draws; ++step) {
    sampleKernel()(&m, &s, step, &t);
    ASSERT_GE(token[0], 0);
    ASSERT_LT(token[0], vocab);
    ++counts[token[0]];
  }
  double p = goodnessOfFit(counts, refSoftmax(input.row(0), vocab));
  std::printf("[ kernels  ] sample chi-square: p-value %.4g over %lld draws\n", p,
              static_cast<long long>(draws));
  EXPECT_GT(p, 1e-4);

  std::vector<float> hotter(input.row(0), input.row(0) + vocab);
  refTemperature(hotter.data(), vocab, 1.25f);
  EXPECT_LT(goodnessOfFit(counts, refSoftmax(hotter.data(), vocab)), 1e-4);
}

//===----------------------------------------------------------------------===//
// The production pipeline (dec-lower-to-llvm: canonicalize, CSE) agrees with
// the standalone one bit for bit.
//===----------------------------------------------------------------------===//

// Every op rewritten as a row program (logits-decompose) computes exactly what
// the op's own lowering computes: bit for bit, on every kind of row.
TEST(LogitsKernelsTest, RowProgramsAgree) {
  TemperatureKernel temperature(temperatureSource(), Lowering::Programs);
  TopKKernel topK(topKSource(), Lowering::Programs);
  ProbKernel topP(topPSource(), Lowering::Programs), minP(minPSource(), Lowering::Programs);
  PenaltyKernel penalty(penaltySource(), Lowering::Programs);
  SuppressKernel suppress(suppressSource(), Lowering::Programs);
  MaskKernel mask(maskSource(), Lowering::Programs);
  SoftmaxKernel softmax(softmaxSource(), Lowering::Programs);
  ArgmaxKernel argmax(argmaxSource(), Lowering::Programs);
  SampleKernel sample(sampleSource(), Lowering::Programs);
  int calls = 0;
  for (int64_t vocab : {1, 2, 33, 1000, 4096})
    for (Logits &input : logitsCases(vocab, 21)) {
      auto agree = [&](auto &&run) {
        Logits a = input, b = input;
        F32Matrix ma = a.ref(), mb = b.ref();
        run(&ma, /*program=*/false);
        run(&mb, /*program=*/true);
        for (int64_t r = 0; r < input.batch; ++r)
          EXPECT_TRUE(sameRow(b.row(r), a.row(r), vocab)) << input.describe(r);
        ++calls;
      };
      for (float t : {0.7f, 2.0f})
        agree([&](F32Matrix *m, bool prog) { (prog ? temperature : temperatureKernel())(m, t); });
      for (int64_t k : {int64_t(0), int64_t(1), int64_t(5), vocab, vocab + 3})
        agree([&](F32Matrix *m, bool prog) { (prog ? topK : topKKernel())(m, k); });
      for (float p : {0.0f, 0.3f, 0.9f, 1.0f, kNaN})
        agree([&](F32Matrix *m, bool prog) { (prog ? topP : topPKernel())(m, p); });
      for (float p : {0.0f, 0.05f, 1.0f})
        agree([&](F32Matrix *m, bool prog) { (prog ? minP : minPKernel())(m, p); });
      agree([&](F32Matrix *m, bool prog) { (prog ? softmax : softmaxKernel())(m); });
      std::vector<int32_t> history = {3, 0, 3, -1, static_cast<int32_t>(vocab) + 2, 1};
      std::vector<int32_t> historyRows;
      for (int64_t r = 0; r < input.batch; ++r)
        historyRows.insert(historyRows.end(), history.begin(), history.end());
      I32Matrix h = matrixRef(historyRows, input.batch, static_cast<int64_t>(history.size()));
      agree([&](F32Matrix *m, bool prog) { (prog ? penalty : penaltyKernel())(m, &h, 1.3f); });
      I32Vector ids = vectorRef(history);
      agree([&](F32Matrix *m, bool prog) { (prog ? suppress : suppressKernel())(m, &ids); });
      int64_t words = (vocab + 31) / 32;
      std::vector<int32_t> bits(input.batch * words);
      for (size_t i = 0; i < bits.size(); ++i)
        bits[i] = static_cast<int32_t>(0x9e3779b9u * (i + 1));
      I32Matrix bm = matrixRef(bits, input.batch, words);
      agree([&](F32Matrix *m, bool prog) { (prog ? mask : maskKernel())(m, &bm); });

      F32Matrix m = input.ref();
      std::vector<int32_t> a(input.batch, -7), b(input.batch, -7);
      I32Vector ta = vectorRef(a), tb = vectorRef(b);
      argmaxKernel()(&m, &ta);
      argmax(&m, &tb);
      EXPECT_EQ(a, b) << input.describe(0);
      std::vector<int64_t> seeds(input.batch);
      for (int64_t r = 0; r < input.batch; ++r)
        seeds[r] = 1000 + r;
      I64Vector s = vectorRef(seeds);
      for (int64_t step : {0, 1, 77}) {
        sampleKernel()(&m, &s, step, &ta);
        sample(&m, &s, step, &tb);
        EXPECT_EQ(a, b) << input.describe(0) << ", step " << step;
      }
      calls += 2;
    }
  std::printf("[ kernels  ] row programs: %d calls agree\n", calls);
}

// A whole sampler: the ops one by one (reference) and the single fused
// program pick the same token for the same random numbers.
TEST(LogitsKernelsTest, FusedPipelineAgrees) {
  std::string source = kernelSource(
      kL + ", %h: memref<?x?xi32>, %seeds: memref<?xi64>, %step: i64, %tok: memref<?xi32>",
      "%r = arith.constant 1.2 : f32\n"
      "  logits.repetition_penalty %l, %h, %r : memref<?x?xf32>, memref<?x?xi32>\n"
      "  %t = arith.constant 0.8 : f32\n"
      "  logits.temperature %l, %t : memref<?x?xf32>\n"
      "  %k = arith.constant 40 : i64\n"
      "  logits.top_k %l, %k : memref<?x?xf32>\n"
      "  %p = arith.constant 0.9 : f32\n"
      "  logits.top_p %l, %p : memref<?x?xf32>\n"
      "  %q = arith.constant 0.02 : f32\n"
      "  logits.min_p %l, %q : memref<?x?xf32>\n"
      "  logits.sample %l, %seeds, %step, %tok : memref<?x?xf32>, memref<?xi64>, memref<?xi32>");
  using PipelineKernel = Kernel<void(F32Matrix *, I32Matrix *, I64Vector *, int64_t, I32Vector *)>;
  PipelineKernel reference(source), fused(source, Lowering::Programs),
      vectorized(source, Lowering::Vectorized);
  int draws = 0, vectorDifferences = 0;
  for (int64_t vocab : {50, 4096})
    for (Logits &input : logitsCases(vocab, 33)) {
      std::vector<int32_t> history = {1, 2, 3, 5, 8, 13, 21, 34};
      std::vector<int32_t> rows;
      for (int64_t r = 0; r < input.batch; ++r)
        rows.insert(rows.end(), history.begin(), history.end());
      I32Matrix h = matrixRef(rows, input.batch, static_cast<int64_t>(history.size()));
      std::vector<int64_t> seeds(input.batch, 5);
      I64Vector s = vectorRef(seeds);
      for (int64_t step = 0; step < 20; ++step) {
        Logits a = input, b = input;
        F32Matrix ma = a.ref(), mb = b.ref();
        std::vector<int32_t> ta(input.batch), tb(input.batch);
        I32Vector va = vectorRef(ta), vb = vectorRef(tb);
        reference(&ma, &h, &s, step, &va);
        fused(&mb, &h, &s, step, &vb);
        EXPECT_EQ(ta, tb) << input.describe(0) << ", step " << step;
        Logits c = input;
        F32Matrix mc = c.ref();
        std::vector<int32_t> tc(input.batch);
        I32Vector vc = vectorRef(tc);
        vectorized(&mc, &h, &s, step, &vc);
        vectorDifferences += ta != tc;
        ++draws;
      }
    }
  std::printf("[ kernels  ] fused sampler: %d draws agree; vectorized kernel differs in %d\n",
              draws, vectorDifferences);
  // Rounding (polynomial exp, summation order) may move a boundary decision.
  EXPECT_LE(vectorDifferences, draws / 100);
}

// The vectorized fused kernels (convert-logits-to-vector) against the scalar
// reference. exp is a polynomial and f64 sums run in lanes there, so values
// may differ in the last bits: elementwise results are compared within a few
// ulps, filters and choices must agree except when a decision sits within
// rounding of its boundary, which must be rare.
TEST(LogitsKernelsTest, VectorizedKernelsAgree) {
  TemperatureKernel temperature(temperatureSource(), Lowering::Vectorized);
  TopKKernel topK(topKSource(), Lowering::Vectorized);
  ProbKernel topP(topPSource(), Lowering::Vectorized), minP(minPSource(), Lowering::Vectorized);
  PenaltyKernel penalty(penaltySource(), Lowering::Vectorized);
  SuppressKernel suppress(suppressSource(), Lowering::Vectorized);
  MaskKernel mask(maskSource(), Lowering::Vectorized);
  SoftmaxKernel softmax(softmaxSource(), Lowering::Vectorized);
  ArgmaxKernel argmax(argmaxSource(), Lowering::Vectorized);
  SampleKernel sample(sampleSource(), Lowering::Vectorized);
  // temperature then top-k: the streaming top-k scans the unscaled row with a
  // margin (see lowerStreamingKth); the kept set must be exactly the same.
  std::string scaledTopK = kernelSource(kL + ", %k: i64",
                                        "%t = arith.constant 0.3 : f32\n"
                                        "  logits.temperature %l, %t : memref<?x?xf32>\n"
                                        "  logits.top_k %l, %k : memref<?x?xf32>");
  TopKKernel scaledReference(scaledTopK), scaled(scaledTopK, Lowering::Vectorized);
  // A constant k takes the streaming top-k (candidate buffer) path.
  using FixedKernel = Kernel<void(F32Matrix *)>;
  std::vector<std::pair<std::unique_ptr<FixedKernel>, std::unique_ptr<FixedKernel>>> streaming;
  for (int k : {1, 7, 50, 1000})
    for (const char *prefix : {"", "%t = arith.constant 0.3 : f32\n  logits.temperature %l, %t : memref<?x?xf32>\n  ",
                               "%t = arith.constant 7.0 : f32\n  logits.temperature %l, %t : memref<?x?xf32>\n  "}) {
      std::string source = kernelSource(
          kL, std::string(prefix) + "%k = arith.constant " + std::to_string(k) +
                  " : i64\n  logits.top_k %l, %k : memref<?x?xf32>");
      streaming.emplace_back(std::make_unique<FixedKernel>(source),
                             std::make_unique<FixedKernel>(source, Lowering::Vectorized));
    }
  int rows = 0, rowDifferences = 0, draws = 0, drawDifferences = 0;
  auto closeRow = [](const float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      if (std::isnan(a[i]) && std::isnan(b[i]))
        continue;
      if (a[i] == b[i])
        continue;
      if (std::isinf(a[i]) || std::isinf(b[i]))
        return false;
      if (std::fabs(a[i] - b[i]) > 4e-6f * std::max(1.0f, std::fabs(b[i])))
        return false;
    }
    return true;
  };
  for (int64_t vocab : {1, 2, 15, 16, 17, 33, 1000, 4096, 20000, 128256})
    for (Logits &input : logitsCases(vocab, 41)) {
      auto agree = [&](auto &&run, bool exact) {
        Logits a = input, b = input;
        F32Matrix ma = a.ref(), mb = b.ref();
        run(&ma, /*vector=*/false);
        run(&mb, /*vector=*/true);
        for (int64_t r = 0; r < input.batch; ++r) {
          ++rows;
          if (exact)
            EXPECT_TRUE(sameRow(b.row(r), a.row(r), vocab)) << input.describe(r);
          else if (!closeRow(b.row(r), a.row(r), vocab))
            ++rowDifferences;
        }
      };
      agree([&](F32Matrix *m, bool v) { (v ? temperature : temperatureKernel())(m, 0.7f); }, true);
      for (int64_t k : {int64_t(1), int64_t(50), vocab + 1}) {
        agree([&](F32Matrix *m, bool v) { (v ? topK : topKKernel())(m, k); }, true);
        agree([&](F32Matrix *m, bool v) { (v ? scaled : scaledReference)(m, k); }, true);
      }
      for (auto &kernels : streaming)
        agree([&](F32Matrix *m, bool v) { (v ? *kernels.second : *kernels.first)(m); }, true);
      for (float p : {0.5f, 0.9f, 1.0f})
        agree([&](F32Matrix *m, bool v) { (v ? topP : topPKernel())(m, p); }, false);
      agree([&](F32Matrix *m, bool v) { (v ? minP : minPKernel())(m, 0.05f); }, false);
      agree([&](F32Matrix *m, bool v) { (v ? softmax : softmaxKernel())(m); }, false);
      std::vector<int32_t> history = {3, 0, 3, -1, static_cast<int32_t>(vocab) + 2, 1};
      std::vector<int32_t> historyRows;
      for (int64_t r = 0; r < input.batch; ++r)
        historyRows.insert(historyRows.end(), history.begin(), history.end());
      I32Matrix h = matrixRef(historyRows, input.batch, static_cast<int64_t>(history.size()));
      agree([&](F32Matrix *m, bool v) { (v ? penalty : penaltyKernel())(m, &h, 1.3f); }, true);
      I32Vector ids = vectorRef(history);
      agree([&](F32Matrix *m, bool v) { (v ? suppress : suppressKernel())(m, &ids); }, true);
      int64_t words = (vocab + 31) / 32;
      std::vector<int32_t> bits(input.batch * words);
      for (size_t i = 0; i < bits.size(); ++i)
        bits[i] = static_cast<int32_t>(0x9e3779b9u * (i + 1));
      I32Matrix bm = matrixRef(bits, input.batch, words);
      agree([&](F32Matrix *m, bool v) { (v ? mask : maskKernel())(m, &bm); }, true);

      F32Matrix m = input.ref();
      std::vector<int32_t> a(input.batch, -7), b(input.batch, -7);
      I32Vector ta = vectorRef(a), tb = vectorRef(b);
      argmaxKernel()(&m, &ta);
      argmax(&m, &tb);
      EXPECT_EQ(a, b) << input.describe(0);
      std::vector<int64_t> seeds(input.batch);
      for (int64_t r = 0; r < input.batch; ++r)
        seeds[r] = 7 + r;
      I64Vector sv = vectorRef(seeds);
      for (int64_t step = 0; step < 8; ++step) {
        sampleKernel()(&m, &sv, step, &ta);
        sample(&m, &sv, step, &tb);
        for (int64_t r = 0; r < input.batch; ++r) {
          ++draws;
          drawDifferences += a[r] != b[r];
        }
      }
    }
  std::printf("[ kernels  ] vectorized: %d/%d rows beyond tolerance, %d/%d draws differ\n",
              rowDifferences, rows, drawDifferences, draws);
  EXPECT_LE(rowDifferences, rows / 200);
  EXPECT_LE(drawDifferences, draws / 200);
}

// The production pipeline (dec-lower-to-llvm: fused and vectorized) against
// the scalar reference, within the tolerance of VectorizedKernelsAgree.
TEST(LogitsKernelsTest, ProductionPipelineAgrees) {
  TemperatureKernel temperature(temperatureSource(), Lowering::Production);
  TopKKernel topK(topKSource(), Lowering::Production);
  ProbKernel topP(topPSource(), Lowering::Production), minP(minPSource(), Lowering::Production);
  SoftmaxKernel softmax(softmaxSource(), Lowering::Production);
  SampleKernel sample(sampleSource(), Lowering::Production);
  int calls = 0, differences = 0;
  for (int64_t vocab : {33, 1000})
    for (Logits &input : logitsCases(vocab, 14)) {
      auto agree = [&](auto &&run) {
        Logits a = input, b = input;
        F32Matrix ma = a.ref(), mb = b.ref();
        run(&ma, /*production=*/false);
        run(&mb, /*production=*/true);
        for (int64_t r = 0; r < input.batch; ++r)
          for (int64_t v = 0; v < vocab; ++v) {
            float x = a.row(r)[v], y = b.row(r)[v];
            bool same = (std::isnan(x) && std::isnan(y)) || x == y ||
                        (!std::isinf(x) && !std::isinf(y) &&
                         std::fabs(x - y) <= 4e-6f * std::max(1.0f, std::fabs(x)));
            if (!same) {
              ++differences;
              break;
            }
          }
        ++calls;
      };
      agree([&](F32Matrix *m, bool prod) { (prod ? temperature : temperatureKernel())(m, 0.7f); });
      agree([&](F32Matrix *m, bool prod) { (prod ? topK : topKKernel())(m, 5); });
      agree([&](F32Matrix *m, bool prod) { (prod ? topP : topPKernel())(m, 0.9f); });
      agree([&](F32Matrix *m, bool prod) { (prod ? minP : minPKernel())(m, 0.05f); });
      agree([&](F32Matrix *m, bool prod) { (prod ? softmax : softmaxKernel())(m); });
      std::vector<int64_t> seeds(input.batch, 99);
      std::vector<int32_t> a(input.batch), b(input.batch);
      F32Matrix m = input.ref();
      I64Vector s = vectorRef(seeds);
      I32Vector ta = vectorRef(a), tb = vectorRef(b);
      sampleKernel()(&m, &s, 3, &ta);
      sample(&m, &s, 3, &tb);
      differences += a != b;
      ++calls;
    }
  std::printf("[ kernels  ] production pipeline: %d calls, %d beyond tolerance\n", calls,
              differences);
  EXPECT_LE(differences, calls / 100);
}

} // namespace
