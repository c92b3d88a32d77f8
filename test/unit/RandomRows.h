//===- RandomRows.h - logits rows of every kind, and chi-square -*- C++ -*-===//
//
// Test data shared by the logits unit tests: random rows of the kinds that
// stress a sampler (ties, -inf, NaN, +inf, huge and tiny values), and
// Pearson's chi-square goodness of fit without external libraries.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_TEST_UNIT_RANDOMROWS_H
#define DEC_TEST_UNIT_RANDOMROWS_H

#include "test/unit/KernelJit.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace dec::test {

enum class RowKind {
  Normal,    // N(0, 2)
  Ties,      // few distinct values (including -0.0 and +0.0): many exact ties
  NegInf,    // normal with ~40% -inf
  AllNegInf, // every entry -inf
  NaN,       // normal with ~10% NaN (and one in front of every number)
  NoNumber,  // only NaN and -inf
  Huge,      // N(0, 1e4), some entries near +-FLT_MAX
  Tiny,      // N(0, 1e-30): differences far below one ulp of 1 (and subnormals)
  Peaked,    // normal with one logit 12 above the rest
  PosInf,    // normal with one +inf (it takes all the mass) and a NaN
};

const char *kindName(RowKind kind);

/// Fills `row[0, vocab)` with a random row of `kind`.
void fillRow(float *row, int64_t vocab, RowKind kind, std::mt19937_64 &rng);

/// The vocabulary sizes the tests sweep: tiny, around a vector width, and real.
extern const std::vector<int64_t> kVocabs;

/// A [batch, vocab] matrix whose row b is of kind kinds[b].
struct Logits {
  int64_t batch = 0, vocab = 0;
  std::vector<float> data;
  std::vector<RowKind> kinds;

  float *row(int64_t b) { return data.data() + b * vocab; }
  const float *row(int64_t b) const { return data.data() + b * vocab; }
  F32Matrix ref() { return matrixRef(data, batch, vocab); }
  std::string describe(int64_t b) const;
};

Logits makeLogits(int64_t vocab, std::vector<RowKind> kinds, std::mt19937_64 &rng);

/// Per vocabulary size: one single-row matrix per row kind (the first
/// `numKinds` kinds), and three-row matrices that together hold every kind
/// (rows of different kinds share a call, so a kernel that leaks state between
/// rows shows up).
std::vector<Logits> logitsCases(int64_t vocab, uint64_t seed, int numKinds);

/// Regularized upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a).
double gammaQ(double a, double x);

/// P(X >= stat) for X ~ chi-square with `df` degrees of freedom.
double chiSquarePValue(double stat, int df);

/// Pearson's test of `counts` against `probs`; categories expected fewer
/// than 5 times are pooled into one. Returns the p-value.
double goodnessOfFit(const std::vector<int> &counts, const std::vector<long double> &probs);

} // namespace dec::test

#endif // DEC_TEST_UNIT_RANDOMROWS_H
