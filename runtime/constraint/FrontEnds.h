//===- FrontEnds.h - Spec languages compiled into a builder -----*- C++ -*-===//
//
// Each front end parses its input and adds the symbols for it to a
// ConstraintBuilder, returning the symbol of the whole spec. Errors name the
// construct and where it is (a JSON pointer, a line and column).
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_FRONTENDS_H
#define DEC_RUNTIME_CONSTRAINT_FRONTENDS_H

#include "runtime/constraint/Constraint.h"

#include <string>
#include <string_view>

namespace dec::cons {

/// JSON Schema (draft 2020-12, with the older drafts' spellings of the same
/// keywords); see JsonSchema*.cpp and docs/constraints.md.
bool compileJsonSchema(ConstraintBuilder &b, std::string_view schemaJson, Symbol &out, std::string &error);
/// llama.cpp's GBNF.
bool compileGbnf(ConstraintBuilder &b, std::string_view text, Symbol &out, std::string &error);
/// A Lark-like grammar (lexer-based: terminals are regexes).
bool compileLark(ConstraintBuilder &b, std::string_view text, Symbol &out, std::string &error);

/// The symbol for a regex: a lexeme, or an alternation with the empty
/// string when the regex matches it (lexemes never match "").
Symbol regexSymbol(ConstraintBuilder &b, RegexId r);

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_FRONTENDS_H
