//===- BuiltinsConstraints.h - structured-output constraint built-ins -*- C++ -*-===//
//
// The built-ins of docs/language.md §7.4 that constrain the generated text with
// the runtime's constraint engine (runtime/constraint, docs/constraints.md):
//
//   regex(pattern)        json_schema(schema)      grammar(gbnf)
//   lark(grammar)         choice(strings...)       file(path)  (a string)
//
// and the schedule argument `enforce:` ("mask" or "rejection").
//
// Every spec is compiled once at compile time (for a byte-level vocabulary) so
// that what the engine refuses — an unsupported JSON Schema keyword, a
// lookahead in a regex, an undefined grammar rule — is a compile error at the
// call, with the engine's message (keyword and JSON pointer); the runtime
// compiles it again for the model's real vocabulary.
//
//===----------------------------------------------------------------------------===//

#ifndef DEC_LANG_BUILTINSCONSTRAINTS_H
#define DEC_LANG_BUILTINSCONSTRAINTS_H

#include "lang/Builtins.h"

namespace dec::lang {

/// Appends regex, json_schema, grammar, lark, choice and file to the table.
void appendConstraintBuiltins(std::vector<BuiltinFunction> &table);

/// Reads the schedule's `enforce:` argument into `call` (absent: mask). With
/// rejection, the call must have a structured constraint, and every transform
/// of its sampler must commute with the mask (so that rejection sampling gives
/// exactly the masked distribution). False after an error.
bool evaluateEnforcement(Sema &sema, const std::optional<Value> &enforce,
                         const Pipeline &sampler, ScheduleCall &call);

} // namespace dec::lang

#endif // DEC_LANG_BUILTINSCONSTRAINTS_H
