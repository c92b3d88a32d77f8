//===- LogitsProcessorsTest.cpp - the decomposed processors vs references --===//
//
// The processors of dialects/Logits/LogitsProcessorOps.td (frequency and
// presence penalties, bias rows, allowed tokens, conditional suppression,
// forced tokens, inf/nan removal, log-softmax, classifier-free guidance) are
// defined by their row-program decomposition. Each is wrapped in a one-op
// function, lowered in-process (convert-logits-to-scf decomposes it and lowers
// the program; the "fused" pipeline runs logits-decompose and logits-fuse
// first), JIT-compiled, and run on random rows of every kind (ties, -inf,
// NaN, huge and tiny values) for vocabularies 1 to 128256, batches of one and
// three rows, scalar and per-row parameters.
//
// References are plain C++ written from the Hugging Face
// (transformers/generation/logits_process.py) and vLLM (v1 sampler,
// model_executor/layers/utils.py) definitions, each cited where it is
// defined, not from the lowering. Elementwise processors are compared bit for
// bit; log-softmax and guidance, whose reference is computed in long double,
// within a stated tolerance. Sampling after the processors is checked with a
// chi-square test against the reference distribution, greedy choices against
// the reference argmax.
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
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/TargetSelect.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace dec::test;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

//===----------------------------------------------------------------------===//
// Kernel arguments (test/unit/KernelJit.h compiles the kernels)
//===----------------------------------------------------------------------===//

using BoolVector = StridedMemRefType<bool, 1>;

// std::vector<bool> is packed: per-row conditions use this instead.
struct Bools {
  std::unique_ptr<bool[]> data;
  int64_t size;
  explicit Bools(const std::vector<int> &v) : data(new bool[v.size() + 1]), size(v.size()) {
    for (size_t i = 0; i < v.size(); ++i)
      data[i] = v[i] != 0;
  }
  BoolVector ref() { return {data.get(), data.get(), 0, {size}, {1}}; }
};

const std::string kL = "%l: memref<?x?xf32>";
const std::string kT = "memref<?x?xf32>";

std::string penaltySource(const std::string &op, bool perRow) {
  std::string p = perRow ? "memref<?xf32>" : "f32";
  return kernelSource(kL + ", %ids: memref<?x?xi32>, %p: " + p,
                      "logits." + op + " %l, %ids, %p : " + kT + ", memref<?x?xi32>, " + p);
}
std::string conditionSource(const std::string &op, bool perRow) {
  std::string c = perRow ? "memref<?xi1>" : "i1";
  return kernelSource(kL + ", %ids: memref<?xi32>, %c: " + c,
                      "logits." + op + " %l(%ids), %c : " + kT + ", (memref<?xi32>), " + c);
}
std::string guidanceSource(bool perRow) {
  std::string s = perRow ? "memref<?xf32>" : "f32";
  return kernelSource(kL + ", %u: memref<?x?xf32>, %s: " + s,
                      "logits.guidance %l, %u, %s : " + kT + ", " + kT + ", " + s);
}

using PenaltyKernel = Kernel<void(F32Matrix *, I32Matrix *, float)>;
using PenaltyRowsKernel = Kernel<void(F32Matrix *, I32Matrix *, F32Vector *)>;
using BiasKernel = Kernel<void(F32Matrix *, F32Matrix *)>;
using AllowKernel = Kernel<void(F32Matrix *, I32Vector *)>;
using AllowRowsKernel = Kernel<void(F32Matrix *, I32Matrix *)>;
using ConditionKernel = Kernel<void(F32Matrix *, I32Vector *, bool)>;
using ConditionRowsKernel = Kernel<void(F32Matrix *, I32Vector *, BoolVector *)>;
using RowKernel = Kernel<void(F32Matrix *)>;
using GuidanceKernel = Kernel<void(F32Matrix *, F32Matrix *, float)>;
using GuidanceRowsKernel = Kernel<void(F32Matrix *, F32Matrix *, F32Vector *)>;

const PenaltyKernel &frequencyKernel() {
  static PenaltyKernel k(penaltySource("frequency_penalty", false));
  return k;
}
const PenaltyRowsKernel &frequencyRowsKernel() {
  static PenaltyRowsKernel k(penaltySource("frequency_penalty", true));
  return k;
}
const PenaltyKernel &presenceKernel() {
  static PenaltyKernel k(penaltySource("presence_penalty", false));
  return k;
}
const PenaltyRowsKernel &presenceRowsKernel() {
  static PenaltyRowsKernel k(penaltySource("presence_penalty", true));
  return k;
}
const BiasKernel &biasKernel() {
  static BiasKernel k(kernelSource(kL + ", %b: memref<?x?xf32>",
                                   "logits.add_bias %l, %b : " + kT + ", " + kT));
  return k;
}
const AllowKernel &allowKernel() {
  static AllowKernel k(kernelSource(kL + ", %ids: memref<?xi32>",
                                    "logits.allow %l(%ids) : " + kT + ", (memref<?xi32>)"));
  return k;
}
const AllowRowsKernel &allowRowsKernel() {
  static AllowRowsKernel k(kernelSource(kL + ", %ids: memref<?x?xi32>",
                                        "logits.allow %l(%ids) : " + kT + ", (memref<?x?xi32>)"));
  return k;
}
// Two lists: their union is allowed (suppressed).
using TwoListsKernel = Kernel<void(F32Matrix *, I32Vector *, I32Matrix *, bool)>;
const TwoListsKernel &allowTwoListsKernel() {
  static TwoListsKernel k(kernelSource(
      kL + ", %a: memref<?xi32>, %b: memref<?x?xi32>, %c: i1",
      "logits.allow %l(%a, %b) : " + kT + ", (memref<?xi32>, memref<?x?xi32>)"));
  return k;
}
const TwoListsKernel &suppressIfTwoListsKernel() {
  static TwoListsKernel k(kernelSource(
      kL + ", %a: memref<?xi32>, %b: memref<?x?xi32>, %c: i1",
      "logits.suppress_if %l(%a, %b), %c : " + kT + ", (memref<?xi32>, memref<?x?xi32>), i1"));
  return k;
}
const ConditionKernel &suppressIfKernel() {
  static ConditionKernel k(conditionSource("suppress_if", false));
  return k;
}
const ConditionRowsKernel &suppressIfRowsKernel() {
  static ConditionRowsKernel k(conditionSource("suppress_if", true));
  return k;
}
const ConditionKernel &forceKernel() {
  static ConditionKernel k(conditionSource("force", false));
  return k;
}
const ConditionRowsKernel &forceRowsKernel() {
  static ConditionRowsKernel k(conditionSource("force", true));
  return k;
}
const RowKernel &removeInfNanKernel() {
  static RowKernel k(kernelSource(kL, "logits.remove_inf_nan %l : " + kT));
  return k;
}
const RowKernel &logSoftmaxKernel() {
  static RowKernel k(kernelSource(kL, "logits.log_softmax %l : " + kT));
  return k;
}
const GuidanceKernel &guidanceKernel() {
  static GuidanceKernel k(guidanceSource(false));
  return k;
}
const GuidanceRowsKernel &guidanceRowsKernel() {
  static GuidanceRowsKernel k(guidanceSource(true));
  return k;
}

//===----------------------------------------------------------------------===//
// Test data (the row kinds of LogitsKernelsTest)
//===----------------------------------------------------------------------===//

// The row kinds (all of them).
constexpr int kNumKinds = static_cast<int>(RowKind::PosInf) + 1;

std::vector<Logits> logitsCases(int64_t vocab, uint64_t seed) {
  return dec::test::logitsCases(vocab, seed, kNumKinds);
}

/// A token list with repeats, -1 padding, negative ids and ids outside the
/// vocabulary (which every processor ignores).
std::vector<int32_t> makeIds(int64_t vocab, int64_t n, std::mt19937_64 &rng) {
  std::vector<int32_t> ids(n);
  int64_t small = std::min<int64_t>(vocab, 40); // a small range makes repeats
  for (int32_t &t : ids) {
    uint64_t r = rng() % 100;
    if (r < 10)
      t = -1;
    else if (r < 15)
      t = static_cast<int32_t>(vocab + rng() % 10);
    else if (r < 18)
      t = -static_cast<int32_t>(2 + rng() % 5);
    else if (r < 70)
      t = static_cast<int32_t>(rng() % small);
    else
      t = static_cast<int32_t>(rng() % vocab);
  }
  return ids;
}

/// [batch, n] per-row lists (the last rows shorter, padded with -1).
std::vector<int32_t> makeIdRows(int64_t batch, int64_t vocab, int64_t n, std::mt19937_64 &rng) {
  std::vector<int32_t> rows;
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<int32_t> ids = makeIds(vocab, n, rng);
    for (int64_t j = n - b * 3; j >= 0 && j < n; ++j)
      ids[j] = -1;
    rows.insert(rows.end(), ids.begin(), ids.end());
  }
  return rows;
}

//===----------------------------------------------------------------------===//
// Comparison helpers
//===----------------------------------------------------------------------===//

uint32_t bitsOf(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
bool sameFloat(float a, float b) { return (std::isnan(a) && std::isnan(b)) || bitsOf(a) == bitsOf(b); }
std::string show(float x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g (0x%08x)", x, bitsOf(x));
  return buf;
}
::testing::AssertionResult sameRow(const float *got, const float *want, int64_t vocab) {
  for (int64_t v = 0; v < vocab; ++v)
    if (!sameFloat(got[v], want[v]))
      return ::testing::AssertionFailure() << "token " << v << ": lowering gives " << show(got[v])
                                           << ", reference " << show(want[v]);
  return ::testing::AssertionSuccess();
}

struct Tally {
  const char *op;
  int calls = 0, rows = 0;
  long long tokens = 0;
  ~Tally() {
    std::printf("[ processors ] %-22s %5d calls, %6d rows, %10lld tokens compared\n", op, calls,
                rows, tokens);
  }
  void add(const Logits &l) {
    ++calls;
    rows += static_cast<int>(l.batch);
    tokens += l.batch * l.vocab;
  }
};

//===----------------------------------------------------------------------===//
// References
//===----------------------------------------------------------------------===//

/// vLLM get_token_bin_counts_and_mask: `bin_counts.scatter_add_(1, tokens,
/// ones)` over a vocabulary padded with one extra bin that padding ids (here
/// -1 and ids outside [0, V)) fall into and which is dropped.
std::vector<int64_t> binCounts(const int32_t *ids, int64_t n, int64_t vocab) {
  std::vector<int64_t> counts(vocab + 1, 0);
  for (int64_t i = 0; i < n; ++i)
    ++counts[ids[i] >= 0 && ids[i] < vocab ? ids[i] : vocab];
  counts.pop_back();
  return counts;
}

// vLLM apply_penalties: `logits -= frequency_penalties.unsqueeze(1) *
// output_bin_counts` (an f32 tensor times int64 counts: f32 products).
void refFrequencyPenalty(float *row, int64_t vocab, const int32_t *ids, int64_t n, float f) {
  std::vector<int64_t> counts = binCounts(ids, n, vocab);
  for (int64_t v = 0; v < vocab; ++v) {
    float product = f * static_cast<float>(counts[v]);
    row[v] = row[v] - product;
  }
}

// vLLM apply_penalties: `logits -= presence_penalties.unsqueeze(1) *
// output_mask` (output_mask = bin_counts > 0, a bool tensor: 0.0 or 1.0).
void refPresencePenalty(float *row, int64_t vocab, const int32_t *ids, int64_t n, float p) {
  std::vector<int64_t> counts = binCounts(ids, n, vocab);
  for (int64_t v = 0; v < vocab; ++v) {
    float product = p * (counts[v] > 0 ? 1.0f : 0.0f);
    row[v] = row[v] - product;
  }
}

/// Sparse biases as HF SequenceBiasLogitsProcessor and vLLM logit_bias hold
/// them: (token, bias) pairs, plus tokens banned outright (HF
/// NoBadWordsLogitsProcessor / NoRepeatNGramLogitsProcessor: -inf).
struct SparseBias {
  std::vector<std::pair<int32_t, float>> biases;
  std::vector<int32_t> banned;
};

SparseBias makeSparseBias(int64_t vocab, std::mt19937_64 &rng, float maxBias = 100.0f) {
  SparseBias s;
  std::uniform_real_distribution<float> bias(-maxBias, maxBias);
  int n = static_cast<int>(rng() % 12);
  for (int i = 0; i < n; ++i) // repeated tokens accumulate, as in HF
    s.biases.push_back({static_cast<int32_t>(rng() % std::min<int64_t>(vocab, 20)), bias(rng)});
  int m = static_cast<int>(rng() % 4);
  for (int i = 0; i < m; ++i)
    s.banned.push_back(static_cast<int32_t>(rng() % vocab));
  return s;
}

/// The dense row the runtime hands to logits.add_bias for `s`: HF's `bias =
/// zeros_like(scores); bias[:, t] += b`, with -inf where banned.
std::vector<float> denseBias(const SparseBias &s, int64_t vocab) {
  std::vector<float> row(vocab, 0.0f);
  for (auto [t, b] : s.biases)
    row[t] += b;
  for (int32_t t : s.banned)
    row[t] = -kInf;
  return row;
}

// HF SequenceBiasLogitsProcessor: `scores + bias` with the accumulated bias
// (vLLM logit_bias: `logits[t] += bias`); banned tokens become -inf (HF's
// NoBadWords adds -inf; documented difference: a +inf logit is banned too
// instead of becoming NaN).
void refAddBias(float *row, int64_t vocab, const SparseBias &s) {
  std::vector<float> bias(vocab, 0.0f);
  for (auto [t, b] : s.biases)
    bias[t] += b;
  std::set<int32_t> banned(s.banned.begin(), s.banned.end());
  for (int64_t v = 0; v < vocab; ++v)
    row[v] = banned.count(static_cast<int32_t>(v)) ? -kInf : row[v] + bias[v];
}

// vLLM allowed_token_ids: `mask = ones(V, bool); mask[allowed] = False;
// logits.masked_fill_(mask, -inf)` (ids outside the vocabulary ignored).
void refAllow(float *row, int64_t vocab, const int32_t *ids, int64_t n) {
  std::vector<bool> masked(vocab, true);
  for (int64_t i = 0; i < n; ++i)
    if (ids[i] >= 0 && ids[i] < vocab)
      masked[ids[i]] = false;
  for (int64_t v = 0; v < vocab; ++v)
    if (masked[v])
      row[v] = -kInf;
}

// HF MinNewTokensLengthLogitsProcessor: `eos_token_mask = isin(arange(V),
// eos_ids); if new_tokens < min_new_tokens: scores = where(eos_token_mask,
// -inf, scores)` (the same shape for MinLength and SuppressTokensAtBegin).
void refSuppressIf(float *row, int64_t vocab, const std::vector<int32_t> &ids, bool when) {
  if (!when)
    return;
  for (int32_t t : ids)
    if (t >= 0 && t < vocab)
      row[t] = -kInf;
}

// HF ForcedEOSTokenLogitsProcessor: `if cur_len == max_length - 1: scores =
// full_like(scores, -inf); scores[:, eos_token_id] = 0` (ForcedBOS alike).
void refForce(float *row, int64_t vocab, const std::vector<int32_t> &ids, bool when) {
  if (!when)
    return;
  std::fill(row, row + vocab, -kInf);
  for (int32_t t : ids)
    if (t >= 0 && t < vocab)
      row[t] = 0.0f;
}

// HF InfNanRemoveLogitsProcessor: `scores[scores != scores] = 0.0;
// scores[scores == inf] = finfo.max; scores[scores == -inf] = finfo.min`.
void refRemoveInfNan(float *row, int64_t vocab) {
  for (int64_t v = 0; v < vocab; ++v) {
    if (row[v] != row[v])
      row[v] = 0.0f;
    else if (row[v] == kInf)
      row[v] = std::numeric_limits<float>::max();
    else if (row[v] == -kInf)
      row[v] = std::numeric_limits<float>::lowest();
  }
}

// torch.log_softmax (HF LogitNormalization) in long double: x - max -
// log(sum(exp(x - max))). Documented special values: NaN has probability 0
// (log 0 = -inf) instead of making the whole row NaN; a +inf maximum takes
// all the mass (0 for itself, -inf for the rest); a row without a number
// above -inf is all -inf. Values below the f32 range are -inf (as in f32).
std::vector<long double> refLogSoftmax(const float *row, int64_t vocab) {
  float max = -kInf;
  for (int64_t v = 0; v < vocab; ++v)
    if (!std::isnan(row[v]) && row[v] > max)
      max = row[v];
  std::vector<long double> out(vocab, -INFINITY);
  if (!(max > -kInf))
    return out;
  long double mass = 0;
  for (int64_t v = 0; v < vocab; ++v)
    if (!std::isnan(row[v]) && row[v] > -kInf)
      mass += row[v] == max ? 1.0L : std::exp((long double)row[v] - (long double)max);
  long double lse = std::log(mass);
  for (int64_t v = 0; v < vocab; ++v) {
    if (std::isnan(row[v]) || row[v] == -kInf)
      continue;
    out[v] = (row[v] == max ? 0.0L : (long double)row[v] - (long double)max) - lse;
    // torch computes in f32: a log-probability below the f32 range is -inf.
    if (out[v] < -(long double)std::numeric_limits<float>::max())
      out[v] = -INFINITY;
  }
  return out;
}

// HF UnbatchedClassifierFreeGuidanceLogitsProcessor:
//   scores = log_softmax(scores); if guidance_scale == 1: return scores
//   uncond = log_softmax(unconditional_logits)
//   return guidance_scale * (scores - uncond) + uncond
// Documented: a NaN result (inf - inf: a token the unconditional row
// excludes) is -inf.
std::vector<long double> refGuidance(const float *row, const float *uncond, int64_t vocab,
                                     float scale) {
  std::vector<long double> c = refLogSoftmax(row, vocab);
  if (scale == 1.0f)
    return c;
  std::vector<long double> u = refLogSoftmax(uncond, vocab);
  std::vector<long double> out(vocab);
  // HF evaluates in f32, in this order: an intermediate beyond the f32 range
  // is an infinity there.
  auto f32Range = [](long double x) {
    const long double big = std::numeric_limits<float>::max();
    return x > big ? INFINITY : x < -big ? -INFINITY : x;
  };
  for (int64_t v = 0; v < vocab; ++v) {
    long double g = f32Range(f32Range((long double)scale * f32Range(c[v] - u[v])) + u[v]);
    out[v] = std::isnan(g) ? -INFINITY : g;
  }
  return out;
}

/// |got - want| within `tolerance`, with infinities equal exactly. A value
/// beyond the f32 range overflows to an infinity of its sign in f32
/// arithmetic (torch's too), which is then the expected result.
bool close(float got, long double want, long double tolerance) {
  const long double big = std::numeric_limits<float>::max();
  if (std::fabs(want) > big && std::isinf(got) && (got < 0) == (want < 0))
    return true;
  if (std::isinf(want) || std::isinf(got))
    return (long double)got == want;
  if (std::isnan(got))
    return false;
  return std::fabs((long double)got - want) <= tolerance;
}

// Log-softmax tolerance: the f32 lowering rounds x - max and log(mass) (mass:
// f32 weights summed in f64), so a result is within a few ulps of its size
// plus the error of log(mass): 2^-20 (about 8 ulps) relative, plus 2^-20.
long double logSoftmaxTolerance(long double want) { return 0x1p-20L * (1 + std::fabs(want)); }


/// softmax of a long double row (probabilities of -inf entries are 0).
std::vector<long double> softmaxOf(const std::vector<long double> &row) {
  long double max = -INFINITY;
  for (long double x : row)
    max = std::max(max, x);
  std::vector<long double> p(row.size(), 0.0L);
  long double sum = 0;
  for (size_t i = 0; i < row.size(); ++i)
    if (row[i] > -INFINITY)
      sum += p[i] = std::exp(row[i] - max);
  for (long double &x : p)
    x /= sum;
  return p;
}

//===----------------------------------------------------------------------===//
// Elementwise processors: bit for bit
//===----------------------------------------------------------------------===//

TEST(LogitsProcessorsTest, FrequencyAndPresencePenalties) {
  Tally tf{"frequency_penalty"}, tp{"presence_penalty"};
  std::mt19937_64 rng(101);
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 1)) {
      int64_t n = 1 + static_cast<int64_t>(rng() % 60);
      std::vector<int32_t> ids = makeIdRows(input.batch, vocab, n, rng);
      I32Matrix h = matrixRef(ids, input.batch, n);
      for (bool presence : {false, true}) {
        Tally &tally = presence ? tp : tf;
        // Scalar penalties from vLLM's range [-2, 2], and per-row ones.
        for (float f : {-2.0f, -0.5f, 0.0f, 0.7f, 2.0f}) {
          Logits got = input, want = input;
          F32Matrix m = got.ref();
          (presence ? presenceKernel() : frequencyKernel())(&m, &h, f);
          for (int64_t b = 0; b < input.batch; ++b) {
            (presence ? refPresencePenalty : refFrequencyPenalty)(want.row(b), vocab,
                                                                  ids.data() + b * n, n, f);
            EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab))
                << input.describe(b) << ", penalty " << f << (presence ? " (presence)" : "");
          }
          tally.add(input);
        }
        std::vector<float> perRow(input.batch);
        for (int64_t b = 0; b < input.batch; ++b)
          perRow[b] = -2.0f + 4.0f * static_cast<float>(rng() % 1000) / 999.0f;
        Logits got = input, want = input;
        F32Matrix m = got.ref();
        F32Vector pr = vectorRef(perRow);
        (presence ? presenceRowsKernel() : frequencyRowsKernel())(&m, &h, &pr);
        for (int64_t b = 0; b < input.batch; ++b) {
          (presence ? refPresencePenalty : refFrequencyPenalty)(want.row(b), vocab,
                                                                ids.data() + b * n, n, perRow[b]);
          EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab))
              << input.describe(b) << ", per-row penalty " << perRow[b];
        }
        tally.add(input);
      }
    }
}

TEST(LogitsProcessorsTest, AddBias) {
  Tally tally{"add_bias"};
  std::mt19937_64 rng(102);
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 2))
      for (bool shared : {true, false}) {
        // One bias row shared by the batch, or one per row.
        int64_t rows = shared ? 1 : input.batch;
        std::vector<SparseBias> sparse;
        std::vector<float> dense;
        for (int64_t r = 0; r < rows; ++r) {
          sparse.push_back(makeSparseBias(vocab, rng));
          std::vector<float> d = denseBias(sparse.back(), vocab);
          dense.insert(dense.end(), d.begin(), d.end());
        }
        Logits got = input, want = input;
        F32Matrix m = got.ref();
        F32Matrix bm = matrixRef(dense, rows, vocab);
        biasKernel()(&m, &bm);
        for (int64_t b = 0; b < input.batch; ++b) {
          refAddBias(want.row(b), vocab, sparse[shared ? 0 : b]);
          EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab))
              << input.describe(b) << (shared ? ", shared bias" : ", per-row bias");
        }
        tally.add(input);
      }
}

TEST(LogitsProcessorsTest, Allow) {
  Tally tally{"allow"};
  std::mt19937_64 rng(103);
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 3)) {
      // A shared list (including the empty list: nothing is allowed).
      for (int64_t n : {int64_t(0), int64_t(1), int64_t(7), int64_t(300)}) {
        std::vector<int32_t> ids = makeIds(vocab, n, rng);
        Logits got = input, want = input;
        F32Matrix m = got.ref();
        I32Vector iv = vectorRef(ids);
        allowKernel()(&m, &iv);
        for (int64_t b = 0; b < input.batch; ++b) {
          refAllow(want.row(b), vocab, ids.data(), n);
          EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab)) << input.describe(b) << ", n " << n;
        }
        tally.add(input);
      }
      // Per-row lists, and one [1, n] list shared by a batch.
      for (bool oneRow : {false, true}) {
        int64_t n = 9, rows = oneRow ? 1 : input.batch;
        std::vector<int32_t> ids = makeIdRows(rows, vocab, n, rng);
        Logits got = input, want = input;
        F32Matrix m = got.ref();
        I32Matrix im = matrixRef(ids, rows, n);
        allowRowsKernel()(&m, &im);
        for (int64_t b = 0; b < input.batch; ++b) {
          refAllow(want.row(b), vocab, ids.data() + (oneRow ? 0 : b) * n, n);
          EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab))
              << input.describe(b) << (oneRow ? ", one shared row" : ", per-row lists");
        }
        tally.add(input);
      }
    }
}

TEST(LogitsProcessorsTest, SeveralLists) {
  // allow and suppress_if take the union of their lists (e.g. constant ids
  // and the EOS tokens).
  Tally tally{"allow/suppress_if x2"};
  std::mt19937_64 rng(112);
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 12)) {
      std::vector<int32_t> a = makeIds(vocab, 5, rng);
      std::vector<int32_t> b = makeIdRows(input.batch, vocab, 4, rng);
      I32Vector av = vectorRef(a);
      I32Matrix bm = matrixRef(b, input.batch, 4);
      for (bool allow : {true, false}) {
        Logits got = input, want = input;
        F32Matrix m = got.ref();
        (allow ? allowTwoListsKernel() : suppressIfTwoListsKernel())(&m, &av, &bm, true);
        for (int64_t r = 0; r < input.batch; ++r) {
          std::vector<int32_t> both = a;
          both.insert(both.end(), b.begin() + r * 4, b.begin() + (r + 1) * 4);
          if (allow)
            refAllow(want.row(r), vocab, both.data(), static_cast<int64_t>(both.size()));
          else
            refSuppressIf(want.row(r), vocab, both, true);
          EXPECT_TRUE(sameRow(got.row(r), want.row(r), vocab))
              << input.describe(r) << (allow ? ", allow" : ", suppress_if");
        }
        tally.add(input);
      }
    }
}

TEST(LogitsProcessorsTest, SuppressIfAndForce) {
  Tally ts{"suppress_if"}, tf{"force"};
  std::mt19937_64 rng(104);
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 4)) {
      std::vector<int32_t> ids = makeIds(vocab, 1 + static_cast<int64_t>(rng() % 5), rng);
      I32Vector iv = vectorRef(ids);
      for (bool force : {false, true}) {
        Tally &tally = force ? tf : ts;
        auto ref = force ? refForce : refSuppressIf;
        for (bool when : {false, true}) {
          Logits got = input, want = input;
          F32Matrix m = got.ref();
          (force ? forceKernel() : suppressIfKernel())(&m, &iv, when);
          for (int64_t b = 0; b < input.batch; ++b) {
            ref(want.row(b), vocab, ids, when);
            EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab))
                << input.describe(b) << ", condition " << when << (force ? " (force)" : "");
          }
          tally.add(input);
        }
        std::vector<int> conditions(input.batch);
        for (int &c : conditions)
          c = static_cast<int>(rng() % 2);
        Bools bools(conditions);
        BoolVector bv = bools.ref();
        Logits got = input, want = input;
        F32Matrix m = got.ref();
        (force ? forceRowsKernel() : suppressIfRowsKernel())(&m, &iv, &bv);
        for (int64_t b = 0; b < input.batch; ++b) {
          ref(want.row(b), vocab, ids, conditions[b] != 0);
          EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab))
              << input.describe(b) << ", per-row condition " << conditions[b];
        }
        tally.add(input);
      }
    }
}

TEST(LogitsProcessorsTest, RemoveInfNan) {
  Tally tally{"remove_inf_nan"};
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 5)) {
      Logits got = input, want = input;
      F32Matrix m = got.ref();
      removeInfNanKernel()(&m);
      for (int64_t b = 0; b < input.batch; ++b) {
        refRemoveInfNan(want.row(b), vocab);
        EXPECT_TRUE(sameRow(got.row(b), want.row(b), vocab)) << input.describe(b);
        for (int64_t v = 0; v < vocab; ++v)
          ASSERT_TRUE(std::isfinite(got.row(b)[v])) << input.describe(b) << ", token " << v;
      }
      tally.add(input);
    }
}

//===----------------------------------------------------------------------===//
// Log-softmax and guidance: within tolerance of a long double reference
//===----------------------------------------------------------------------===//

TEST(LogitsProcessorsTest, LogSoftmax) {
  Tally tally{"log_softmax"};
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 6)) {
      Logits got = input;
      F32Matrix m = got.ref();
      logSoftmaxKernel()(&m);
      for (int64_t b = 0; b < input.batch; ++b) {
        std::vector<long double> want = refLogSoftmax(input.row(b), vocab);
        long double mass = 0;
        for (int64_t v = 0; v < vocab; ++v) {
          ASSERT_TRUE(close(got.row(b)[v], want[v], logSoftmaxTolerance(want[v])))
              << input.describe(b) << ", token " << v << " (" << show(input.row(b)[v])
              << "): lowering gives " << show(got.row(b)[v]) << ", reference "
              << double(want[v]);
          mass += std::exp((long double)got.row(b)[v]);
        }
        if (want.size() && std::any_of(want.begin(), want.end(),
                                       [](long double x) { return x > -INFINITY; }))
          EXPECT_NEAR(double(mass), 1.0, 1e-5) << input.describe(b);
      }
      tally.add(input);
    }
}

TEST(LogitsProcessorsTest, Guidance) {
  Tally tally{"guidance"};
  std::mt19937_64 rng(107);
  int skipped = 0;
  for (int64_t vocab : kVocabs)
    for (Logits &input : logitsCases(vocab, 7)) {
      // Unconditional rows: a normal row, or a row of another kind.
      for (bool shared : {true, false}) {
        int64_t rows = shared ? 1 : input.batch;
        std::vector<RowKind> kinds;
        for (int64_t r = 0; r < rows; ++r)
          kinds.push_back(r == 0 ? RowKind::Normal : static_cast<RowKind>(rng() % kNumKinds));
        Logits uncond = makeLogits(vocab, kinds, rng);
        F32Matrix um = uncond.ref();
        std::vector<float> scales = {0.5f, 1.0f, 1.5f, 3.0f, 10.0f};
        for (size_t si = 0; si <= scales.size(); ++si) {
          bool perRow = si == scales.size();
          std::vector<float> rowScales(input.batch);
          for (int64_t b = 0; b < input.batch; ++b)
            rowScales[b] = perRow ? scales[rng() % scales.size()] : scales[si];
          Logits got = input;
          F32Matrix m = got.ref();
          if (perRow) {
            F32Vector sv = vectorRef(rowScales);
            guidanceRowsKernel()(&m, &um, &sv);
          } else {
            guidanceKernel()(&m, &um, scales[si]);
          }
          for (int64_t b = 0; b < input.batch; ++b) {
            const float *u = uncond.row(shared ? 0 : b);
            float s = rowScales[b];
            std::vector<long double> want = refGuidance(input.row(b), u, vocab, s);
            std::vector<long double> c = refLogSoftmax(input.row(b), vocab);
            std::vector<long double> un = refLogSoftmax(u, vocab);
            for (int64_t v = 0; v < vocab; ++v) {
              // Each log-softmax is within its tolerance; the guided value
              // carries them scaled by s (and 1 - s).
              long double tol =
                  s == 1.0f ? logSoftmaxTolerance(c[v])
                            : s * (logSoftmaxTolerance(c[v]) + logSoftmaxTolerance(un[v])) +
                                  logSoftmaxTolerance(un[v]) + 0x1p-22L * std::fabs(want[v]);
              if (std::isinf(want[v])) {
                // Special values are exact: -inf stays -inf, inf - inf is -inf.
                ASSERT_TRUE(close(got.row(b)[v], want[v], 0))
                    << input.describe(b) << ", scale " << s << ", token " << v << ": lowering gives "
                    << show(got.row(b)[v]) << ", reference " << double(want[v]);
                continue;
              }
              if (!std::isfinite(tol)) {
                ++skipped;
                continue;
              }
              ASSERT_TRUE(close(got.row(b)[v], want[v], tol))
                  << input.describe(b) << ", scale " << s << ", token " << v << " ("
                  << show(input.row(b)[v]) << ", unconditional " << show(u[v])
                  << "): lowering gives " << show(got.row(b)[v]) << ", reference "
                  << double(want[v]);
            }
          }
          tally.add(input);
        }
      }
    }
  std::printf("[ processors ] guidance: %d values without a finite tolerance skipped\n",
              skipped);
  EXPECT_EQ(skipped, 0);
}

//===----------------------------------------------------------------------===//
// Whole samplers: fused programs, greedy choices, sampling frequencies
//===----------------------------------------------------------------------===//

/// frequency, presence, bias, suppress_if, guidance, then a choice.
std::string samplerSource(const std::string &choice) {
  std::string params = kL + ", %gen: memref<?x?xi32>, %bias: memref<?x?xf32>, %eos: memref<?xi32>, "
                            "%early: i1, %u: memref<?x?xf32>, %seeds: memref<?xi64>, %step: i64, "
                            "%tok: memref<?xi32>";
  std::string body =
      "%f = arith.constant 0.4 : f32\n"
      "  logits.frequency_penalty %l, %gen, %f : memref<?x?xf32>, memref<?x?xi32>, f32\n"
      "  %p = arith.constant 0.6 : f32\n"
      "  logits.presence_penalty %l, %gen, %p : memref<?x?xf32>, memref<?x?xi32>, f32\n"
      "  logits.add_bias %l, %bias : memref<?x?xf32>, memref<?x?xf32>\n"
      "  logits.suppress_if %l(%eos), %early : memref<?x?xf32>, (memref<?xi32>), i1\n"
      "  %s = arith.constant 1.5 : f32\n"
      "  logits.guidance %l, %u, %s : memref<?x?xf32>, memref<?x?xf32>, f32\n";
  if (choice == "argmax")
    body += "  logits.argmax %l, %tok : memref<?x?xf32>, memref<?xi32>";
  else
    body += "  logits.sample %l, %seeds, %step, %tok : memref<?x?xf32>, memref<?xi64>, "
            "memref<?xi32>";
  return kernelSource(params, body);
}
using SamplerKernel = Kernel<void(F32Matrix *, I32Matrix *, F32Matrix *, I32Vector *, bool,
                                  F32Matrix *, I64Vector *, int64_t, I32Vector *)>;

/// The reference of samplerSource's transforms on one row.
std::vector<long double> refSampler(const float *input, const float *uncond, int64_t vocab,
                                    const std::vector<int32_t> &gen, const SparseBias &bias,
                                    const std::vector<int32_t> &eos, bool early) {
  std::vector<float> row(input, input + vocab);
  refFrequencyPenalty(row.data(), vocab, gen.data(), static_cast<int64_t>(gen.size()), 0.4f);
  refPresencePenalty(row.data(), vocab, gen.data(), static_cast<int64_t>(gen.size()), 0.6f);
  refAddBias(row.data(), vocab, bias);
  refSuppressIf(row.data(), vocab, eos, early);
  return refGuidance(row.data(), uncond, vocab, 1.5f);
}

struct SamplerCase {
  Logits logits, uncond;
  std::vector<int32_t> gen;
  int64_t genLength;
  std::vector<SparseBias> sparse;
  std::vector<float> bias;
  std::vector<int32_t> eos;
};

SamplerCase makeSamplerCase(int64_t vocab, int64_t batch, std::mt19937_64 &rng,
                            float maxBias = 100.0f) {
  SamplerCase c;
  std::vector<RowKind> kinds(batch, RowKind::Normal);
  c.logits = makeLogits(vocab, kinds, rng);
  c.uncond = makeLogits(vocab, kinds, rng);
  c.genLength = 12;
  c.gen = makeIdRows(batch, vocab, c.genLength, rng);
  for (int64_t b = 0; b < batch; ++b) {
    c.sparse.push_back(makeSparseBias(vocab, rng, maxBias));
    std::vector<float> d = denseBias(c.sparse.back(), vocab);
    c.bias.insert(c.bias.end(), d.begin(), d.end());
  }
  c.eos = {static_cast<int32_t>(vocab - 1)};
  return c;
}

TEST(LogitsProcessorsTest, FusedProgramAgrees) {
  // The ops one by one and the single fused program give the same tokens.
  SamplerKernel single(samplerSource("sample")), fused(samplerSource("sample"), Lowering::Programs);
  SamplerKernel singleMax(samplerSource("argmax")),
      fusedMax(samplerSource("argmax"), Lowering::Programs);
  std::mt19937_64 rng(108);
  int draws = 0;
  for (int64_t vocab : {2, 50, 4096})
    for (int rep = 0; rep < 4; ++rep) {
      SamplerCase c = makeSamplerCase(vocab, 3, rng);
      I32Matrix gm = matrixRef(c.gen, 3, c.genLength);
      F32Matrix bm = matrixRef(c.bias, 3, vocab);
      I32Vector ev = vectorRef(c.eos);
      F32Matrix um = c.uncond.ref();
      std::vector<int64_t> seeds = {1, 2, 3};
      I64Vector sv = vectorRef(seeds);
      for (int64_t step = 0; step < 10; ++step) {
        for (auto *pair : {&single, &singleMax}) {
          bool sampling = pair == &single;
          Logits a = c.logits, b = c.logits;
          F32Matrix ma = a.ref(), mb = b.ref();
          std::vector<int32_t> ta(3), tb(3);
          I32Vector va = vectorRef(ta), vb = vectorRef(tb);
          (sampling ? single : singleMax)(&ma, &gm, &bm, &ev, step < 5, &um, &sv, step, &va);
          (sampling ? fused : fusedMax)(&mb, &gm, &bm, &ev, step < 5, &um, &sv, step, &vb);
          EXPECT_EQ(ta, tb) << "vocab " << vocab << ", step " << step;
          ++draws;
        }
      }
    }
  std::printf("[ processors ] fused sampler: %d choices agree\n", draws);
}

TEST(LogitsProcessorsTest, GreedyAfterProcessors) {
  SamplerKernel greedy(samplerSource("argmax"));
  std::mt19937_64 rng(109);
  int rows = 0, nearTies = 0;
  for (int64_t vocab : {2, 33, 1000, 4096, 128256})
    for (int rep = 0; rep < 6; ++rep) {
      SamplerCase c = makeSamplerCase(vocab, 3, rng);
      I32Matrix gm = matrixRef(c.gen, 3, c.genLength);
      F32Matrix bm = matrixRef(c.bias, 3, vocab);
      I32Vector ev = vectorRef(c.eos);
      F32Matrix um = c.uncond.ref();
      std::vector<int64_t> seeds = {0, 0, 0};
      I64Vector sv = vectorRef(seeds);
      bool early = rep % 2 == 0;
      Logits a = c.logits;
      F32Matrix ma = a.ref();
      std::vector<int32_t> tokens(3, -7);
      I32Vector tv = vectorRef(tokens);
      greedy(&ma, &gm, &bm, &ev, early, &um, &sv, 0, &tv);
      for (int64_t b = 0; b < 3; ++b) {
        std::vector<int32_t> gen(c.gen.begin() + b * c.genLength,
                                 c.gen.begin() + (b + 1) * c.genLength);
        std::vector<long double> want =
            refSampler(c.logits.row(b), c.uncond.row(b), vocab, gen, c.sparse[b], c.eos, early);
        // The reference argmax (ties: lowest id); a runner-up within the
        // tolerance of the f32 computation may legitimately win instead.
        int64_t best = std::max_element(want.begin(), want.end()) - want.begin();
        if (want[best] == -INFINITY) {
          EXPECT_EQ(tokens[b], -1) << "vocab " << vocab << ", row " << b << ": nothing allowed";
          ++rows;
          continue;
        }
        ASSERT_GE(tokens[b], 0);
        long double gap = want[best] - want[tokens[b]];
        if (tokens[b] != best) {
          ASSERT_LT(gap, 1e-4L) << "vocab " << vocab << ", row " << b << ": lowering picks "
                                << tokens[b] << ", reference " << best;
          ++nearTies;
        }
        ++rows;
      }
    }
  std::printf("[ processors ] greedy after processors: %d rows, %d near-ties\n", rows, nearTies);
  EXPECT_LE(nearTies * 20, rows);
}

TEST(LogitsProcessorsTest, SamplingChiSquare) {
  // 20000 draws from one row of 60 logits after the whole sampler, steps
  // 0..19999 with a fixed seed, against the reference distribution. The same
  // counts against the distribution without guidance must fail (power).
  SamplerKernel sampler(samplerSource("sample"));
  const int64_t vocab = 60, draws = 20000;
  std::mt19937_64 rng(110);
  SamplerCase c = makeSamplerCase(vocab, 1, rng, /*maxBias=*/2.0f);
  I32Matrix gm = matrixRef(c.gen, 1, c.genLength);
  F32Matrix bm = matrixRef(c.bias, 1, vocab);
  I32Vector ev = vectorRef(c.eos);
  F32Matrix um = c.uncond.ref();
  std::vector<int64_t> seeds = {987654321};
  I64Vector sv = vectorRef(seeds);
  std::vector<int> counts(vocab, 0);
  for (int64_t step = 0; step < draws; ++step) {
    Logits a = c.logits;
    F32Matrix ma = a.ref();
    std::vector<int32_t> token(1);
    I32Vector tv = vectorRef(token);
    sampler(&ma, &gm, &bm, &ev, true, &um, &sv, step, &tv);
    ASSERT_GE(token[0], 0);
    ASSERT_LT(token[0], vocab);
    ++counts[token[0]];
  }
  std::vector<long double> want = softmaxOf(
      refSampler(c.logits.row(0), c.uncond.row(0), vocab, c.gen, c.sparse[0], c.eos, true));
  double p = goodnessOfFit(counts, want);
  std::printf("[ processors ] sampling chi-square: p-value %.4g over %lld draws\n", p,
              static_cast<long long>(draws));
  EXPECT_GT(p, 1e-4);
  for (int64_t v = 0; v < vocab; ++v)
    if (want[v] == 0)
      EXPECT_EQ(counts[v], 0) << "token " << v << " has probability 0";

  std::vector<float> plain(c.logits.row(0), c.logits.row(0) + vocab);
  refFrequencyPenalty(plain.data(), vocab, c.gen.data(), c.genLength, 0.4f);
  refPresencePenalty(plain.data(), vocab, c.gen.data(), c.genLength, 0.6f);
  refAddBias(plain.data(), vocab, c.sparse[0]);
  refSuppressIf(plain.data(), vocab, c.eos, true);
  EXPECT_LT(goodnessOfFit(counts, softmaxOf(refLogSoftmax(plain.data(), vocab))), 1e-4);
}

TEST(LogitsProcessorsTest, RowsAreIndependent) {
  // Per-row parameters: a row processed inside a batch (with other rows'
  // parameters) equals the same row processed alone.
  std::mt19937_64 rng(111);
  Logits batch = makeLogits(1000, {RowKind::Normal, RowKind::Peaked, RowKind::Ties}, rng);
  Logits uncond = makeLogits(1000, {RowKind::Normal, RowKind::Normal, RowKind::Normal}, rng);
  std::vector<int32_t> ids = makeIdRows(3, 1000, 20, rng);
  std::vector<float> penalties = {-1.0f, 0.5f, 2.0f}, scales = {0.5f, 1.0f, 4.0f};
  Logits together = batch;
  F32Matrix m = together.ref();
  I32Matrix im = matrixRef(ids, 3, 20);
  F32Vector pv = vectorRef(penalties), sv = vectorRef(scales);
  F32Matrix um = uncond.ref();
  frequencyRowsKernel()(&m, &im, &pv);
  guidanceRowsKernel()(&m, &um, &sv);
  for (int64_t b = 0; b < 3; ++b) {
    std::vector<float> alone(batch.row(b), batch.row(b) + 1000);
    std::vector<int32_t> rowIds(ids.begin() + b * 20, ids.begin() + (b + 1) * 20);
    std::vector<float> u(uncond.row(b), uncond.row(b) + 1000);
    F32Matrix am = matrixRef(alone, 1, 1000), aum = matrixRef(u, 1, 1000);
    I32Matrix aim = matrixRef(rowIds, 1, 20);
    frequencyKernel()(&am, &aim, penalties[b]);
    guidanceKernel()(&am, &aum, scales[b]);
    EXPECT_TRUE(sameRow(together.row(b), alone.data(), 1000)) << "row " << b;
  }
}

} // namespace
