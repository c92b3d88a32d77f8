//===- SemaDecode.cpp - Decode entries and the plan ----------------------------------===//

#include "lang/SemaInternal.h"

#include "llvm/Support/Casting.h"

using namespace dec::lang;
using llvm::dyn_cast;

SamplerPlan Sema::toSamplerPlan(const Value &sampler) {
  const Pipeline &pipeline = sampler.getPipeline();
  SamplerPlan plan;
  plan.name = pipeline.name;
  plan.steps = pipeline.steps;
  plan.choice = pipeline.choice.value_or(ChoiceKind::Greedy);
  plan.loc = toLoc(sampler.getOrigin().Start);
  return plan;
}

ConstraintPlan Sema::toConstraintPlan(const ConstraintSet &constraint, llvm::SMRange where) {
  ConstraintPlan plan;
  if (constraint.maxTokens)
    plan.maxTokens = *constraint.maxTokens;
  plan.stopStrings = constraint.stopStrings;
  plan.bannedStrings = constraint.bannedStrings;
  plan.bannedTokens = constraint.bannedTokens;
  plan.banEos = constraint.banEos;
  plan.structured = constraint.structured;
  plan.loc = toLoc(where.Start);
  return plan;
}

/// In this version a decode entry is `decode NAME(prompt: string) -> string`.
bool Sema::checkDecodeSignature(const DecodeDecl &decl) {
  bool ok = true;
  const auto &params = decl.getParams();
  const std::string &name = decl.getName();
  if (params.empty()) {
    error(decl.getNameRange(), "decode entry '" + name +
                                   "' must take the prompt as its "
                                   "parameter, as in '(prompt: string)'");
    ok = false;
  }
  for (size_t i = 1; i < params.size(); ++i) {
    error(params[i].nameRange, "decode entries take exactly one parameter (the prompt) in this "
                               "version; more parameters are not supported yet");
    ok = false;
  }
  if (!params.empty()) {
    const ParamDecl &prompt = params.front();
    if (prompt.type.name != "string" || !prompt.type.shape.empty()) {
      error(prompt.type.range, "the prompt parameter of a decode entry must have type 'string'");
      ok = false;
    }
    if (prompt.defaultValue) {
      error(prompt.defaultValue->getRange(),
            "default values for decode parameters are not supported yet");
      ok = false;
    }
  }
  const TypeRef &result = decl.getResultType();
  if (result.name != "string" || !result.shape.empty()) {
    error(result.range, "decode entries return 'string' in this version");
    ok = false;
  }
  return ok;
}

std::optional<DecodeEntry> Sema::checkDecode(const DecodeDecl &decl) {
  if (!checkDecodeSignature(decl))
    return std::nullopt;
  const ParamDecl &promptParam = decl.getParams().front();
  Scope scope;
  scope.bind(promptParam.name, Value::prompt(PromptRef{promptParam.name}, promptParam.nameRange),
             promptParam.nameRange, /*isParam=*/false);

  std::optional<Value> result;
  const Stmt *returnStmt = nullptr;
  bool ok = true;
  for (const StmtPtr &stmt : decl.getBody()) {
    if (returnStmt) {
      error(stmt->getRange(), "code after 'return' is not allowed")
          .note(returnStmt->getRange(), "the decode entry returns here");
      ok = false;
      break;
    }
    if (const auto *let = dyn_cast<LetStmt>(stmt.get())) {
      if (const Scope::Binding *previous = scope.lookup(let->getName())) {
        error(let->getNameRange(), "redefinition of '" + let->getName() + "'")
            .note(previous->nameRange, "previous definition is here");
        ok = false;
        continue;
      }
      std::optional<Value> value = eval(let->getInit(), scope);
      if (!value) {
        ok = false;
        continue;
      }
      if (value->isRuntime()) {
        error(let->getInit().getRange(), "'let' of a run-time value is not supported yet");
        ok = false;
        continue;
      }
      if (const std::optional<TypeRef> &type = let->getType()) {
        std::optional<DeclaredType> declared = lookupDeclaredType(type->name);
        if (!declared) {
          error(type->range, "unknown type '" + type->name + "'");
          ok = false;
          continue;
        }
        if (!type->shape.empty()) {
          error(type->range,
                "shaped types such as '" + type->name + "[...]' are not supported yet");
          ok = false;
          continue;
        }
        std::string why;
        value = convertTo(*value, *declared, why);
        if (!value) {
          error(let->getInit().getRange(), "'let " + let->getName() + "' " + why);
          ok = false;
          continue;
        }
      }
      if (value->is(Value::Kind::Pipeline) && value->getPipeline().name.empty())
        value->getPipeline().name = let->getName();
      if (value->is(Value::Kind::Model) && models[value->getModel().index].name.empty())
        models[value->getModel().index].name = let->getName();
      scope.bind(let->getName(), std::move(*value), let->getNameRange(), /*isParam=*/false);
      continue;
    }
    if (const auto *ret = dyn_cast<ReturnStmt>(stmt.get())) {
      returnStmt = ret;
      std::optional<Value> value = eval(ret->getValue(), scope);
      if (!value) {
        ok = false;
        continue;
      }
      if (!value->is(Value::Kind::Schedule)) {
        error(ret->getValue().getRange(), "decode entry '" + decl.getName() +
                                              "' must return a schedule call such as "
                                              "'autoregressive(...)', not a value of type '" +
                                              value->typeName() + "'");
        ok = false;
        continue;
      }
      result = std::move(value);
      continue;
    }
    error(stmt->getRange(), "expression statements are not supported yet; a decode body holds "
                            "'let' bindings and one 'return'");
    ok = false;
  }
  if (!returnStmt) {
    llvm::SMRange body = decl.getBodyRange();
    llvm::SMLoc closingBrace =
        body.End.isValid() ? llvm::SMLoc::getFromPointer(body.End.getPointer() - 1) : body.Start;
    error(llvm::SMRange(closingBrace, body.End),
          "decode entry '" + decl.getName() + "' has no 'return' statement")
        .note(decl.getNameRange(), "'" + decl.getName() + "' is declared here");
    return std::nullopt;
  }
  if (!ok || !result)
    return std::nullopt;

  DecodeEntry entry;
  entry.name = decl.getName();
  entry.schedule = result->getSchedule();
  entry.loc = toLoc(decl.getNameRange().Start);
  return entry;
}
