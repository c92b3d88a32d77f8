//===- UserTransformsTest.cpp - transforms written in dec, JIT-compiled ---===//
//
// The transforms of stdlib/transforms.dec go through the real front end (Sema,
// the plan) and MLIRGen's emitter (lang/MLIRGenTransform.cpp) into a one-op
// function, are lowered and JIT-compiled, and run on random rows:
//
//   * temperature_dec, top_k_dec and min_p_dec against the built-in ops they
//     restate (logits.temperature, logits.top_k, logits.min_p), bit for bit,
//     on every kind of row (ties, -inf, NaN, no number at all, huge, tiny);
//   * typical_dec, epsilon_dec, eta_dec and top_h_dec against plain C++
//     versions of Hugging Face's TypicalLogitsWarper, EpsilonLogitsWarper,
//     EtaLogitsWarper and TopHLogitsWarper written from their source (sorts and cumulative sums,
//     long double): the same tokens are filtered, except where the reference's
//     real-valued decision is within rounding of its threshold (counted).
//
// Each comparison runs with the reference lowering (convert-logits-to-scf)
// and with the production pipeline (dec-lower-to-llvm: fused, vectorized).
//
//===----------------------------------------------------------------------===//

#include "dialects/Logits/LogitsDialect.h"
#include "lang/Frontend.h"
#include "lang/MLIRGen.h"
#include "lang/MLIRGenTransform.h"
#include "passes/Passes.h"
#include "test/unit/KernelJit.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

using F32Matrix = dec::test::F32Matrix;

//===----------------------------------------------------------------------===//
// Compiling: dec source -> plan -> one-op function -> JIT
//===----------------------------------------------------------------------===//

using Kernel = dec::test::Kernel<void(F32Matrix *)>;
using Pipeline = dec::test::Lowering;

[[noreturn]] void fail(const std::string &why) { dec::test::jitFailure(why); }
mlir::MLIRContext &context() { return dec::test::jitContext(); }

/// The plan of `sampler` (a pipeline of one transform) through the front end.
std::shared_ptr<const dec::lang::UserTransform> planOf(const std::string &sampler) {
  std::string source = "import std.transforms;\n"
                       "model lm = causal(\"" DEC_TEST_MODELS "/m.pt\", tokenizer: \"" DEC_TEST_MODELS
                       "/tokenizer.json\");\n"
                       "decode d(prompt: string) -> string {\n"
                       "    return autoregressive(lm, prompt, sampler: " +
                       sampler + " | greedy);\n}\n";
  dec::lang::FrontendOptions options;
  options.stdlibDir = DEC_STDLIB_DIR_PATH;
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  dec::lang::Frontend frontend(options, os);
  std::optional<dec::lang::ProgramPlan> plan;
  if (frontend.parseBuffer("test.dec", source))
    plan = frontend.plan();
  os.flush();
  if (!plan || plan->entries.size() != 1 || plan->entries[0].schedule.sampler.steps.size() != 1 ||
      !plan->entries[0].schedule.sampler.steps[0].user)
    fail("cannot compile '" + sampler + "':\n" + diagnostics);
  return plan->entries[0].schedule.sampler.steps[0].user;
}

mlir::OwningOpRef<mlir::ModuleOp> emptyKernel(mlir::Value &logits, mlir::OpBuilder &builder) {
  mlir::MLIRContext &ctx = context();
  mlir::Location loc = mlir::UnknownLoc::get(&ctx);
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(loc);
  builder.setInsertionPointToEnd(module->getBody());
  auto memref = mlir::MemRefType::get({mlir::ShapedType::kDynamic, mlir::ShapedType::kDynamic},
                                      builder.getF32Type());
  auto fn = mlir::func::FuncOp::create(builder, loc, "k", builder.getFunctionType({memref}, {}));
  fn->setAttr("llvm.emit_c_interface", builder.getUnitAttr());
  mlir::Block *entry = fn.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  logits = entry->getArgument(0);
  return module;
}

/// `sampler`'s transform, as MLIRGen emits it, in a one-op function.
std::unique_ptr<Kernel> userKernel(const std::string &sampler, Pipeline pipeline) {
  std::shared_ptr<const dec::lang::UserTransform> plan = planOf(sampler);
  mlir::OpBuilder builder(&context());
  mlir::Value logits;
  mlir::OwningOpRef<mlir::ModuleOp> module = emptyKernel(logits, builder);
  mlir::ImplicitLocOpBuilder b(mlir::UnknownLoc::get(&context()), builder);
  dec::lang::emitUserTransform(b, logits, *plan);
  mlir::func::ReturnOp::create(b);
  if (mlir::failed(mlir::verify(*module)))
    fail("emitted program does not verify for '" + sampler + "'");
  return std::make_unique<Kernel>(std::move(module), pipeline);
}

/// A built-in op (`body` uses %l) in a one-op function.
std::unique_ptr<Kernel> builtinKernel(const std::string &body, Pipeline pipeline) {
  std::string source = "func.func @k(%l: memref<?x?xf32>) attributes {llvm.emit_c_interface} {\n" +
                       body + "\n  return\n}\n";
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context());
  if (!module)
    fail("cannot parse:\n" + source);
  return std::make_unique<Kernel>(std::move(module), pipeline);
}

//===----------------------------------------------------------------------===//
// Rows
//===----------------------------------------------------------------------===//

enum class RowKind { Normal, Ties, NegInf, Peaked, NaN, AllNegInf, NoNumber, Huge, Tiny };
const char *kKindNames[] = {"normal", "ties",        "neg-inf", "peaked", "nan",
                            "all-neg-inf", "no-number", "huge",    "tiny"};
const RowKind kAllKinds[] = {RowKind::Normal, RowKind::Ties,     RowKind::NegInf,
                             RowKind::Peaked, RowKind::NaN,      RowKind::AllNegInf,
                             RowKind::NoNumber, RowKind::Huge,   RowKind::Tiny};
/// Rows on which Hugging Face's warpers are well defined (no NaN, some number).
const RowKind kFiniteKinds[] = {RowKind::Normal, RowKind::Ties, RowKind::NegInf, RowKind::Peaked};
const int64_t kVocabs[] = {1, 2, 33, 1000, 4096};

std::vector<float> makeRow(int64_t vocab, RowKind kind, std::mt19937_64 &rng) {
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  static const float ties[] = {-2.0f, -1.0f, -0.0f, 0.0f, 1.0f, 2.0f};
  std::vector<float> row(vocab);
  for (float &x : row) {
    x = normal(rng);
    switch (kind) {
    case RowKind::Ties:
      x = ties[rng() % 6];
      break;
    case RowKind::NegInf:
      x = unit(rng) < 0.4f ? -kInf : x;
      break;
    case RowKind::NaN:
      x = unit(rng) < 0.1f ? kNaN : x;
      break;
    case RowKind::AllNegInf:
      x = -kInf;
      break;
    case RowKind::NoNumber:
      x = rng() % 2 ? kNaN : -kInf;
      break;
    case RowKind::Huge:
      x = unit(rng) < 0.01f ? std::copysign(3.0e38f, x) : x * 5e3f;
      break;
    case RowKind::Tiny:
      x *= 1e-30f;
      break;
    default:
      break;
    }
  }
  if (kind == RowKind::Peaked)
    row[rng() % vocab] = 12.0f + *std::max_element(row.begin(), row.end());
  if (kind == RowKind::NegInf)
    row[rng() % vocab] = 1.0f; // at least one number
  return row;
}

void run(const Kernel &kernel, std::vector<float> &row) {
  F32Matrix m{row.data(), row.data(), 0, {1, static_cast<int64_t>(row.size())},
              {static_cast<int64_t>(row.size()), 1}};
  kernel(&m);
}

bool sameFloat(float a, float b) {
  uint32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return (std::isnan(a) && std::isnan(b)) || x == y;
}

//===----------------------------------------------------------------------===//
// The built-ins' definitions in dec are the built-ins, bit for bit
//===----------------------------------------------------------------------===//

struct Restated {
  std::string dec;     ///< the sampler step in dec
  std::string builtin; ///< the built-in op on %l
};

TEST(UserTransformsTest, BuiltinDefinitionsAreBitExact) {
  const std::vector<Restated> cases = {
      {"temperature_dec(0.7)", "%t = arith.constant 0.7 : f32\n"
                               "logits.temperature %l, %t : memref<?x?xf32>"},
      {"temperature_dec(1.9)", "%t = arith.constant 1.9 : f32\n"
                               "logits.temperature %l, %t : memref<?x?xf32>"},
      {"top_k_dec(1)", "%k = arith.constant 1 : i64\nlogits.top_k %l, %k : memref<?x?xf32>"},
      {"top_k_dec(5)", "%k = arith.constant 5 : i64\nlogits.top_k %l, %k : memref<?x?xf32>"},
      {"top_k_dec(40)", "%k = arith.constant 40 : i64\nlogits.top_k %l, %k : memref<?x?xf32>"},
      {"min_p_dec(0)", "%p = arith.constant 0.0 : f32\nlogits.min_p %l, %p : memref<?x?xf32>"},
      {"min_p_dec(0.05)", "%p = arith.constant 0.05 : f32\nlogits.min_p %l, %p : memref<?x?xf32>"},
      {"min_p_dec(0.5)", "%p = arith.constant 0.5 : f32\nlogits.min_p %l, %p : memref<?x?xf32>"},
      {"min_p_dec(1)", "%p = arith.constant 1.0 : f32\nlogits.min_p %l, %p : memref<?x?xf32>"},
  };
  int rows = 0;
  for (Pipeline pipeline : {Pipeline::Reference, Pipeline::Production}) {
    for (const Restated &c : cases) {
      std::unique_ptr<Kernel> user = userKernel(c.dec, pipeline);
      std::unique_ptr<Kernel> builtin = builtinKernel(c.builtin, pipeline);
      std::mt19937_64 rng(7);
      for (int64_t vocab : kVocabs)
        for (RowKind kind : kAllKinds) {
          std::vector<float> input = makeRow(vocab, kind, rng);
          std::vector<float> got = input, want = input;
          run(*user, got);
          run(*builtin, want);
          ++rows;
          for (int64_t v = 0; v < vocab; ++v)
            if (!sameFloat(got[v], want[v])) {
              ADD_FAILURE() << c.dec << " vs the built-in, vocab " << vocab << ", "
                            << kKindNames[int(kind)] << " row, token " << v << ": " << got[v]
                            << " vs " << want[v]
                            << (pipeline == Pipeline::Production ? " (production)" : "");
              break;
            }
        }
    }
  }
  std::printf("[ dec      ] %d rows compared bit for bit with the built-ins\n", rows);
}

//===----------------------------------------------------------------------===//
// Hugging Face's warpers, plainly (long double, sorts)
//===----------------------------------------------------------------------===//

using Real = long double;

struct Softmax {
  std::vector<Real> logp, p;
};
Softmax softmaxOf(const std::vector<float> &row) {
  Real max = -INFINITY;
  for (float x : row)
    max = std::max<Real>(max, x);
  Real sum = 0;
  for (float x : row)
    sum += std::exp(Real(x) - max);
  Softmax s;
  for (float x : row) {
    Real lp = Real(x) - max - std::log(sum);
    s.logp.push_back(lp);
    s.p.push_back(std::exp(lp));
  }
  return s;
}
Real entropyOf(const Softmax &s) {
  Real h = 0;
  for (size_t i = 0; i < s.p.size(); ++i)
    if (s.p[i] > 0)
      h -= s.p[i] * s.logp[i]; // nansum: 0 * -inf terms dropped
  return h;
}

/// What a reference decides for token v, and how far its deciding quantity is
/// from the threshold (relative), to tell rounding from a real disagreement.
struct Decision {
  std::vector<bool> keep;
  std::vector<Real> margin;
};

/// transformers.TypicalLogitsWarper, min_tokens_to_keep = 1.
Decision refTypical(const std::vector<float> &row, Real mass) {
  Softmax s = softmaxOf(row);
  Real ent = entropyOf(s);
  size_t n = row.size();
  std::vector<Real> shifted(n);
  for (size_t i = 0; i < n; ++i)
    shifted[i] = std::fabs(-s.logp[i] - ent);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return shifted[a] < shifted[b]; });
  Real cum = 0;
  size_t last = 0;
  Real closest = INFINITY; // how close a cumulative sum came to `mass`
  for (size_t j = 0; j < n; ++j) {
    cum += s.p[order[j]];
    closest = std::min(closest, std::fabs(cum - mass));
    if (cum < mass)
      ++last;
  }
  last = std::min(last, n - 1);
  Real cut = shifted[order[last]];
  Decision d;
  for (size_t i = 0; i < n; ++i) {
    d.keep.push_back(shifted[i] <= cut || i == order[0]);
    // Either the distance is within rounding of the cut, or the cut itself is
    // within rounding of moving (a cumulative sum within rounding of mass).
    Real m = std::fabs(shifted[i] - cut) / std::max<Real>(1, std::fabs(cut));
    d.margin.push_back(std::min(m, closest));
  }
  return d;
}

/// transformers.EpsilonLogitsWarper / EtaLogitsWarper (eta = true),
/// min_tokens_to_keep = 1.
Decision refEpsilonEta(const std::vector<float> &row, Real epsilon, bool eta) {
  Softmax s = softmaxOf(row);
  Real cutoff = epsilon;
  if (eta)
    cutoff = std::min(epsilon, std::sqrt(epsilon) * std::exp(-entropyOf(s)));
  float top = *std::max_element(row.begin(), row.end());
  Decision d;
  for (size_t i = 0; i < row.size(); ++i) {
    d.keep.push_back(s.p[i] >= cutoff || row[i] >= top);
    d.margin.push_back(std::fabs(s.p[i] - cutoff) / cutoff);
  }
  return d;
}

/// transformers.TopHLogitsWarper (top_n = 100).  Its topk's order of ties is
/// unspecified; dec orders ties by lowest id, as a stable sort does here.
Decision refTopH(const std::vector<float> &row, Real topH) {
  std::vector<size_t> order;
  for (size_t i = 0; i < row.size(); ++i)
    if (!std::isnan(row[i]))
      order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return row[a] > row[b]; });
  order.resize(std::min<size_t>(100, order.size()));
  // probs = softmax(top_logits); tau = top_h * entropy.
  Real max = row[order[0]], sum = 0;
  for (size_t i : order)
    sum += std::exp(Real(row[i]) - max);
  std::vector<Real> term;
  Real entropy = 0;
  for (size_t i : order) {
    Real logp = Real(row[i]) - max - std::log(sum);
    Real p = std::exp(logp);
    // HF's -probs * log(probs) is NaN where the f32 probability is 0.
    term.push_back(float(p) > 0 ? -p * logp : Real(NAN));
    if (float(p) > 0)
      entropy += term.back();
  }
  Real tau = topH * entropy;
  Decision d;
  d.keep.assign(row.size(), false);
  Real cumulative = 0, closest = INFINITY;
  for (size_t j = 0; j < order.size(); ++j) {
    cumulative += term[j]; // a NaN ends the prefix: NaN <= tau is false
    closest = std::min(closest, std::fabs(cumulative - tau) / std::max<Real>(tau, 1e-30L));
    d.keep[order[j]] = cumulative <= tau || j == 0;
  }
  d.margin.assign(row.size(), closest);
  return d;
}

/// Runs `sampler` on rows of the kinds HF is defined on and compares the
/// filtered sets with `reference`; a disagreement must be within `tolerance`
/// (relative) of the reference's threshold, and at most `maxTolerated` tokens
/// may disagree that way.
template <typename Reference>
void compareWithHF(const std::string &sampler, Reference reference, Real tolerance,
                   int maxTolerated = 5) {
  for (Pipeline pipeline : {Pipeline::Reference, Pipeline::Production}) {
    std::unique_ptr<Kernel> kernel = userKernel(sampler, pipeline);
    std::mt19937_64 rng(11);
    int rows = 0, tokens = 0, tolerated = 0;
    for (int64_t vocab : kVocabs)
      for (RowKind kind : kFiniteKinds)
        for (int rep = 0; rep < 3; ++rep) {
          std::vector<float> input = makeRow(vocab, kind, rng);
          std::vector<float> got = input;
          run(*kernel, got);
          Decision want = reference(input);
          ++rows;
          for (int64_t v = 0; v < vocab; ++v) {
            ++tokens;
            bool kept = got[v] != -kInf;
            if (input[v] == -kInf) {
              EXPECT_FALSE(kept) << sampler << ": a -inf logit came back";
              continue;
            }
            if (kept)
              EXPECT_TRUE(sameFloat(got[v], input[v])) << sampler << ": a kept logit changed";
            if (kept == want.keep[v])
              continue;
            ++tolerated;
            EXPECT_LT(want.margin[v], tolerance)
                << sampler << ", vocab " << vocab << ", " << kKindNames[int(kind)]
                << " row, token " << v << ": dec " << (kept ? "keeps" : "drops")
                << " it, Hugging Face does not (margin " << double(want.margin[v]) << ")"
                << (pipeline == Pipeline::Production ? " (production)" : "");
          }
        }
    std::printf("[ dec      ] %-22s %4d rows, %7d tokens, %d within rounding of the threshold%s\n",
                sampler.c_str(), rows, tokens, tolerated,
                pipeline == Pipeline::Production ? " (production)" : "");
    EXPECT_LE(tolerated, maxTolerated);
  }
}

TEST(UserTransformsTest, TypicalMatchesHuggingFace) {
  for (Real mass : {0.2L, 0.5L, 0.9L, 0.95L})
    compareWithHF("typical_dec(" + std::to_string(double(mass)) + ")",
                  [&](const std::vector<float> &row) { return refTypical(row, Real(float(mass))); },
                  1e-4L);
}

TEST(UserTransformsTest, EpsilonMatchesHuggingFace) {
  for (Real epsilon : {0.0003L, 0.01L, 0.2L})
    compareWithHF("epsilon_dec(" + std::to_string(double(epsilon)) + ")",
                  [&](const std::vector<float> &row) {
                    return refEpsilonEta(row, Real(float(epsilon)), false);
                  },
                  1e-4L);
}

TEST(UserTransformsTest, EtaMatchesHuggingFace) {
  for (Real epsilon : {0.0003L, 0.002L, 0.05L})
    compareWithHF("eta_dec(" + std::to_string(double(epsilon)) + ")",
                  [&](const std::vector<float> &row) {
                    return refEpsilonEta(row, Real(float(epsilon)), true);
                  },
                  1e-4L);
}

/// Rows of a few distinct values often put 100 equal logits in the top 100:
/// every entropy term is log(100)/100 and tau = top_h * log(100) falls exactly
/// on a step of the cumulative sum, where rounding decides a whole tie group
/// (a few tokens) at once; hence up to 10 tolerated tokens.
TEST(UserTransformsTest, TopHMatchesHuggingFace) {
  for (Real topH : {0.1L, 0.4L, 0.7L, 0.95L, 1.0L})
    compareWithHF("top_h_dec(" + std::to_string(double(topH)) + ")",
                  [&](const std::vector<float> &row) { return refTopH(row, Real(float(topH))); },
                  1e-4L, 10);
}

/// Rows HF is not defined on (NaN, no number) still give the documented
/// answer: NaN and -inf entries are never kept, and a row with a number keeps
/// at least one token: for epsilon and eta its most likely one (typical keeps
/// the most typical one, which need not be the most likely).
TEST(UserTransformsTest, SpecialRowsKeepTheTopToken) {
  for (const char *sampler :
       {"typical_dec(0.5)", "epsilon_dec(0.2)", "eta_dec(0.05)", "top_h_dec(0.4)"}) {
    std::unique_ptr<Kernel> kernel = userKernel(sampler, Pipeline::Reference);
    std::mt19937_64 rng(3);
    for (int64_t vocab : kVocabs)
      for (RowKind kind : kAllKinds) {
        std::vector<float> input = makeRow(vocab, kind, rng);
        std::vector<float> got = input;
        run(*kernel, got);
        float top = -kInf;
        for (float x : input)
          if (!std::isnan(x))
            top = std::max(top, x);
        bool hasTop = false, hasAny = false;
        for (int64_t v = 0; v < vocab; ++v) {
          if (std::isnan(input[v]) || input[v] == -kInf) {
            EXPECT_EQ(got[v], -kInf) << sampler << ", " << kKindNames[int(kind)] << " row, token "
                                     << v;
            continue;
          }
          hasTop |= input[v] == top && got[v] == top;
          hasAny |= got[v] == input[v];
        }
        if (top == -kInf)
          continue;
        EXPECT_TRUE(hasAny) << sampler << " dropped every token, vocab " << vocab << ", "
                            << kKindNames[int(kind)] << " row";
        if (std::string(sampler).rfind("typical", 0) != 0)
          EXPECT_TRUE(hasTop) << sampler << " dropped the most likely token, vocab " << vocab
                              << ", " << kKindNames[int(kind)] << " row";
      }
  }
}

} // namespace
