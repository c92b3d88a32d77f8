//===- ASTBuilder.cpp - ANTLR parse tree -> dec AST ----------------------------------===//

#include "lang/ASTBuilder.h"

#include "lang/Diagnostics.h"
#include "lang/Literals.h"
#include "lang/SourceText.h"

using namespace dec::lang;
using dec::lang::grammar::DecParser;

//===------------------------------------------------------------------------------------===//
// Positions
//===------------------------------------------------------------------------------------===//

llvm::SMRange ASTBuilder::rangeOf(antlr4::ParserRuleContext *ctx) const {
  if (!ctx || !ctx->start)
    return {};
  llvm::SMLoc begin = text.start(ctx->start);
  llvm::SMLoc end = ctx->stop ? text.end(ctx->stop) : begin;
  if (end.getPointer() < begin.getPointer())
    end = begin;
  return {begin, end};
}

llvm::SMRange ASTBuilder::rangeOf(antlr4::tree::TerminalNode *node) const {
  return node ? text.range(node->getSymbol()) : llvm::SMRange();
}

std::string ASTBuilder::textOf(antlr4::tree::TerminalNode *node) const {
  return node ? text.text(node->getSymbol()).str() : std::string();
}

std::nullptr_t ASTBuilder::malformed(antlr4::ParserRuleContext *ctx) {
  diags.error(rangeOf(ctx), "internal error: unexpected parse tree shape");
  return nullptr;
}

//===------------------------------------------------------------------------------------===//
// Declarations
//===------------------------------------------------------------------------------------===//

DeclPtr ASTBuilder::buildItem(DecParser::ItemContext *item) {
  if (!item)
    return nullptr;
  if (auto *ctx = item->importDecl())
    return buildImport(ctx);
  if (auto *ctx = item->modelDecl())
    return buildValueDecl(Decl::Kind::Model, ctx, ctx->IDENT(), nullptr, ctx->expr());
  if (auto *ctx = item->samplerDecl())
    return buildValueDecl(Decl::Kind::Sampler, ctx, ctx->IDENT(), ctx->paramList(), ctx->expr());
  if (auto *ctx = item->constraintDecl())
    return buildValueDecl(Decl::Kind::Constraint, ctx, ctx->IDENT(), ctx->paramList(), ctx->expr());
  if (auto *ctx = item->decodeDecl())
    return buildDecode(ctx);
  if (auto *ctx = item->transformDecl())
    return buildTransform(ctx);
  return malformed(item);
}

DeclPtr ASTBuilder::buildImport(DecParser::ImportDeclContext *ctx) {
  DecParser::ModulePathContext *path = ctx->modulePath();
  if (!path)
    return malformed(ctx);
  std::vector<std::string> segments;
  for (DecParser::WordContext *segment : path->word())
    segments.push_back(text.text(segment->start).str());
  if (segments.empty())
    return malformed(ctx);
  return std::make_unique<ImportDecl>(rangeOf(ctx), std::move(segments), rangeOf(path));
}

DeclPtr ASTBuilder::buildValueDecl(Decl::Kind kind, antlr4::ParserRuleContext *ctx,
                                   antlr4::tree::TerminalNode *name,
                                   DecParser::ParamListContext *paramList,
                                   DecParser::ExprContext *initCtx) {
  if (!name || !initCtx)
    return malformed(ctx);
  std::vector<ParamDecl> params;
  if (paramList && !buildParams(paramList, params))
    return nullptr;
  ExprPtr init = buildTopExpr(initCtx);
  if (!init)
    return nullptr;
  llvm::SMRange range = rangeOf(ctx), nameRange = rangeOf(name);
  switch (kind) {
  case Decl::Kind::Model:
    return std::make_unique<ModelDecl>(range, textOf(name), nameRange, std::move(init));
  case Decl::Kind::Sampler:
    return std::make_unique<SamplerDecl>(range, textOf(name), nameRange, paramList != nullptr,
                                         std::move(params), std::move(init));
  case Decl::Kind::Constraint:
    return std::make_unique<ConstraintDecl>(range, textOf(name), nameRange, paramList != nullptr,
                                            std::move(params), std::move(init));
  default:
    return malformed(ctx);
  }
}

DeclPtr ASTBuilder::buildDecode(DecParser::DecodeDeclContext *ctx) {
  DecParser::BlockContext *block = ctx->block();
  if (!ctx->IDENT() || !ctx->paramList() || !ctx->typeRef() || !block)
    return malformed(ctx);
  std::vector<ParamDecl> params;
  if (!buildParams(ctx->paramList(), params))
    return nullptr;
  std::optional<TypeRef> resultType = buildType(ctx->typeRef());
  if (!resultType)
    return nullptr;
  std::vector<StmtPtr> body;
  bool ok = true;
  for (DecParser::StmtContext *stmtCtx : block->stmt()) {
    if (StmtPtr stmt = buildStmt(stmtCtx))
      body.push_back(std::move(stmt));
    else
      ok = false;
  }
  if (!ok)
    return nullptr;
  return std::make_unique<DecodeDecl>(rangeOf(ctx), textOf(ctx->IDENT()), rangeOf(ctx->IDENT()),
                                      std::move(params), std::move(*resultType), std::move(body),
                                      rangeOf(block));
}

bool ASTBuilder::buildParams(DecParser::ParamListContext *ctx, std::vector<ParamDecl> &params) {
  bool ok = true;
  for (DecParser::ParamContext *paramCtx : ctx->param()) {
    if (!paramCtx->IDENT() || !paramCtx->typeRef()) {
      malformed(paramCtx);
      ok = false;
      continue;
    }
    ParamDecl param;
    param.name = textOf(paramCtx->IDENT());
    param.nameRange = rangeOf(paramCtx->IDENT());
    std::optional<TypeRef> type = buildType(paramCtx->typeRef());
    if (!type) {
      ok = false;
      continue;
    }
    param.type = std::move(*type);
    if (DecParser::ExprContext *defaultCtx = paramCtx->expr()) {
      param.defaultValue = buildTopExpr(defaultCtx);
      if (!param.defaultValue) {
        ok = false;
        continue;
      }
    }
    params.push_back(std::move(param));
  }
  return ok;
}

std::optional<TypeRef> ASTBuilder::buildType(DecParser::TypeRefContext *ctx) {
  DecParser::WordContext *name = ctx->word();
  if (!name || !name->start) {
    malformed(ctx);
    return std::nullopt;
  }
  TypeRef type;
  type.name = text.text(name->start).str();
  type.range = rangeOf(ctx);
  if (name->RESERVED() && type.name != "transform") {
    diags.error(rangeOf(name), "'" + type.name + "' is reserved for a future version of dec");
    return std::nullopt;
  }
  bool ok = true;
  for (DecParser::TypeDimContext *dimCtx : ctx->typeDim()) {
    TypeRef::Dim dim;
    dim.range = rangeOf(dimCtx);
    if (dimCtx->IDENT()) {
      dim.symbol = textOf(dimCtx->IDENT());
    } else if (dimCtx->INT()) {
      if (!parseIntegerLiteral(textOf(dimCtx->INT()), dim.size)) {
        diags.error(dim.range, "dimension '" + textOf(dimCtx->INT()) + "' is too large");
        ok = false;
      }
    }
    type.shape.push_back(std::move(dim));
  }
  if (!ok)
    return std::nullopt;
  return type;
}

//===------------------------------------------------------------------------------------===//
// Statements
//===------------------------------------------------------------------------------------===//

StmtPtr ASTBuilder::buildStmt(DecParser::StmtContext *ctx) {
  if (auto *let = ctx->letStmt()) {
    if (!let->IDENT() || !let->expr())
      return malformed(let);
    std::optional<TypeRef> type;
    if (let->typeRef()) {
      type = buildType(let->typeRef());
      if (!type)
        return nullptr;
    }
    ExprPtr init = buildTopExpr(let->expr());
    if (!init)
      return nullptr;
    return std::make_unique<LetStmt>(rangeOf(let), textOf(let->IDENT()), rangeOf(let->IDENT()),
                                     std::move(type), std::move(init));
  }
  if (auto *ret = ctx->returnStmt()) {
    if (!ret->expr())
      return malformed(ret);
    ExprPtr value = buildTopExpr(ret->expr());
    if (!value)
      return nullptr;
    return std::make_unique<ReturnStmt>(rangeOf(ret), std::move(value));
  }
  if (auto *exprStmt = ctx->exprStmt()) {
    if (!exprStmt->expr())
      return malformed(exprStmt);
    ExprPtr expr = buildTopExpr(exprStmt->expr());
    if (!expr)
      return nullptr;
    return std::make_unique<ExprStmt>(rangeOf(exprStmt), std::move(expr));
  }
  return malformed(ctx);
}

//===------------------------------------------------------------------------------------===//
// Expressions
//===------------------------------------------------------------------------------------===//

ExprPtr ASTBuilder::buildTopExpr(DecParser::ExprContext *ctx) {
  unsigned height = 0;
  return buildExpr(ctx, height);
}

bool ASTBuilder::checkHeight(unsigned height, llvm::SMRange range) {
  if (height <= kMaxExprHeight)
    return true;
  if (!reportedHeight) // once per item: the enclosing expressions are too deep as well
    diags.error(range, "expression is nested too deeply (the limit is " +
                           std::to_string(kMaxExprHeight) + " levels)");
  reportedHeight = true;
  return false;
}

static std::optional<BinaryOp> binaryOpFor(size_t tokenType) {
  using L = DecParser;
  switch (tokenType) {
  case L::OROR:
    return BinaryOp::Or;
  case L::ANDAND:
    return BinaryOp::And;
  case L::PIPE:
    return BinaryOp::Pipe;
  case L::AMP:
    return BinaryOp::Conj;
  case L::EQ:
    return BinaryOp::Eq;
  case L::NE:
    return BinaryOp::Ne;
  case L::LT:
    return BinaryOp::Lt;
  case L::LE:
    return BinaryOp::Le;
  case L::GT:
    return BinaryOp::Gt;
  case L::GE:
    return BinaryOp::Ge;
  case L::PLUS:
    return BinaryOp::Add;
  case L::MINUS:
    return BinaryOp::Sub;
  case L::STAR:
    return BinaryOp::Mul;
  case L::SLASH:
    return BinaryOp::Div;
  case L::PERCENT:
    return BinaryOp::Rem;
  default:
    return std::nullopt;
  }
}

/// Skips the contexts that only wrap one child (`expr`, a binary level without operators,
/// `unaryExpr` without prefix operators, `postfixExpr` without postfix operators).  Most
/// contexts are such wrappers; skipping them in a loop keeps the builder's recursion at
/// one level per bracket instead of a dozen.
static antlr4::ParserRuleContext *skipWrappers(antlr4::ParserRuleContext *ctx) {
  while (ctx) {
    switch (ctx->getRuleIndex()) {
    case DecParser::RuleExpr:
    case DecParser::RuleOrExpr:
    case DecParser::RuleAndExpr:
    case DecParser::RulePipeExpr:
    case DecParser::RuleConjExpr:
    case DecParser::RuleEqExpr:
    case DecParser::RuleRelExpr:
    case DecParser::RuleAddExpr:
    case DecParser::RuleMulExpr:
    case DecParser::RuleUnaryExpr:
    case DecParser::RulePostfixExpr:
      if (ctx->children.size() != 1)
        return ctx;
      ctx = dynamic_cast<antlr4::ParserRuleContext *>(ctx->children[0]);
      break;
    default:
      return ctx;
    }
  }
  return ctx;
}

ExprPtr ASTBuilder::buildExpr(antlr4::ParserRuleContext *ctx, unsigned &height) {
  ctx = skipWrappers(ctx);
  if (!ctx)
    return nullptr;
  switch (ctx->getRuleIndex()) {
  case DecParser::RuleExpr: {
    auto *expr = static_cast<DecParser::ExprContext *>(ctx);
    if (!expr->orExpr())
      return malformed(ctx);
    return buildExpr(expr->orExpr(), height);
  }
  case DecParser::RuleOrExpr:
  case DecParser::RuleAndExpr:
  case DecParser::RulePipeExpr:
  case DecParser::RuleConjExpr:
  case DecParser::RuleEqExpr:
  case DecParser::RuleRelExpr:
  case DecParser::RuleAddExpr:
  case DecParser::RuleMulExpr:
    return buildBinaryChain(ctx, height);
  case DecParser::RuleUnaryExpr:
    return buildUnary(static_cast<DecParser::UnaryExprContext *>(ctx), height);
  case DecParser::RulePostfixExpr:
    return buildPostfix(static_cast<DecParser::PostfixExprContext *>(ctx), height);
  case DecParser::RulePrimary:
    return buildPrimary(static_cast<DecParser::PrimaryContext *>(ctx), height);
  default:
    return malformed(ctx);
  }
}

/// `operand (op operand)*`, left-associative.  The children alternate between operand
/// contexts and operator tokens.
ExprPtr ASTBuilder::buildBinaryChain(antlr4::ParserRuleContext *ctx, unsigned &height) {
  const auto &children = ctx->children;
  if (children.empty() || children.size() % 2 == 0)
    return malformed(ctx);
  auto *first = dynamic_cast<antlr4::ParserRuleContext *>(children[0]);
  ExprPtr result = buildExpr(first, height);
  if (!result)
    return nullptr;
  for (size_t i = 1; i + 1 < children.size(); i += 2) {
    auto *opNode = dynamic_cast<antlr4::tree::TerminalNode *>(children[i]);
    auto *operandCtx = dynamic_cast<antlr4::ParserRuleContext *>(children[i + 1]);
    std::optional<BinaryOp> op =
        opNode ? binaryOpFor(opNode->getSymbol()->getType()) : std::nullopt;
    if (!op || !operandCtx)
      return malformed(ctx);
    unsigned rhsHeight = 0;
    ExprPtr rhs = buildExpr(operandCtx, rhsHeight);
    if (!rhs)
      return nullptr;
    height = std::max(height, rhsHeight) + 1;
    result = std::make_unique<BinaryExpr>(rangeOf(opNode), *op, std::move(result), std::move(rhs));
    if (!checkHeight(height, result->getRange()))
      return nullptr;
  }
  return result;
}

/// `(- | !)* postfix`: the operators apply right to left.
ExprPtr ASTBuilder::buildUnary(DecParser::UnaryExprContext *ctx, unsigned &height) {
  const auto &children = ctx->children;
  if (children.empty())
    return malformed(ctx);
  auto *operandCtx = dynamic_cast<antlr4::ParserRuleContext *>(children.back());
  ExprPtr result = buildExpr(operandCtx, height);
  if (!result)
    return nullptr;
  for (size_t i = children.size() - 1; i-- > 0;) {
    auto *opNode = dynamic_cast<antlr4::tree::TerminalNode *>(children[i]);
    if (!opNode)
      return malformed(ctx);
    UnaryOp op = opNode->getSymbol()->getType() == DecParser::MINUS ? UnaryOp::Neg : UnaryOp::Not;
    llvm::SMRange opRange = rangeOf(opNode);
    llvm::SMRange range(opRange.Start, result->getRange().End);
    result = std::make_unique<UnaryExpr>(opRange.Start, range, op, std::move(result));
    if (!checkHeight(++height, range))
      return nullptr;
  }
  return result;
}

ExprPtr ASTBuilder::buildPostfix(DecParser::PostfixExprContext *ctx, unsigned &height) {
  ExprPtr result = buildExpr(ctx->primary(), height);
  if (!result)
    return nullptr;
  for (DecParser::PostfixOpContext *op : ctx->postfixOp()) {
    llvm::SMRange range(result->getRange().Start, rangeOf(op).End);
    if (op->LPAREN()) {
      std::vector<Argument> args;
      unsigned argsHeight = 0;
      if (op->argList() && !buildArgs(op->argList(), args, argsHeight))
        return nullptr;
      height = std::max(height, argsHeight) + 1;
      result = std::make_unique<CallExpr>(range, std::move(result), std::move(args));
    } else if (op->LBRACK()) {
      std::vector<ExprPtr> indices;
      for (DecParser::ExprContext *indexCtx : op->expr()) {
        unsigned indexHeight = 0;
        ExprPtr index = buildExpr(indexCtx, indexHeight);
        if (!index)
          return nullptr;
        height = std::max(height, indexHeight);
        indices.push_back(std::move(index));
      }
      ++height;
      result = std::make_unique<IndexExpr>(rangeOf(op->LBRACK()).Start, range, std::move(result),
                                           std::move(indices));
    } else if (op->DOT() && op->word()) {
      ++height;
      result = std::make_unique<MemberExpr>(rangeOf(op->word()), range, std::move(result),
                                            text.text(op->word()->start).str());
    } else {
      return malformed(op);
    }
    if (!checkHeight(height, range))
      return nullptr;
  }
  return result;
}

bool ASTBuilder::buildArgs(DecParser::ArgListContext *ctx, std::vector<Argument> &args,
                           unsigned &height) {
  for (DecParser::ArgContext *argCtx : ctx->arg()) {
    Argument arg;
    if (DecParser::WordContext *label = argCtx->word()) {
      arg.nameRange = rangeOf(label);
      arg.name = text.text(label->start).str();
    }
    unsigned argHeight = 0;
    arg.value = buildExpr(argCtx->expr(), argHeight);
    if (!arg.value)
      return false;
    height = std::max(height, argHeight);
    args.push_back(std::move(arg));
  }
  return true;
}

ExprPtr ASTBuilder::buildString(antlr4::tree::TerminalNode *token) {
  llvm::SMRange range = rangeOf(token);
  llvm::StringRef spelling = text.text(token->getSymbol());
  std::string value;
  bool ok = decodeStringLiteral(
      spelling, value, [&](size_t offset, size_t length, const std::string &message) {
        const char *begin = range.Start.getPointer() + offset;
        diags.error(llvm::SMRange(llvm::SMLoc::getFromPointer(begin),
                                  llvm::SMLoc::getFromPointer(begin + length)),
                    message);
      });
  if (!ok)
    return nullptr;
  return std::make_unique<StringLiteralExpr>(range, std::move(value));
}

ExprPtr ASTBuilder::buildPrimary(DecParser::PrimaryContext *ctx, unsigned &height) {
  height = 1;
  if (auto *node = ctx->INT()) {
    int64_t value = 0;
    if (!parseIntegerLiteral(textOf(node), value)) {
      diags.error(rangeOf(node), "integer literal is too large (the largest is "
                                 "9223372036854775807)");
      return nullptr;
    }
    return std::make_unique<IntegerLiteralExpr>(rangeOf(node), value);
  }
  if (auto *node = ctx->FLOAT()) {
    double value = 0;
    if (!parseFloatLiteral(textOf(node), value)) {
      diags.error(rangeOf(node), "floating-point literal is out of range");
      return nullptr;
    }
    return std::make_unique<FloatLiteralExpr>(rangeOf(node), value, textOf(node));
  }
  if (auto *node = ctx->STRING())
    return buildString(node);
  if (auto *node = ctx->TRUE())
    return std::make_unique<BoolLiteralExpr>(rangeOf(node), true);
  if (auto *node = ctx->FALSE())
    return std::make_unique<BoolLiteralExpr>(rangeOf(node), false);
  if (auto *node = ctx->IDENT())
    return std::make_unique<NameExpr>(rangeOf(node), textOf(node));
  if (ctx->LBRACK()) {
    std::vector<ExprPtr> elements;
    unsigned maxHeight = 0;
    for (DecParser::ExprContext *elementCtx : ctx->expr()) {
      unsigned elementHeight = 0;
      ExprPtr element = buildExpr(elementCtx, elementHeight);
      if (!element)
        return nullptr;
      maxHeight = std::max(maxHeight, elementHeight);
      elements.push_back(std::move(element));
    }
    height = maxHeight + 1;
    llvm::SMRange range = rangeOf(ctx);
    if (!checkHeight(height, range))
      return nullptr;
    return std::make_unique<ListExpr>(range, std::move(elements));
  }
  if (ctx->LPAREN() && ctx->expr().size() == 1)
    return buildExpr(ctx->expr(0), height); // parentheses only group
  return malformed(ctx);
}
