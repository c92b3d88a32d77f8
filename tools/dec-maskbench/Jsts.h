//===- Jsts.h - The JSON Schema Test Suite as a conformance test -*- C++ -*-===//
#ifndef DEC_TOOLS_MASKBENCH_JSTS_H
#define DEC_TOOLS_MASKBENCH_JSTS_H

#include "runtime/constraint/Constraint.h"

#include <memory>
#include <string>

namespace dec::maskbench {

/// Runs every case of every *.json file in `dir` (JSON Schema Test Suite
/// layout) through the MaskBench protocol and compares the failures with the
/// known-failures file (empty path: none). Prints a summary and returns the
/// process exit status: 0 when the failures are exactly the listed ones.
/// With `update`, rewrites the known-failures file instead (refusing to list
/// an accepted invalid instance).
int runJsts(const std::string &dir, const std::string &knownFailures, bool update,
            std::shared_ptr<const cons::Vocabulary> vocab, cons::JsonWhitespace whitespace);

} // namespace dec::maskbench

#endif // DEC_TOOLS_MASKBENCH_JSTS_H
