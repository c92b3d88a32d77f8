//===- ASTBuilder.h - ANTLR parse tree -> dec AST --------------------------------*- C++ -*-===//
//
// Converts the parse tree of one successfully parsed item into an AST declaration.  This
// is where literals get their values: string escapes are decoded, numbers converted, and
// problems reported at the exact character.  It also bounds the height of expression
// trees (operator chains are flat in the parse tree but nested in the AST), so that every
// later recursive walk over the AST has a known maximum depth.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_ASTBUILDER_H
#define DEC_LANG_ASTBUILDER_H

#include "lang/AST.h"
#include "lang/grammar/DecParser.h"

namespace dec::lang {

class DiagnosticEngine;
class SourceText;

class ASTBuilder {
public:
  /// Expression trees taller than this are rejected.
  static constexpr unsigned kMaxExprHeight = 1024;

  ASTBuilder(const SourceText &text, DiagnosticEngine &diags) : text(text), diags(diags) {}

  /// Returns null if the item could not be built; errors have been reported.
  DeclPtr buildItem(grammar::DecParser::ItemContext *item);

private:
  using P = grammar::DecParser;

  DeclPtr buildImport(P::ImportDeclContext *ctx);
  DeclPtr buildValueDecl(Decl::Kind kind, antlr4::ParserRuleContext *ctx,
                         antlr4::tree::TerminalNode *name, P::ParamListContext *params,
                         P::ExprContext *init);
  DeclPtr buildDecode(P::DecodeDeclContext *ctx);
  DeclPtr buildTransform(P::TransformDeclContext *ctx); // TransformASTBuilder.cpp
  bool buildParams(P::ParamListContext *ctx, std::vector<ParamDecl> &params);
  std::optional<TypeRef> buildType(P::TypeRefContext *ctx);
  StmtPtr buildStmt(P::StmtContext *ctx);

  /// Expression builders return null on error and set `height` to the subtree height.
  ExprPtr buildExpr(antlr4::ParserRuleContext *ctx, unsigned &height);
  ExprPtr buildBinaryChain(antlr4::ParserRuleContext *ctx, unsigned &height);
  ExprPtr buildUnary(P::UnaryExprContext *ctx, unsigned &height);
  ExprPtr buildPostfix(P::PostfixExprContext *ctx, unsigned &height);
  ExprPtr buildPrimary(P::PrimaryContext *ctx, unsigned &height);
  bool buildArgs(P::ArgListContext *ctx, std::vector<Argument> &args, unsigned &height);
  ExprPtr buildTopExpr(P::ExprContext *ctx);
  bool checkHeight(unsigned height, llvm::SMRange range);

  ExprPtr buildString(antlr4::tree::TerminalNode *token);

  llvm::SMRange rangeOf(antlr4::ParserRuleContext *ctx) const;
  llvm::SMRange rangeOf(antlr4::tree::TerminalNode *node) const;
  std::string textOf(antlr4::tree::TerminalNode *node) const;
  /// Reports a parse tree that does not have the shape the grammar promises.
  std::nullptr_t malformed(antlr4::ParserRuleContext *ctx);

  const SourceText &text;
  DiagnosticEngine &diags;
  bool reportedHeight = false;
};

} // namespace dec::lang

#endif // DEC_LANG_ASTBUILDER_H
