//===- AST.h - Abstract syntax tree of a .dec module ----------------------------*- C++ -*-===//
//
// The AST mirrors the source closely (it is what `decc --emit=ast` prints); all meaning
// is assigned by Sema.  Nodes own their children through unique_ptr and use LLVM-style
// RTTI (isa/dyn_cast via a Kind field).  Every node records:
//   * loc:   the position a diagnostic's caret points at (an operator, a name, ...);
//   * range: the whole construct, first byte to last byte, for `~~~` underlines.
// Locations are llvm::SMLoc pointers into the llvm::SourceMgr buffer of the module.
//
// Expressions are more general than what this version compiles (indexing, member access,
// comparisons): Sema rejects those with a "not supported yet" error, and later versions
// give them meaning without changing the tree.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_AST_H
#define DEC_LANG_AST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dec::lang {

//===------------------------------------------------------------------------------------===//
// Types as written: a name and an optional shape (`f32`, `f32[V]`, `i32[8]`).
//===------------------------------------------------------------------------------------===//

struct TypeRef {
  struct Dim {
    std::string symbol; ///< a symbolic size such as `V` ("" when numeric)
    int64_t size = -1;  ///< a numeric size (-1 when symbolic)
    llvm::SMRange range;
  };
  std::string name;
  std::vector<Dim> shape; ///< empty for unshaped types
  llvm::SMRange range;
};

//===------------------------------------------------------------------------------------===//
// Expressions
//===------------------------------------------------------------------------------------===//

class Expr {
public:
  enum class Kind {
    IntegerLiteral,
    FloatLiteral,
    StringLiteral,
    BoolLiteral,
    Name,
    List,
    Call,
    Index,
    Member,
    Unary,
    Binary,
  };

  virtual ~Expr() = default;
  Kind getKind() const { return kind; }
  llvm::SMLoc getLoc() const { return loc; }
  llvm::SMRange getRange() const { return range; }

protected:
  Expr(Kind kind, llvm::SMLoc loc, llvm::SMRange range) : kind(kind), loc(loc), range(range) {}

private:
  Kind kind;
  llvm::SMLoc loc;
  llvm::SMRange range;
};

using ExprPtr = std::unique_ptr<Expr>;

class IntegerLiteralExpr : public Expr {
public:
  IntegerLiteralExpr(llvm::SMRange range, int64_t value)
      : Expr(Kind::IntegerLiteral, range.Start, range), value(value) {}
  int64_t getValue() const { return value; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::IntegerLiteral; }

private:
  int64_t value;
};

class FloatLiteralExpr : public Expr {
public:
  FloatLiteralExpr(llvm::SMRange range, double value, std::string spelling)
      : Expr(Kind::FloatLiteral, range.Start, range), value(value), spelling(std::move(spelling)) {}
  double getValue() const { return value; }
  llvm::StringRef getSpelling() const { return spelling; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::FloatLiteral; }

private:
  double value;
  std::string spelling;
};

/// A string literal; the value has its escapes decoded (and is valid UTF-8).
class StringLiteralExpr : public Expr {
public:
  StringLiteralExpr(llvm::SMRange range, std::string value)
      : Expr(Kind::StringLiteral, range.Start, range), value(std::move(value)) {}
  const std::string &getValue() const { return value; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::StringLiteral; }

private:
  std::string value;
};

class BoolLiteralExpr : public Expr {
public:
  BoolLiteralExpr(llvm::SMRange range, bool value)
      : Expr(Kind::BoolLiteral, range.Start, range), value(value) {}
  bool getValue() const { return value; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::BoolLiteral; }

private:
  bool value;
};

/// A reference to a name: a local, a top-level declaration or a built-in.
class NameExpr : public Expr {
public:
  NameExpr(llvm::SMRange range, std::string name)
      : Expr(Kind::Name, range.Start, range), name(std::move(name)) {}
  const std::string &getName() const { return name; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Name; }

private:
  std::string name;
};

/// `[a, b, c]`
class ListExpr : public Expr {
public:
  ListExpr(llvm::SMRange range, std::vector<ExprPtr> elements)
      : Expr(Kind::List, range.Start, range), elements(std::move(elements)) {}
  const std::vector<ExprPtr> &getElements() const { return elements; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::List; }

private:
  std::vector<ExprPtr> elements;
};

/// One argument of a call: positional (`name` empty) or named (`name: value`).
struct Argument {
  std::string name;
  llvm::SMRange nameRange;
  ExprPtr value;
  bool isNamed() const { return !name.empty(); }
};

/// `callee(args)`.  The arguments keep their source order; Sema requires positional
/// arguments before named ones.
class CallExpr : public Expr {
public:
  CallExpr(llvm::SMRange range, ExprPtr callee, std::vector<Argument> args)
      : Expr(Kind::Call, callee->getLoc(), range), callee(std::move(callee)),
        args(std::move(args)) {}
  const Expr &getCallee() const { return *callee; }
  const std::vector<Argument> &getArgs() const { return args; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Call; }

private:
  ExprPtr callee;
  std::vector<Argument> args;
};

/// `base[i]` or `base[i, j]`.
class IndexExpr : public Expr {
public:
  IndexExpr(llvm::SMLoc bracketLoc, llvm::SMRange range, ExprPtr base, std::vector<ExprPtr> indices)
      : Expr(Kind::Index, bracketLoc, range), base(std::move(base)), indices(std::move(indices)) {}
  const Expr &getBase() const { return *base; }
  const std::vector<ExprPtr> &getIndices() const { return indices; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Index; }

private:
  ExprPtr base;
  std::vector<ExprPtr> indices;
};

/// `base.member`.
class MemberExpr : public Expr {
public:
  MemberExpr(llvm::SMRange memberRange, llvm::SMRange range, ExprPtr base, std::string member)
      : Expr(Kind::Member, memberRange.Start, range), base(std::move(base)),
        member(std::move(member)), memberRange(memberRange) {}
  const Expr &getBase() const { return *base; }
  const std::string &getMember() const { return member; }
  llvm::SMRange getMemberRange() const { return memberRange; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Member; }

private:
  ExprPtr base;
  std::string member;
  llvm::SMRange memberRange;
};

enum class UnaryOp { Neg, Not };

class UnaryExpr : public Expr {
public:
  UnaryExpr(llvm::SMLoc opLoc, llvm::SMRange range, UnaryOp op, ExprPtr operand)
      : Expr(Kind::Unary, opLoc, range), op(op), operand(std::move(operand)) {}
  UnaryOp getOp() const { return op; }
  const Expr &getOperand() const { return *operand; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Unary; }

private:
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp {
  Or,   ///< ||
  And,  ///< &&
  Pipe, ///< |  (sampler pipeline)
  Conj, ///< &  (constraint conjunction)
  Eq,   ///< ==
  Ne,   ///< !=
  Lt,   ///< <
  Le,   ///< <=
  Gt,   ///< >
  Ge,   ///< >=
  Add,  ///< +
  Sub,  ///< -
  Mul,  ///< *
  Div,  ///< /
  Rem,  ///< %
};

/// A binary operation; `loc` is the operator.
class BinaryExpr : public Expr {
public:
  BinaryExpr(llvm::SMRange opRange, BinaryOp op, ExprPtr lhs, ExprPtr rhs)
      : Expr(Kind::Binary, opRange.Start,
             llvm::SMRange(lhs->getRange().Start, rhs->getRange().End)),
        op(op), lhs(std::move(lhs)), rhs(std::move(rhs)), opRange(opRange) {}
  BinaryOp getOp() const { return op; }
  const Expr &getLHS() const { return *lhs; }
  const Expr &getRHS() const { return *rhs; }
  llvm::SMRange getOpRange() const { return opRange; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Binary; }

private:
  BinaryOp op;
  ExprPtr lhs, rhs;
  llvm::SMRange opRange;
};

llvm::StringRef spelling(UnaryOp op);
llvm::StringRef spelling(BinaryOp op);

//===------------------------------------------------------------------------------------===//
// Statements (the body of a decode entry)
//===------------------------------------------------------------------------------------===//

class Stmt {
public:
  enum class Kind { Let, Return, Expr };
  virtual ~Stmt() = default;
  Kind getKind() const { return kind; }
  llvm::SMLoc getLoc() const { return range.Start; }
  llvm::SMRange getRange() const { return range; }

protected:
  Stmt(Kind kind, llvm::SMRange range) : kind(kind), range(range) {}

private:
  Kind kind;
  llvm::SMRange range;
};

using StmtPtr = std::unique_ptr<Stmt>;

/// `let name (: type)? = init;`
class LetStmt : public Stmt {
public:
  LetStmt(llvm::SMRange range, std::string name, llvm::SMRange nameRange,
          std::optional<TypeRef> type, ExprPtr init)
      : Stmt(Kind::Let, range), name(std::move(name)), nameRange(nameRange), type(std::move(type)),
        init(std::move(init)) {}
  const std::string &getName() const { return name; }
  llvm::SMRange getNameRange() const { return nameRange; }
  const std::optional<TypeRef> &getType() const { return type; }
  const Expr &getInit() const { return *init; }
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Let; }

private:
  std::string name;
  llvm::SMRange nameRange;
  std::optional<TypeRef> type;
  ExprPtr init;
};

class ReturnStmt : public Stmt {
public:
  ReturnStmt(llvm::SMRange range, ExprPtr value)
      : Stmt(Kind::Return, range), value(std::move(value)) {}
  const Expr &getValue() const { return *value; }
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Return; }

private:
  ExprPtr value;
};

class ExprStmt : public Stmt {
public:
  ExprStmt(llvm::SMRange range, ExprPtr expr) : Stmt(Kind::Expr, range), expr(std::move(expr)) {}
  const Expr &getExpr() const { return *expr; }
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Expr; }

private:
  ExprPtr expr;
};

//===------------------------------------------------------------------------------------===//
// Declarations (top-level items)
//===------------------------------------------------------------------------------------===//

/// `name: type (= default)?` of a parametrised declaration or a decode entry.
struct ParamDecl {
  std::string name;
  llvm::SMRange nameRange;
  TypeRef type;
  ExprPtr defaultValue; ///< null when the argument is required
};

class Decl {
public:
  enum class Kind { Import, Model, Sampler, Constraint, Decode, Transform };
  virtual ~Decl() = default;
  Kind getKind() const { return kind; }
  /// The declared name ("" for imports).
  const std::string &getName() const { return name; }
  llvm::SMRange getNameRange() const { return nameRange; }
  llvm::SMLoc getLoc() const { return nameRange.isValid() ? nameRange.Start : range.Start; }
  llvm::SMRange getRange() const { return range; }

protected:
  Decl(Kind kind, llvm::SMRange range, std::string name, llvm::SMRange nameRange)
      : kind(kind), name(std::move(name)), nameRange(nameRange), range(range) {}

private:
  Kind kind;
  std::string name;
  llvm::SMRange nameRange;
  llvm::SMRange range;
};

using DeclPtr = std::unique_ptr<Decl>;

/// `import a.b.c;`
class ImportDecl : public Decl {
public:
  ImportDecl(llvm::SMRange range, std::vector<std::string> path, llvm::SMRange pathRange)
      : Decl(Kind::Import, range, "", llvm::SMRange()), path(std::move(path)),
        pathRange(pathRange) {}
  const std::vector<std::string> &getPath() const { return path; }
  llvm::SMRange getPathRange() const { return pathRange; }
  /// "a.b.c"
  std::string getDottedName() const;
  static bool classof(const Decl *d) { return d->getKind() == Kind::Import; }

private:
  std::vector<std::string> path;
  llvm::SMRange pathRange;
};

/// A declaration that names a compile-time value: `model`, `sampler` or `constraint`.
/// Samplers and constraints may be parametrised (`sampler nucleus(p: f32 = 0.9) = ...`);
/// each use instantiates the body with the arguments.
class ValueDecl : public Decl {
public:
  bool isParametrised() const { return hasParamList; }
  const std::vector<ParamDecl> &getParams() const { return params; }
  const Expr &getInit() const { return *init; }
  static bool classof(const Decl *d) {
    return d->getKind() == Kind::Model || d->getKind() == Kind::Sampler ||
           d->getKind() == Kind::Constraint;
  }

protected:
  ValueDecl(Kind kind, llvm::SMRange range, std::string name, llvm::SMRange nameRange,
            bool hasParamList, std::vector<ParamDecl> params, ExprPtr init)
      : Decl(kind, range, std::move(name), nameRange), hasParamList(hasParamList),
        params(std::move(params)), init(std::move(init)) {}

private:
  bool hasParamList; ///< `sampler f() = ...` is parametrised with zero parameters
  std::vector<ParamDecl> params;
  ExprPtr init;
};

class ModelDecl : public ValueDecl {
public:
  ModelDecl(llvm::SMRange range, std::string name, llvm::SMRange nameRange, ExprPtr init)
      : ValueDecl(Kind::Model, range, std::move(name), nameRange, false, {}, std::move(init)) {}
  static bool classof(const Decl *d) { return d->getKind() == Kind::Model; }
};

class SamplerDecl : public ValueDecl {
public:
  SamplerDecl(llvm::SMRange range, std::string name, llvm::SMRange nameRange, bool hasParamList,
              std::vector<ParamDecl> params, ExprPtr init)
      : ValueDecl(Kind::Sampler, range, std::move(name), nameRange, hasParamList, std::move(params),
                  std::move(init)) {}
  static bool classof(const Decl *d) { return d->getKind() == Kind::Sampler; }
};

class ConstraintDecl : public ValueDecl {
public:
  ConstraintDecl(llvm::SMRange range, std::string name, llvm::SMRange nameRange, bool hasParamList,
                 std::vector<ParamDecl> params, ExprPtr init)
      : ValueDecl(Kind::Constraint, range, std::move(name), nameRange, hasParamList,
                  std::move(params), std::move(init)) {}
  static bool classof(const Decl *d) { return d->getKind() == Kind::Constraint; }
};

/// `decode name(params) -> type { stmts }`: an exported entry point.
class DecodeDecl : public Decl {
public:
  DecodeDecl(llvm::SMRange range, std::string name, llvm::SMRange nameRange,
             std::vector<ParamDecl> params, TypeRef resultType, std::vector<StmtPtr> body,
             llvm::SMRange bodyRange)
      : Decl(Kind::Decode, range, std::move(name), nameRange), params(std::move(params)),
        resultType(std::move(resultType)), body(std::move(body)), bodyRange(bodyRange) {}
  const std::vector<ParamDecl> &getParams() const { return params; }
  const TypeRef &getResultType() const { return resultType; }
  const std::vector<StmtPtr> &getBody() const { return body; }
  /// From `{` to `}` inclusive.
  llvm::SMRange getBodyRange() const { return bodyRange; }
  static bool classof(const Decl *d) { return d->getKind() == Kind::Decode; }

private:
  std::vector<ParamDecl> params;
  TypeRef resultType;
  std::vector<StmtPtr> body;
  llvm::SMRange bodyRange;
};

/// One source file.
struct Module {
  std::string path;      ///< as opened (the buffer identifier)
  unsigned bufferId = 0; ///< in the front end's llvm::SourceMgr
  std::vector<DeclPtr> decls;
};

} // namespace dec::lang

#endif // DEC_LANG_AST_H
