//===- TransformASTBuilder.cpp - `transform` items: parse tree -> AST ----------------===//

#include "lang/ASTBuilder.h"
#include "lang/TransformAST.h"

using namespace dec::lang;
using dec::lang::grammar::DecParser;

DeclPtr ASTBuilder::buildTransform(DecParser::TransformDeclContext *ctx) {
  DecParser::BlockContext *block = ctx->block();
  std::vector<DecParser::ParamListContext *> lists = ctx->paramList();
  if (!ctx->IDENT() || lists.empty() || lists.size() > 2 || !ctx->typeRef() || !block)
    return malformed(ctx);
  // One list: the run-time parameters; two: compile-time, then run-time.
  bool hasParamList = lists.size() == 2;
  std::vector<ParamDecl> params, runtimeParams;
  bool ok = true;
  if (hasParamList && !buildParams(lists.front(), params))
    ok = false;
  if (!buildParams(lists.back(), runtimeParams))
    ok = false;
  std::optional<TypeRef> resultType = buildType(ctx->typeRef());
  if (!resultType)
    ok = false;
  std::vector<StmtPtr> body;
  for (DecParser::StmtContext *stmtCtx : block->stmt()) {
    if (StmtPtr stmt = buildStmt(stmtCtx))
      body.push_back(std::move(stmt));
    else
      ok = false;
  }
  if (!ok)
    return nullptr;
  return std::make_unique<TransformDecl>(
      rangeOf(ctx), textOf(ctx->IDENT()), rangeOf(ctx->IDENT()), hasParamList, std::move(params),
      std::move(runtimeParams), rangeOf(lists.back()), std::move(*resultType), std::move(body),
      rangeOf(block));
}
