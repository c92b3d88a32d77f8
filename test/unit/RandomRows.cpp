//===- RandomRows.cpp - logits rows of every kind, and chi-square ---------===//

#include "test/unit/RandomRows.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace dec::test;

namespace {
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
} // namespace

const std::vector<int64_t> dec::test::kVocabs = {1, 2, 31, 32, 33, 1000, 4096, 128256};

std::string Logits::describe(int64_t b) const {
  return "vocab " + std::to_string(vocab) + ", batch " + std::to_string(batch) + ", row " +
         std::to_string(b) + " (" + kindName(kinds[b]) + ")";
}

Logits dec::test::makeLogits(int64_t vocab, std::vector<RowKind> kinds, std::mt19937_64 &rng) {
  Logits l;
  l.batch = static_cast<int64_t>(kinds.size());
  l.vocab = vocab;
  l.kinds = std::move(kinds);
  l.data.resize(l.batch * vocab);
  for (int64_t b = 0; b < l.batch; ++b)
    fillRow(l.row(b), vocab, l.kinds[b], rng);
  return l;
}

std::vector<Logits> dec::test::logitsCases(int64_t vocab, uint64_t seed, int numKinds) {
  std::mt19937_64 rng(seed * 1000003u + vocab);
  std::vector<Logits> cases;
  for (int k = 0; k < numKinds; ++k)
    cases.push_back(makeLogits(vocab, {static_cast<RowKind>(k)}, rng));
  for (int k = 0; k < numKinds; k += 3)
    cases.push_back(makeLogits(vocab, {static_cast<RowKind>(k),
                                       static_cast<RowKind>((k + 1) % numKinds),
                                       static_cast<RowKind>((k + 2) % numKinds)},
                               rng));
  return cases;
}

const char *dec::test::kindName(RowKind kind) {
  static const char *names[] = {"normal", "ties", "neg-inf", "all-neg-inf", "nan",
                                "no-number", "huge", "tiny", "peaked", "pos-inf"};
  return names[static_cast<int>(kind)];
}

void dec::test::fillRow(float *row, int64_t vocab, RowKind kind, std::mt19937_64 &rng) {
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  static const float tieValues[] = {-2.0f, -1.0f, -0.0f, 0.0f, 1.0f, 2.0f};
  for (int64_t v = 0; v < vocab; ++v) {
    float x = normal(rng);
    switch (kind) {
    case RowKind::Normal:
    case RowKind::Peaked:
    case RowKind::PosInf:
      break;
    case RowKind::Ties:
      x = tieValues[rng() % 6];
      break;
    case RowKind::NegInf:
      x = unit(rng) < 0.4f ? -kInf : x;
      break;
    case RowKind::AllNegInf:
      x = -kInf;
      break;
    case RowKind::NaN:
      x = unit(rng) < 0.1f ? kNaN : x;
      break;
    case RowKind::NoNumber:
      x = rng() % 2 ? kNaN : -kInf;
      break;
    case RowKind::Huge:
      x = unit(rng) < 0.01f ? std::copysign(3.0e38f, x) : x * 5e3f;
      break;
    case RowKind::Tiny:
      x = x * (unit(rng) < 0.1f ? 1e-39f : 1e-30f);
      break;
    }
    row[v] = x;
  }
  if (kind == RowKind::Peaked && vocab > 0)
    row[rng() % vocab] = 12.0f + *std::max_element(row, row + vocab);
  if (kind == RowKind::NaN && vocab > 1)
    row[0] = kNaN; // NaN in front of every number: stresses "first maximum".
  if (kind == RowKind::PosInf && vocab > 2) {
    row[1] = kInf; // the maximum of the row takes all the mass
    row[2] = kNaN;
  }
}

/// Regularized upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a):
/// series for x < a + 1, Lentz's continued fraction otherwise (Numerical
/// Recipes, 6.2).
double dec::test::gammaQ(double a, double x) {
  if (x <= 0)
    return 1.0;
  double logPrefix = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 1000 && std::fabs(term) > std::fabs(sum) * 1e-16; ++n) {
      term *= x / (a + n);
      sum += term;
    }
    return 1.0 - sum * std::exp(logPrefix);
  }
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    d = std::fabs(d) < tiny ? tiny : d;
    c = b + an / c;
    c = std::fabs(c) < tiny ? tiny : c;
    d = 1 / d;
    double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-16)
      break;
  }
  return std::exp(logPrefix) * h;
}

/// P(X >= stat) for X ~ chi-square with `df` degrees of freedom.
double dec::test::chiSquarePValue(double stat, int df) { return gammaQ(df / 2.0, stat / 2.0); }

/// Pearson's test of `counts` against `probs`; categories expected fewer
/// than 5 times are pooled into one.
double dec::test::goodnessOfFit(const std::vector<int> &counts, const std::vector<long double> &probs) {
  int n = 0;
  for (int c : counts)
    n += c;
  double stat = 0, pooledExpected = 0, pooledObserved = 0;
  int categories = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    double expected = double(probs[i]) * n;
    if (expected < 5) {
      pooledExpected += expected;
      pooledObserved += counts[i];
      continue;
    }
    stat += (counts[i] - expected) * (counts[i] - expected) / expected;
    ++categories;
  }
  if (pooledExpected > 0) {
    stat += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected;
    ++categories;
  }
  return chiSquarePValue(stat, categories - 1);
}
