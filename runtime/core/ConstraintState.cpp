//===- ConstraintState.cpp - a sequence's structured constraint -----------===//

#include "runtime/core/ConstraintState.h"

#include <algorithm>
#include <limits>

using namespace dec;
using namespace dec::rt;

ConstraintState::ConstraintState(std::shared_ptr<const cons::Constraint> constraint,
                                 bool rejection)
    : matcher(std::move(constraint)), rejection_(rejection) {}

void ConstraintState::onLogits(const std::vector<float> &logits) {
  if (rejection_)
    pristine = logits;
}

void ConstraintState::restrictMask(uint32_t *words, size_t numWords) {
  size_t own = matcher.constraint().vocabulary().maskWords();
  scratch.assign(std::max(own, numWords), 0);
  matcher.fillMask(scratch.data());
  ++maskFills;
  // Logits beyond the constraint's vocabulary (padding ids) are never allowed.
  for (size_t w = 0; w < numWords; ++w)
    words[w] &= scratch[w];
}

bool ConstraintState::check(int32_t token, std::vector<float> &logits) {
  ++tokenChecks;
  if (matcher.accepts(token))
    return true;
  ++rejections;
  if (token >= 0 && static_cast<size_t>(token) < pristine.size())
    pristine[token] = -std::numeric_limits<float>::infinity();
  // In place: the compiled program holds a pointer to the buffer.
  std::copy(pristine.begin(), pristine.begin() + std::min(pristine.size(), logits.size()),
            logits.begin());
  return false;
}

bool ConstraintState::advance(int32_t token) { return matcher.advance(token); }
