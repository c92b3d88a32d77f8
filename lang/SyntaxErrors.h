//===- SyntaxErrors.h - Turning ANTLR parse failures into dec diagnostics --------*- C++ -*-===//
//
// ANTLR's default error handling prints messages such as "mismatched input 'x' expecting
// {';', '|'}" to the console and repairs the input token by token.  The front end replaces
// it: the parser runs with ItemErrorStrategy, which aborts the current top-level item at the
// first error and records what was expected there; SyntaxErrorReporter then phrases that
// like a C compiler would ("expected ';' after declaration", "expected expression",
// "unexpected 'xyz'") and the parse driver resumes at the next item.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_SYNTAXERRORS_H
#define DEC_LANG_SYNTAXERRORS_H

#include "antlr4-runtime.h"

#include <vector>

namespace dec::lang {

class DiagnosticEngine;
class SourceText;

/// What the parser knew when it gave up.
struct SyntaxError {
  antlr4::Token *offending = nullptr; ///< the first token that does not fit
  antlr4::misc::IntervalSet expected; ///< token types that would have fit there
  std::vector<size_t> ruleStack;      ///< rule indices, innermost first
};

/// Thrown by ItemErrorStrategy to abandon the current item.  Deliberately not an
/// antlr4::RecognitionException, so the generated rules' catch blocks let it through.
struct SyntaxAbort {};

/// Aborts at the first error instead of repairing.  With `record` false it only aborts
/// (the fast SLL pass, whose failures are re-parsed in full LL mode before reporting).
class ItemErrorStrategy : public antlr4::DefaultErrorStrategy {
public:
  explicit ItemErrorStrategy(bool record) : record(record) {}

  void reportError(antlr4::Parser *parser, const antlr4::RecognitionException &e) override;
  void recover(antlr4::Parser *parser, std::exception_ptr e) override;
  antlr4::Token *recoverInline(antlr4::Parser *parser) override;
  void sync(antlr4::Parser *parser) override {}

  const SyntaxError &getError() const { return error; }

private:
  bool record;
  SyntaxError error;
};

/// Prints one diagnostic for a SyntaxError.  `itemStart` is the index of the first token
/// of the item being parsed (to find unclosed brackets).
void reportSyntaxError(const SyntaxError &error, antlr4::TokenStream &tokens, size_t itemStart,
                       const antlr4::dfa::Vocabulary &vocabulary, const SourceText &text,
                       DiagnosticEngine &diags);

/// True for tokens the lexer produces for malformed input; the front end reports those
/// before parsing, so a parse error at one is not reported again.
bool isMalformedToken(size_t tokenType);

} // namespace dec::lang

#endif // DEC_LANG_SYNTAXERRORS_H
