//===- Parser.h - Parsing one .dec source buffer into a Module -------------------*- C++ -*-===//
//
// The parse driver: validates the bytes (size, UTF-8), lexes with the generated ANTLR
// lexer, reports malformed tokens, bounds bracket nesting (ANTLR's recursive-descent
// parser and every later tree walk recurse once per level), then parses item by item:
// each item first with fast SLL prediction and, only if that fails, again with full LL
// prediction to get the precise error.  After a syntax error it resumes at the next
// top-level item, so one run reports one error per broken item.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_PARSER_H
#define DEC_LANG_PARSER_H

#include <cstddef>

namespace llvm {
class SourceMgr;
}

namespace dec::lang {

class DiagnosticEngine;
struct Module;

struct ParseLimits {
  /// Deepest nesting of (), [] and {} accepted.
  unsigned maxBracketDepth = 256;
  /// Largest source file accepted.
  size_t maxSourceBytes = 8u << 20;
};

/// Parses buffer `bufferId` of `sourceMgr` and appends its declarations to `module`.
/// Returns false when it reported any error; `module` then holds the items that parsed.
/// Never throws.
bool parseModule(llvm::SourceMgr &sourceMgr, unsigned bufferId, DiagnosticEngine &diags,
                 Module &module, const ParseLimits &limits = {});

} // namespace dec::lang

#endif // DEC_LANG_PARSER_H
