//===- Sema.h - Semantic analysis: AST -> ProgramPlan ----------------------------*- C++ -*-===//
//
// Sema resolves names across all loaded modules, evaluates the compile-time part of the
// program (models, samplers, constraints, parametrised declarations) and checks each
// decode entry, producing the ProgramPlan that MLIRGen lowers.  Everything it cannot
// compile in this version it rejects with an error; nothing is silently ignored.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_SEMA_H
#define DEC_LANG_SEMA_H

#include "lang/Plan.h"

#include "llvm/ADT/ArrayRef.h"

#include <memory>
#include <optional>

namespace dec::lang {

class DiagnosticEngine;
struct Module;

/// Returns the plan, or nullopt when an error was reported.
std::optional<ProgramPlan> analyze(llvm::ArrayRef<std::unique_ptr<Module>> modules,
                                   DiagnosticEngine &diags);

} // namespace dec::lang

#endif // DEC_LANG_SEMA_H
