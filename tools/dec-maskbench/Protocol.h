//===- Protocol.h - One instance through a constraint, MaskBench style -*- C++ -*-===//
//
// The per-instance step of the MaskBench protocol, shared by the MaskBench
// run and the JSON Schema Test Suite run: tokenize the serialised instance
// (no special tokens), and for each token compute the full mask and commit
// the token (one TBM sample each), stopping at the first token the mask
// excludes; after the last token one more mask says whether EOS is allowed.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_TOOLS_MASKBENCH_PROTOCOL_H
#define DEC_TOOLS_MASKBENCH_PROTOCOL_H

#include "runtime/constraint/Constraint.h"

#include <memory>
#include <string>
#include <vector>

namespace dec::maskbench {

struct InstanceResult {
  bool rejected = false;     ///< a token was excluded, or EOS was not allowed at the end
  bool inconsistent = false; ///< the mask allowed a token that advance() refused
  std::string where;         ///< where it was rejected, for messages
};

InstanceResult runInstance(const std::shared_ptr<const cons::Constraint> &constraint, const std::string &instance,
                           std::vector<float> *tbmUs);

std::string snippet(const std::string &s, size_t max = 80);

} // namespace dec::maskbench

#endif // DEC_TOOLS_MASKBENCH_PROTOCOL_H
