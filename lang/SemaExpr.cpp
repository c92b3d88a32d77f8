//===- SemaExpr.cpp - Evaluating expressions at compile time -------------------------===//

#include "lang/ConstEval.h"
#include "lang/Literals.h"
#include "lang/SemaInternal.h"
#include "lang/TransformAST.h"
#include "lang/TypoCorrection.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

using namespace dec::lang;
using llvm::cast;
using llvm::dyn_cast;

std::optional<Value> Sema::eval(const Expr &expr, Scope &scope) {
  if (diags.limitReached())
    return std::nullopt; // nothing more will be reported: stop working
  if (++evaluationSteps > kMaxEvaluationSteps) {
    if (evaluationSteps == kMaxEvaluationSteps + 1)
      error(expr.getRange(), "compile-time evaluation of this item needs more than " +
                                 std::to_string(kMaxEvaluationSteps) +
                                 " steps (declarations that each use another several times "
                                 "multiply the work)");
    return std::nullopt;
  }
  switch (expr.getKind()) {
  case Expr::Kind::IntegerLiteral:
    return Value::integer(cast<IntegerLiteralExpr>(expr).getValue(), expr.getRange());
  case Expr::Kind::FloatLiteral:
    return Value::floating(cast<FloatLiteralExpr>(expr).getValue(), expr.getRange());
  case Expr::Kind::StringLiteral:
    return Value::string(cast<StringLiteralExpr>(expr).getValue(), expr.getRange());
  case Expr::Kind::BoolLiteral:
    return Value::boolean(cast<BoolLiteralExpr>(expr).getValue(), expr.getRange());
  case Expr::Kind::Name:
    return evalName(cast<NameExpr>(expr), scope);
  case Expr::Kind::List:
    return evalList(cast<ListExpr>(expr), scope);
  case Expr::Kind::Call:
    return evalCall(cast<CallExpr>(expr), scope);
  case Expr::Kind::Index:
    error(expr.getRange(), "indexing is not supported in this version of dec");
    return std::nullopt;
  case Expr::Kind::Member:
    error(expr.getRange(), "member access is not supported in this version of dec");
    return std::nullopt;
  case Expr::Kind::Unary:
    return evalUnary(cast<UnaryExpr>(expr), scope);
  case Expr::Kind::Binary:
    return evalBinary(cast<BinaryExpr>(expr), scope);
  }
  return std::nullopt;
}

//===------------------------------------------------------------------------------------===//
// Names and calls
//===------------------------------------------------------------------------------------===//

std::optional<Value> Sema::evalName(const NameExpr &expr, Scope &scope) {
  const std::string &name = expr.getName();
  llvm::SMRange use = expr.getRange();
  if (const Scope::Binding *binding = scope.lookup(name))
    return binding->isParam ? binding->value : binding->value.withOrigin(use);

  if (const Decl *decl = lookupGlobal(name)) {
    if (const auto *transform = dyn_cast<TransformDecl>(decl))
      return instantiateTransform(*transform, nullptr, use, scope); // SemaTransform.cpp
    if (const auto *value = dyn_cast<ValueDecl>(decl)) {
      if (value->isParametrised())
        return instantiate(*value, nullptr, use, scope);
      return valueOfDecl(*value, use);
    }
    error(use, "'" + name + "' is a decode entry and cannot be used as a value")
        .note(decl->getNameRange(), "'" + name + "' is declared here");
    return std::nullopt;
  }
  if (std::optional<Value> value = lookupBuiltinValue(name, use))
    return value;
  if (lookupBuiltinFunction(name)) {
    error(use, "'" + name + "' is a function; call it with arguments, as in '" + name + "(...)'");
    return std::nullopt;
  }
  reportUnknownName(name, use, scope);
  return std::nullopt;
}

std::optional<Value> Sema::evalCall(const CallExpr &expr, Scope &scope) {
  const auto *callee = dyn_cast<NameExpr>(&expr.getCallee());
  if (!callee) {
    if (llvm::isa<MemberExpr>(expr.getCallee()))
      error(expr.getCallee().getRange(), "member access is not supported in this version of dec");
    else
      error(expr.getCallee().getRange(), "only named functions and declarations can be called");
    return std::nullopt;
  }
  const std::string &name = callee->getName();
  llvm::SMRange range = expr.getRange();

  if (const Scope::Binding *binding = scope.lookup(name)) {
    error(callee->getRange(),
          "'" + name + "' is a value of type '" + binding->value.typeName() + "', not a function")
        .note(binding->nameRange, "'" + name + "' is declared here");
    return std::nullopt;
  }
  if (const Decl *decl = lookupGlobal(name)) {
    if (const auto *transform = dyn_cast<TransformDecl>(decl))
      return instantiateTransform(*transform, &expr, range, scope); // SemaTransform.cpp
    const auto *value = dyn_cast<ValueDecl>(decl);
    if (!value) {
      error(callee->getRange(), "'" + name +
                                    "' is a decode entry; calling decode entries is "
                                    "not supported")
          .note(decl->getNameRange(), "'" + name + "' is declared here");
      return std::nullopt;
    }
    if (!value->isParametrised()) {
      error(callee->getRange(), "'" + name + "' has no parameters; use it without '(...)'")
          .note(decl->getNameRange(), "'" + name + "' is declared here");
      return std::nullopt;
    }
    return instantiate(*value, &expr, range, scope);
  }
  if (const BuiltinFunction *fn = lookupBuiltinFunction(name)) {
    std::optional<BoundArgs> args = bindArguments(&expr.getArgs(), fn->params, name, range, scope);
    if (!args)
      return std::nullopt;
    return fn->evaluate(*this, *fn, *args);
  }
  if (lookupBuiltinValue(name, range)) {
    error(callee->getRange(), "'" + name + "' is not a function; use it without '(...)'");
    return std::nullopt;
  }
  reportUnknownName(name, callee->getRange(), scope);
  return std::nullopt;
}

std::optional<BoundArgs> Sema::bindArguments(const std::vector<Argument> *args,
                                             llvm::ArrayRef<ParamSpec> params, llvm::StringRef what,
                                             llvm::SMRange callRange, Scope &scope) {
  BoundArgs bound;
  bound.callRange = callRange;
  bound.slots.resize(params.size());
  std::vector<llvm::SMRange> slotRanges(params.size());
  size_t positionalSlots = params.size();
  for (size_t i = 0; i != params.size(); ++i)
    if (params[i].variadic)
      positionalSlots = i;
  bool hasVariadic = positionalSlots != params.size();

  bool ok = true, reportedTooMany = false;
  const Argument *firstNamed = nullptr;
  size_t positional = 0;
  static const std::vector<Argument> noArgs;
  for (const Argument &arg : args ? *args : noArgs) {
    std::optional<Value> value = eval(*arg.value, scope);
    if (!value) {
      ok = false;
      continue;
    }
    // Where the argument lands decides whether a run-time value may go there.
    auto acceptsRuntime = [&](const ParamSpec &spec) {
      if (!value->isRuntime() || spec.acceptsRuntime)
        return true;
      if (value->is(Value::Kind::Prompt))
        error(arg.value->getRange(), "the prompt is only known at run time; in this version it "
                                     "can only be passed to a schedule such as "
                                     "'autoregressive'");
      else
        error(arg.value->getRange(), "a schedule call can only be returned from a decode entry");
      ok = false;
      return false;
    };
    if (arg.isNamed()) {
      if (!firstNamed)
        firstNamed = &arg;
      auto it = llvm::find_if(
          params, [&](const ParamSpec &p) { return !p.variadic && p.name == arg.name; });
      if (it == params.end()) {
        std::vector<llvm::StringRef> names;
        for (const ParamSpec &p : params)
          if (!p.variadic)
            names.push_back(p.name);
        error(arg.nameRange, "unknown argument '" + arg.name + "' in call to '" + what + "'" +
                                 didYouMean(arg.name, names));
        ok = false;
        continue;
      }
      size_t slot = it - params.begin();
      if (bound.slots[slot]) {
        error(arg.nameRange, "argument '" + arg.name + "' is given twice")
            .note(slotRanges[slot], "first given here");
        ok = false;
        continue;
      }
      if (!acceptsRuntime(params[slot]))
        continue;
      bound.slots[slot] = std::move(value);
      slotRanges[slot] = llvm::SMRange(arg.nameRange.Start, arg.value->getRange().End);
      continue;
    }
    if (firstNamed) {
      error(arg.value->getRange(),
            "positional argument after named argument '" + firstNamed->name + "'");
      ok = false;
      continue;
    }
    if (positional < positionalSlots) {
      if (acceptsRuntime(params[positional])) {
        bound.slots[positional] = std::move(value);
        slotRanges[positional] = arg.value->getRange();
      }
    } else if (hasVariadic) {
      if (acceptsRuntime(params[positionalSlots]))
        bound.rest.push_back(std::move(*value));
    } else if (!reportedTooMany) {
      error(arg.value->getRange(), "too many arguments to '" + what + "' (it takes " +
                                       std::to_string(params.size()) +
                                       (params.size() == 1 ? " argument)" : " arguments)"));
      reportedTooMany = true;
      ok = false;
    }
    ++positional;
  }
  if (!ok)
    return std::nullopt;

  for (size_t i = 0; i != params.size(); ++i) {
    if (params[i].variadic || !params[i].required || bound.slots[i])
      continue;
    if (args)
      error(callRange, "missing argument '" + params[i].name + "' in call to '" + what + "'");
    else
      error(callRange, "'" + what + "' needs an argument for parameter '" + params[i].name +
                           "'; call it as '" + what + "(...)'");
    ok = false;
  }
  if (!ok)
    return std::nullopt;
  return bound;
}

std::optional<Value> Sema::evalList(const ListExpr &expr, Scope &scope) {
  std::vector<Value> elements;
  bool ok = true;
  for (const ExprPtr &element : expr.getElements()) {
    std::optional<Value> value = eval(*element, scope);
    if (!value) {
      ok = false;
      continue;
    }
    if (value->isRuntime()) {
      error(element->getRange(), "lists of run-time values are not supported yet");
      ok = false;
      continue;
    }
    // Nested lists have no use yet, and `let b = [a, a];` chains would double in size.
    if (value->is(Value::Kind::List)) {
      error(element->getRange(), "nested lists are not supported");
      ok = false;
      continue;
    }
    elements.push_back(std::move(*value));
  }
  if (!ok)
    return std::nullopt;
  return Value::list(std::move(elements), expr.getRange());
}

//===------------------------------------------------------------------------------------===//
// Operators
//===------------------------------------------------------------------------------------===//

/// The plural noun for the kinds of value operators do not apply to.
static const char *opaqueKindNoun(const Value &value) {
  switch (value.getKind()) {
  case Value::Kind::Pipeline:
    return "samplers";
  case Value::Kind::Constraint:
    return "constraints";
  case Value::Kind::Model:
    return "models";
  case Value::Kind::Schedule:
    return "schedules";
  default:
    return nullptr;
  }
}

std::optional<Value> Sema::evalUnary(const UnaryExpr &expr, Scope &scope) {
  std::optional<Value> operand = eval(expr.getOperand(), scope);
  if (!operand)
    return std::nullopt;
  if (operand->isRuntime()) {
    error(expr.getRange(), "operators on run-time values are not supported yet");
    return std::nullopt;
  }
  if (const char *noun = opaqueKindNoun(*operand); noun && expr.getOp() == UnaryOp::Neg) {
    error(expr.getRange(), std::string("arithmetic on ") + noun + " is not supported");
    return std::nullopt;
  }
  std::string why;
  std::optional<Value> result = foldUnary(expr.getOp(), *operand, expr.getRange(), why);
  if (!result)
    error(expr.getRange(), why);
  return result;
}

std::optional<Value> Sema::evalBinary(const BinaryExpr &expr, Scope &scope) {
  std::optional<Value> lhs = eval(expr.getLHS(), scope);
  std::optional<Value> rhs = eval(expr.getRHS(), scope);
  if (!lhs || !rhs)
    return std::nullopt;
  BinaryOp op = expr.getOp();
  llvm::SMRange opRange = expr.getOpRange();

  if (op == BinaryOp::Pipe || op == BinaryOp::Conj) {
    std::optional<Value> result =
        op == BinaryOp::Pipe ? compose(*lhs, *rhs, opRange) : conjoin(*lhs, *rhs, opRange);
    if (!result)
      return std::nullopt;
    return result->withOrigin(expr.getRange());
  }

  std::string opText = spelling(op).str();
  auto report = [&](const llvm::Twine &message) {
    error(opRange, message).range(expr.getLHS().getRange()).range(expr.getRHS().getRange());
    return std::nullopt;
  };
  if (lhs->isRuntime() || rhs->isRuntime())
    return report("operators on run-time values are not supported yet");

  if (isArithmetic(op)) {
    for (const Value *operand : {&*lhs, &*rhs})
      if (const char *noun = opaqueKindNoun(*operand))
        return report(std::string("arithmetic on ") + noun + " is not supported");
    if (!lhs->isNumber() || !rhs->isNumber())
      return report("invalid operands to '" + opText + "' ('" + lhs->typeName() + "' and '" +
                    rhs->typeName() + "')");
    std::string why;
    std::optional<Value> result = foldArithmetic(op, *lhs, *rhs, expr.getRange(), why);
    if (!result)
      return report(why);
    return result;
  }
  if (isComparison(op)) {
    for (const Value *operand : {&*lhs, &*rhs})
      if (const char *noun = opaqueKindNoun(*operand))
        return report(std::string("comparison of ") + noun + " is not supported");
    std::string why;
    std::optional<Value> result = foldComparison(op, *lhs, *rhs, expr.getRange(), why);
    if (!result)
      return report(why);
    return result;
  }
  // && and ||
  if (!lhs->is(Value::Kind::Bool) || !rhs->is(Value::Kind::Bool)) {
    std::string hint;
    if (lhs->is(Value::Kind::Constraint) || rhs->is(Value::Kind::Constraint))
      hint = "; use '&' to combine constraints";
    else if (lhs->is(Value::Kind::Pipeline) || rhs->is(Value::Kind::Pipeline))
      hint = "; use '|' to build a sampler pipeline";
    return report("invalid operands to '" + opText + "' ('" + lhs->typeName() + "' and '" +
                  rhs->typeName() + "')" + hint);
  }
  return foldLogical(op, *lhs, *rhs, expr.getRange());
}

//===------------------------------------------------------------------------------------===//
// Pipelines and conjunctions
//===------------------------------------------------------------------------------------===//

static llvm::StringRef choiceName(ChoiceKind choice) {
  return choice == ChoiceKind::Greedy ? "greedy" : "sample";
}

std::optional<Value> Sema::compose(const Value &lhs, const Value &rhs, llvm::SMRange opRange) {
  for (const Value *operand : {&lhs, &rhs}) {
    if (operand->is(Value::Kind::Pipeline))
      continue;
    const char *side = operand == &lhs ? "left" : "right";
    if (operand->is(Value::Kind::Constraint))
      error(opRange, "'|' does not combine constraints; use '&' for their conjunction")
          .range(operand->getOrigin());
    else
      error(opRange, std::string("'|' builds a sampler from transforms and a choice, but its ") +
                         side + " operand has type '" + operand->typeName() + "'")
          .range(operand->getOrigin());
    return std::nullopt;
  }
  const Pipeline &first = lhs.getPipeline(), &second = rhs.getPipeline();
  if (first.choice) {
    Diagnostic diag = error(opRange, "nothing can follow the terminal choice '" +
                                         choiceName(*first.choice) + "'");
    if (first.choiceRange.isValid())
      diag.note(first.choiceRange,
                "the pipeline ends with '" + choiceName(*first.choice) + "' here");
    return std::nullopt;
  }
  if (first.steps.size() + second.steps.size() > kMaxPipelineSteps) {
    error(opRange, "sampler pipeline is too long (the limit is " +
                       std::to_string(kMaxPipelineSteps) + " transforms)");
    return std::nullopt;
  }
  Pipeline result;
  result.steps = first.steps;
  llvm::append_range(result.steps, second.steps);
  result.choice = second.choice;
  result.choiceRange = second.choiceRange;
  return Value::pipeline(std::move(result), opRange);
}

/// Appends the strings of `from` not yet in `to` (keeping first occurrences in order).
static void appendDistinct(std::vector<std::string> &to, std::vector<llvm::SMRange> &toRanges,
                           const std::vector<std::string> &from,
                           const std::vector<llvm::SMRange> &fromRanges) {
  llvm::StringSet<> seen;
  for (const std::string &s : to)
    seen.insert(s);
  for (size_t i = 0; i != from.size(); ++i) {
    if (seen.insert(from[i]).second) {
      to.push_back(from[i]);
      toRanges.push_back(fromRanges[i]);
    }
  }
}

std::optional<Value> Sema::conjoin(const Value &lhs, const Value &rhs, llvm::SMRange opRange) {
  for (const Value *operand : {&lhs, &rhs}) {
    if (operand->is(Value::Kind::Constraint))
      continue;
    const char *side = operand == &lhs ? "left" : "right";
    if (operand->is(Value::Kind::Pipeline))
      error(opRange, "'&' combines constraints; use '|' to build a sampler pipeline")
          .range(operand->getOrigin());
    else if (operand->is(Value::Kind::Bool))
      error(opRange, "'&' combines constraints; use '&&' for the logical and of booleans")
          .range(operand->getOrigin());
    else
      error(opRange, std::string("'&' combines constraints, but its ") + side +
                         " operand has type '" + operand->typeName() + "'")
          .range(operand->getOrigin());
    return std::nullopt;
  }
  const ConstraintSet &a = lhs.getConstraint(), &b = rhs.getConstraint();
  ConstraintSet result = a;
  if (b.maxTokens && (!result.maxTokens || *b.maxTokens < *result.maxTokens)) {
    result.maxTokens = b.maxTokens;
    result.maxTokensRange = b.maxTokensRange;
  }
  appendDistinct(result.stopStrings, result.stopRanges, b.stopStrings, b.stopRanges);
  appendDistinct(result.bannedStrings, result.banRanges, b.bannedStrings, b.banRanges);
  for (int32_t token : b.bannedTokens)
    if (!llvm::is_contained(result.bannedTokens, token))
      result.bannedTokens.push_back(token);
  if (b.stopEos && !result.stopEos) {
    result.stopEos = true;
    result.stopEosRange = b.stopEosRange;
  }
  if (b.banEos && !result.banEos) {
    result.banEos = true;
    result.banEosRange = b.banEosRange;
  }
  if (a.structured && b.structured) {
    error(b.structuredRange, "a schedule takes one regex, json_schema, grammar, lark or "
                             "choice constraint; their intersection is not supported")
        .note(a.structuredRange, "the other one is here")
        .note(opRange, "combined here");
    return std::nullopt;
  }
  if (b.structured) {
    result.structured = b.structured;
    result.structuredRange = b.structuredRange;
  }

  size_t items =
      result.stopStrings.size() + result.bannedStrings.size() + result.bannedTokens.size();
  if (items > kMaxConstraintItems) {
    error(opRange, "constraint is too large (more than " + std::to_string(kMaxConstraintItems) +
                       " stop strings and bans)");
    return std::nullopt;
  }
  if (result.stopEos && result.banEos) {
    error(result.banEosRange, "'eos' cannot be both a stop condition and banned")
        .note(result.stopEosRange, "'eos' is a stop condition here")
        .note(opRange, "combined here");
    return std::nullopt;
  }
  return Value::constraint(std::move(result), opRange);
}
