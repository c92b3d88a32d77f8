//===- ASTDump.cpp - Printing the AST as an indented tree ----------------------------===//

#include "lang/ASTDump.h"

#include "lang/AST.h"
#include "lang/Literals.h"
#include "lang/TransformAST.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace dec::lang;
using llvm::cast;
using llvm::dyn_cast;

namespace {

class ASTDumper {
public:
  ASTDumper(const llvm::SourceMgr &sourceMgr, llvm::raw_ostream &os)
      : sourceMgr(sourceMgr), os(os) {}

  void dumpModule(const Module &module) {
    os << "Module ";
    writeQuoted(os, module.path);
    os << '\n';
    for (size_t i = 0, e = module.decls.size(); i != e; ++i)
      child(i + 1 == e, [&] { dumpDecl(*module.decls[i]); });
  }

private:
  /// Prints the tree connector for one child and runs `body` with the prefix extended.
  template <typename Body> void child(bool last, Body body) {
    os << prefix << (last ? "`-" : "|-");
    size_t saved = prefix.size();
    prefix += last ? "  " : "| ";
    body();
    prefix.resize(saved);
  }

  /// `Kind <loc>` (no newline).
  void head(llvm::StringRef kind, llvm::SMLoc loc) {
    os << kind << " <";
    writeLoc(loc);
    os << '>';
  }

  void writeLoc(llvm::SMLoc loc) {
    unsigned buffer = loc.isValid() ? sourceMgr.FindBufferContainingLoc(loc) : 0;
    if (!buffer) {
      os << "invalid loc";
      return;
    }
    auto [line, col] = sourceMgr.getLineAndColumn(loc, buffer);
    llvm::StringRef file = sourceMgr.getMemoryBuffer(buffer)->getBufferIdentifier();
    if (file != lastFile) {
      os << file << ':' << line << ':' << col;
      lastFile = file.str();
    } else if (line != lastLine) {
      os << "line:" << line << ':' << col;
    } else {
      os << "col:" << col;
    }
    lastLine = line;
  }

  static std::string typeSpelling(const TypeRef &type) {
    std::string text = type.name;
    if (!type.shape.empty()) {
      text += '[';
      for (size_t i = 0; i != type.shape.size(); ++i) {
        if (i)
          text += ", ";
        const TypeRef::Dim &dim = type.shape[i];
        text += dim.symbol.empty() ? std::to_string(dim.size) : dim.symbol;
      }
      text += ']';
    }
    return text;
  }

  void dumpParam(const ParamDecl &param) {
    head("ParamDecl", param.nameRange.Start);
    os << ' ' << param.name << " '" << typeSpelling(param.type) << "'\n";
    if (param.defaultValue)
      child(true, [&] { dumpExpr(*param.defaultValue); });
  }

  void dumpDecl(const Decl &decl) {
    switch (decl.getKind()) {
    case Decl::Kind::Import: {
      const auto &import = cast<ImportDecl>(decl);
      head("ImportDecl", import.getRange().Start);
      os << ' ' << import.getDottedName() << '\n';
      return;
    }
    case Decl::Kind::Model:
    case Decl::Kind::Sampler:
    case Decl::Kind::Constraint: {
      const auto &value = cast<ValueDecl>(decl);
      llvm::StringRef kind = decl.getKind() == Decl::Kind::Model     ? "ModelDecl"
                             : decl.getKind() == Decl::Kind::Sampler ? "SamplerDecl"
                                                                     : "ConstraintDecl";
      head(kind, decl.getLoc());
      os << ' ' << decl.getName();
      if (value.isParametrised())
        os << " parametrised";
      os << '\n';
      for (const ParamDecl &param : value.getParams())
        child(false, [&] { dumpParam(param); });
      child(true, [&] { dumpExpr(value.getInit()); });
      return;
    }
    case Decl::Kind::Decode: {
      const auto &decode = cast<DecodeDecl>(decl);
      head("DecodeDecl", decl.getLoc());
      os << ' ' << decl.getName() << " -> '" << typeSpelling(decode.getResultType()) << "'\n";
      const auto &body = decode.getBody();
      for (const ParamDecl &param : decode.getParams())
        child(body.empty(), [&] { dumpParam(param); });
      for (size_t i = 0, e = body.size(); i != e; ++i)
        child(i + 1 == e, [&] { dumpStmt(*body[i]); });
      return;
    }
    case Decl::Kind::Transform: {
      const auto &transform = cast<TransformDecl>(decl);
      head("TransformDecl", decl.getLoc());
      os << ' ' << decl.getName() << (transform.isParametrised() ? " parametrised" : "") << " -> '"
         << typeSpelling(transform.getResultType()) << "'\n";
      const auto &body = transform.getBody();
      for (const ParamDecl &param : transform.getParams())
        child(false, [&] { dumpParam(param); });
      const auto &runtime = transform.getRuntimeParams();
      for (size_t i = 0, e = runtime.size(); i != e; ++i)
        child(body.empty() && i + 1 == e, [&] {
          head("RuntimeParamDecl", runtime[i].nameRange.Start);
          os << ' ' << runtime[i].name << " '" << typeSpelling(runtime[i].type) << "'\n";
          if (runtime[i].defaultValue)
            child(true, [&] { dumpExpr(*runtime[i].defaultValue); });
        });
      for (size_t i = 0, e = body.size(); i != e; ++i)
        child(i + 1 == e, [&] { dumpStmt(*body[i]); });
      return;
    }
    }
  }

  void dumpStmt(const Stmt &stmt) {
    if (const auto *let = dyn_cast<LetStmt>(&stmt)) {
      head("LetStmt", let->getNameRange().Start);
      os << ' ' << let->getName();
      if (let->getType())
        os << " '" << typeSpelling(*let->getType()) << "'";
      os << '\n';
      child(true, [&] { dumpExpr(let->getInit()); });
    } else if (const auto *ret = dyn_cast<ReturnStmt>(&stmt)) {
      head("ReturnStmt", ret->getLoc());
      os << '\n';
      child(true, [&] { dumpExpr(ret->getValue()); });
    } else {
      const auto &expr = cast<ExprStmt>(stmt);
      head("ExprStmt", expr.getLoc());
      os << '\n';
      child(true, [&] { dumpExpr(expr.getExpr()); });
    }
  }

  void dumpExpr(const Expr &expr) {
    switch (expr.getKind()) {
    case Expr::Kind::IntegerLiteral:
      head("IntegerLiteral", expr.getLoc());
      os << ' ' << cast<IntegerLiteralExpr>(expr).getValue() << '\n';
      return;
    case Expr::Kind::FloatLiteral:
      head("FloatLiteral", expr.getLoc());
      os << ' ' << formatNumber(cast<FloatLiteralExpr>(expr).getValue()) << '\n';
      return;
    case Expr::Kind::StringLiteral:
      head("StringLiteral", expr.getLoc());
      os << ' ';
      writeQuoted(os, cast<StringLiteralExpr>(expr).getValue());
      os << '\n';
      return;
    case Expr::Kind::BoolLiteral:
      head("BoolLiteral", expr.getLoc());
      os << (cast<BoolLiteralExpr>(expr).getValue() ? " true\n" : " false\n");
      return;
    case Expr::Kind::Name:
      head("NameExpr", expr.getLoc());
      os << ' ' << cast<NameExpr>(expr).getName() << '\n';
      return;
    case Expr::Kind::List: {
      const auto &elements = cast<ListExpr>(expr).getElements();
      head("ListExpr", expr.getLoc());
      os << '\n';
      for (size_t i = 0, e = elements.size(); i != e; ++i)
        child(i + 1 == e, [&] { dumpExpr(*elements[i]); });
      return;
    }
    case Expr::Kind::Call: {
      const auto &call = cast<CallExpr>(expr);
      head("CallExpr", expr.getLoc());
      os << '\n';
      const auto &args = call.getArgs();
      child(args.empty(), [&] { dumpExpr(call.getCallee()); });
      for (size_t i = 0, e = args.size(); i != e; ++i) {
        const Argument &arg = args[i];
        child(i + 1 == e, [&] {
          if (!arg.isNamed())
            return dumpExpr(*arg.value);
          head("NamedArg", arg.nameRange.Start);
          os << ' ' << arg.name << '\n';
          child(true, [&] { dumpExpr(*arg.value); });
        });
      }
      return;
    }
    case Expr::Kind::Index: {
      const auto &index = cast<IndexExpr>(expr);
      head("IndexExpr", expr.getLoc());
      os << '\n';
      child(false, [&] { dumpExpr(index.getBase()); });
      const auto &indices = index.getIndices();
      for (size_t i = 0, e = indices.size(); i != e; ++i)
        child(i + 1 == e, [&] { dumpExpr(*indices[i]); });
      return;
    }
    case Expr::Kind::Member: {
      const auto &member = cast<MemberExpr>(expr);
      head("MemberExpr", expr.getLoc());
      os << " ." << member.getMember() << '\n';
      child(true, [&] { dumpExpr(member.getBase()); });
      return;
    }
    case Expr::Kind::Unary: {
      const auto &unary = cast<UnaryExpr>(expr);
      head("UnaryExpr", expr.getLoc());
      os << " '" << spelling(unary.getOp()) << "'\n";
      child(true, [&] { dumpExpr(unary.getOperand()); });
      return;
    }
    case Expr::Kind::Binary: {
      const auto &binary = cast<BinaryExpr>(expr);
      head("BinaryExpr", expr.getLoc());
      os << " '" << spelling(binary.getOp()) << "'\n";
      child(false, [&] { dumpExpr(binary.getLHS()); });
      child(true, [&] { dumpExpr(binary.getRHS()); });
      return;
    }
    }
  }

  const llvm::SourceMgr &sourceMgr;
  llvm::raw_ostream &os;
  std::string prefix;
  std::string lastFile;
  unsigned lastLine = 0;
};

} // namespace

void dec::lang::dumpModule(const Module &module, const llvm::SourceMgr &sourceMgr,
                           llvm::raw_ostream &os) {
  ASTDumper(sourceMgr, os).dumpModule(module);
}
