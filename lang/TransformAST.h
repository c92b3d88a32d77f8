//===- TransformAST.h - `transform` declarations ---------------------------------*- C++ -*-===//
//
// A user-defined logits transform:
//
//   transform typical(mass: f32 = 0.9)(logits: f32[V]) -> f32[V] {
//       let logp = log_softmax(logits);
//       ...
//       return where(d <= cut, logits, -inf);
//   }
//
// The first parameter list holds the compile-time parameters (bound like a parametrised
// sampler's); the second, the run-time one: the row of logits.  With a single list it is
// the run-time one and the transform has no compile-time parameters (`transform f(x:
// f32[V]) -> f32[V] {...}` is used as `f`, like an unparametrised sampler).  The body is
// `let` statements and one `return`, checked by SemaTransform.cpp.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_TRANSFORMAST_H
#define DEC_LANG_TRANSFORMAST_H

#include "lang/AST.h"

namespace dec::lang {

class TransformDecl : public Decl {
public:
  TransformDecl(llvm::SMRange range, std::string name, llvm::SMRange nameRange,
                bool hasParamList, std::vector<ParamDecl> params,
                std::vector<ParamDecl> runtimeParams, llvm::SMRange runtimeParamsRange,
                TypeRef resultType, std::vector<StmtPtr> body, llvm::SMRange bodyRange)
      : Decl(Kind::Transform, range, std::move(name), nameRange), hasParamList(hasParamList),
        params(std::move(params)), runtimeParams(std::move(runtimeParams)),
        runtimeParamsRange(runtimeParamsRange), resultType(std::move(resultType)),
        body(std::move(body)), bodyRange(bodyRange) {}

  /// Whether the transform has a compile-time parameter list (possibly empty: `f()(x)`).
  bool isParametrised() const { return hasParamList; }
  const std::vector<ParamDecl> &getParams() const { return params; }
  const std::vector<ParamDecl> &getRuntimeParams() const { return runtimeParams; }
  /// From `(` to `)` of the run-time parameter list.
  llvm::SMRange getRuntimeParamsRange() const { return runtimeParamsRange; }
  const TypeRef &getResultType() const { return resultType; }
  const std::vector<StmtPtr> &getBody() const { return body; }
  /// From `{` to `}` inclusive.
  llvm::SMRange getBodyRange() const { return bodyRange; }
  static bool classof(const Decl *d) { return d->getKind() == Kind::Transform; }

private:
  bool hasParamList;
  std::vector<ParamDecl> params;
  std::vector<ParamDecl> runtimeParams;
  llvm::SMRange runtimeParamsRange;
  TypeRef resultType;
  std::vector<StmtPtr> body;
  llvm::SMRange bodyRange;
};

} // namespace dec::lang

#endif // DEC_LANG_TRANSFORMAST_H
