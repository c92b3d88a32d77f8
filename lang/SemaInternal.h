//===- SemaInternal.h - The Sema class shared by Sema*.cpp and Builtins.cpp ------*- C++ -*-===//
//
// Sema is split by concern:
//   Sema.cpp        the global namespace, declarations, parametrised instantiation
//   SemaExpr.cpp    expressions: names, calls and argument binding, operators
//   SemaDecode.cpp  decode entries and the plan
//   SemaTransform.cpp  user-defined `transform`s: their bodies and uses
//   Builtins.cpp    the built-in functions (through the "services" below)
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_SEMAINTERNAL_H
#define DEC_LANG_SEMAINTERNAL_H

#include "lang/AST.h"
#include "lang/Builtins.h"
#include "lang/Diagnostics.h"
#include "lang/Plan.h"
#include "lang/Value.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace llvm {
class SourceMgr;
}

namespace dec::lang {

class TransformDecl;

/// Local names: the parameters of a declaration being instantiated, or the prompt
/// parameter and `let` bindings of a decode body.
class Scope {
public:
  struct Binding {
    Value value;
    llvm::SMRange nameRange;
    /// A parameter's value keeps the origin of the argument (errors point at the call
    /// site); a `let` value takes the origin of each use.
    bool isParam;
  };

  const Binding *lookup(llvm::StringRef name) const {
    auto it = bindings.find(name);
    return it == bindings.end() ? nullptr : &it->second;
  }
  void bind(llvm::StringRef name, Value value, llvm::SMRange nameRange, bool isParam) {
    bindings.insert_or_assign(name, Binding{std::move(value), nameRange, isParam});
  }
  std::vector<llvm::StringRef> names() const {
    std::vector<llvm::StringRef> result;
    for (const auto &entry : bindings)
      result.push_back(entry.getKey());
    return result;
  }

private:
  llvm::StringMap<Binding> bindings;
};

class Sema {
public:
  /// Declarations nested deeper than this (through references and instantiations) are
  /// rejected; it bounds Sema's recursion independently of the input.
  static constexpr unsigned kMaxEvaluationDepth = 256;
  /// Bounds on values, so that doubling definitions (`a = b | b; b = c | c; ...`) cannot
  /// exhaust memory.
  static constexpr size_t kMaxPipelineSteps = 256;
  /// Parametrised declarations are instantiated at each use, so a chain of declarations
  /// that each use the next twice takes exponential time; a budget of evaluation steps
  /// keeps compile time bounded.  It applies to each top-level item (real ones need a
  /// few dozen steps, a few thousand with deep instantiations).
  static constexpr unsigned kMaxEvaluationSteps = 200000;
  static constexpr size_t kMaxConstraintItems = 4096;

  Sema(llvm::ArrayRef<std::unique_ptr<Module>> modules, DiagnosticEngine &diags);
  std::optional<ProgramPlan> run();

  //===-- Services for built-ins -----------------------------------------------------===//

  /// An error with notes for the active instantiations ("in instantiation of 'nucleus'").
  Diagnostic error(llvm::SMRange range, const llvm::Twine &message);
  Diagnostic warning(llvm::SMRange range, const llvm::Twine &message);
  Loc toLoc(llvm::SMLoc loc) const;
  /// An absolute, normalised path for `written`, relative to the directory of the file
  /// that contains `where`.
  std::string resolvePath(llvm::StringRef written, llvm::SMLoc where) const;
  /// Records a file read at compile time (file()): a dependency of the program.
  void noteReadFile(const std::string &path) {
    if (std::find(readFiles.begin(), readFiles.end(), path) == readFiles.end())
      readFiles.push_back(path);
  }
  /// The model for `model`'s files: an existing one if the same files were named before.
  ModelRef addModel(ModelPlan model);
  /// `lhs | rhs` and `lhs & rhs`.
  std::optional<Value> compose(const Value &lhs, const Value &rhs, llvm::SMRange opRange);
  std::optional<Value> conjoin(const Value &lhs, const Value &rhs, llvm::SMRange opRange);
  /// The plan parts of a sampler and of a constraint.
  SamplerPlan toSamplerPlan(const Value &sampler);
  ConstraintPlan toConstraintPlan(const ConstraintSet &constraint, llvm::SMRange where);

private:
  std::vector<std::string> readFiles; ///< by file(), in order

  //===-- Declarations (Sema.cpp) -----------------------------------------------------===//
  void collectDeclarations();
  const Decl *lookupGlobal(llvm::StringRef name) const;
  std::vector<llvm::StringRef> visibleNames(const Scope &scope) const;
  /// The value of a declaration without parameters (evaluated once).
  std::optional<Value> valueOfDecl(const ValueDecl &decl, llvm::SMRange use);
  /// Checks a parametrised declaration on its own: parameters, defaults, and the body
  /// (evaluated with the defaults when every parameter has one).
  void checkParametrised(const ValueDecl &decl);
  bool checkParams(const ValueDecl &decl);
  /// Evaluates a parametrised declaration's body for the arguments of `call` (null for a
  /// bare use of the name, which needs defaults for every parameter).  A quiet
  /// instantiation (checking a declaration with its defaults) adds no notes to errors.
  std::optional<Value> instantiate(const ValueDecl &decl, const CallExpr *call, llvm::SMRange use,
                                   Scope &callerScope, bool quiet = false);
  /// Checks that a declaration's value has the kind its keyword promises, and names it.
  std::optional<Value> finishDeclValue(const ValueDecl &decl, std::optional<Value> value);
  /// Reports unknown names in an expression that cannot be evaluated yet.
  void checkNames(const Expr &expr, const Scope &scope);

  //===-- Expressions (SemaExpr.cpp) --------------------------------------------------===//
  std::optional<Value> eval(const Expr &expr, Scope &scope);
  std::optional<Value> evalName(const NameExpr &expr, Scope &scope);
  std::optional<Value> evalCall(const CallExpr &expr, Scope &scope);
  std::optional<Value> evalList(const ListExpr &expr, Scope &scope);
  std::optional<Value> evalUnary(const UnaryExpr &expr, Scope &scope);
  std::optional<Value> evalBinary(const BinaryExpr &expr, Scope &scope);
  /// Binds call arguments to parameters; evaluates them in `scope`.  `what` names the
  /// callee in messages.  `args` is null for a bare name.
  std::optional<BoundArgs> bindArguments(const std::vector<Argument> *args,
                                         llvm::ArrayRef<ParamSpec> params, llvm::StringRef what,
                                         llvm::SMRange callRange, Scope &scope);
  void reportUnknownName(llvm::StringRef name, llvm::SMRange range, const Scope &scope);

  //===-- User-defined transforms (SemaTransform.cpp) ----------------------------------===//
  friend class TransformBodyChecker;
  /// Checks a `transform` declaration once (signature and body, with its compile-time
  /// parameters symbolic).  Returns false if it has errors (reported).
  bool checkTransform(const TransformDecl &decl);
  /// A use of a transform in a compile-time expression, `name` (call null) or
  /// `name(args)`: a one-step pipeline whose step holds the body for these arguments.
  std::optional<Value> instantiateTransform(const TransformDecl &decl, const CallExpr *call,
                                            llvm::SMRange use, Scope &callerScope);
  /// Whether `decl` is being checked or instantiated (a use now would be recursive).
  bool isTransformActive(const TransformDecl &decl) const;
  enum class TransformStatus { Unchecked, Checking, Ok, Failed };
  llvm::DenseMap<const TransformDecl *, TransformStatus> transformStatus;

  //===-- Decode entries (SemaDecode.cpp) ----------------------------------------------===//
  std::optional<DecodeEntry> checkDecode(const DecodeDecl &decl);
  bool checkDecodeSignature(const DecodeDecl &decl);

  //===-- State -------------------------------------------------------------------------===//
  llvm::ArrayRef<std::unique_ptr<Module>> modules;
  DiagnosticEngine &diags;
  llvm::SourceMgr &sourceMgr;

  llvm::StringMap<const Decl *> globals;
  /// Declarations whose name was already taken (reported; not checked further).
  llvm::SmallPtrSet<const Decl *, 4> redefinitions;

  struct DeclState {
    enum Status { Unvisited, Evaluating, Done, Failed } status = Unvisited;
    std::optional<Value> value;
    std::optional<bool> paramsOk;
  };
  llvm::DenseMap<const ValueDecl *, DeclState> declStates;

  struct Instantiation {
    const Decl *decl; ///< a ValueDecl or a TransformDecl
    llvm::SMRange use;
    bool quiet; ///< checking a declaration with its defaults: no notes
  };
  std::vector<Instantiation> instantiations;
  unsigned evaluationDepth = 0;
  unsigned evaluationSteps = 0;

  std::vector<ModelPlan> models;
};

} // namespace dec::lang

#endif // DEC_LANG_SEMAINTERNAL_H
