//===- ConstraintState.h - a sequence's structured constraint ---*- C++ -*-===//
//
// Follows one sequence through a compiled constraint (regex, JSON Schema,
// grammar, choice) in one of the two enforcement modes of docs/language.md:
//
//   mask       every step, the allowed-token bitset (Matcher::fillMask) is
//              ANDed into the mask the compiled program applies to the logits
//              before its sampler;
//   rejection  the program samples from the unmasked logits and asks check()
//              about the one token it drew; on a rejection the token is set
//              to -inf in a pristine copy of the step's logits, the copy is
//              restored into the logits buffer and the program samples again.
//              Every rejected token is removed for the rest of the step, so
//              this is sampling without replacement until the first allowed
//              token: exactly the masked distribution when the sampler's
//              transforms commute with the mask (Sema checks that).
//
// It also counts what each mode costs (mask fills, single-token checks).
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CORE_CONSTRAINTSTATE_H
#define DEC_RUNTIME_CORE_CONSTRAINTSTATE_H

#include "runtime/constraint/Matcher.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dec::rt {

class ConstraintState {
public:
  ConstraintState(std::shared_ptr<const cons::Constraint> constraint, bool rejection);

  bool rejection() const { return rejection_; }

  /// New next-token logits arrived (prompt or forward): in rejection mode,
  /// keep a pristine copy to restore after a rejection.
  void onLogits(const std::vector<float> &logits);

  /// ANDs the allowed next tokens into `words` (ceil(V/32) words).
  void restrictMask(uint32_t *words, size_t numWords);

  /// Rejection mode: whether `token` may come next. When it may not, it is
  /// removed (-inf) from the pristine logits, which are copied into `logits`.
  bool check(int32_t token, std::vector<float> &logits);

  /// Commits `token`; false when the constraint does not allow it.
  bool advance(int32_t token);

  /// Whether the text so far is a complete match (or ended with EOS as one).
  bool isAccepting() { return matcher.isFinished() || matcher.isAccepting(); }

  uint64_t maskFills = 0, tokenChecks = 0, rejections = 0;

private:
  cons::Matcher matcher;
  bool rejection_;
  std::vector<float> pristine;
  std::vector<uint32_t> scratch;
};

} // namespace dec::rt

#endif // DEC_RUNTIME_CORE_CONSTRAINTSTATE_H
