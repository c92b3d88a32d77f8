//===- Sema.cpp - Names, declarations and parametrised instantiation -----------------===//

#include "lang/Sema.h"

#include "lang/SemaInternal.h"
#include "lang/TransformAST.h"
#include "lang/TypoCorrection.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace dec::lang;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

std::optional<ProgramPlan> dec::lang::analyze(llvm::ArrayRef<std::unique_ptr<Module>> modules,
                                              DiagnosticEngine &diags) {
  return Sema(modules, diags).run();
}

Sema::Sema(llvm::ArrayRef<std::unique_ptr<Module>> modules, DiagnosticEngine &diags)
    : modules(modules), diags(diags), sourceMgr(diags.getSourceMgr()) {}

std::optional<ProgramPlan> Sema::run() {
  unsigned errorsBefore = diags.numErrors();
  collectDeclarations();

  // Declarations first, in source order, so that models are numbered in the order they
  // are declared and every declaration is checked even when no decode entry uses it.
  for (const auto &module : modules) {
    for (const DeclPtr &decl : module->decls) {
      if (diags.limitReached())
        return std::nullopt;
      if (const auto *transform = dyn_cast<TransformDecl>(decl.get())) {
        evaluationSteps = 0;
        if (!redefinitions.count(transform))
          checkTransform(*transform); // SemaTransform.cpp
        continue;
      }
      const auto *value = dyn_cast<ValueDecl>(decl.get());
      if (!value || redefinitions.count(value))
        continue;
      evaluationSteps = 0; // the budget is per top-level item
      if (value->isParametrised())
        checkParametrised(*value);
      else
        valueOfDecl(*value, value->getNameRange());
    }
  }

  ProgramPlan plan;
  for (const auto &module : modules) {
    for (const DeclPtr &decl : module->decls) {
      if (diags.limitReached())
        return std::nullopt;
      const auto *decode = dyn_cast<DecodeDecl>(decl.get());
      if (!decode || redefinitions.count(decode))
        continue;
      evaluationSteps = 0;
      if (std::optional<DecodeEntry> entry = checkDecode(*decode))
        plan.entries.push_back(std::move(*entry));
    }
  }

  if (diags.numErrors() != errorsBefore)
    return std::nullopt;
  plan.models = models;
  for (const auto &module : modules)
    plan.sourceFiles.push_back(module->path);
  llvm::append_range(plan.sourceFiles, readFiles);
  return plan;
}

//===------------------------------------------------------------------------------------===//
// Diagnostics and services
//===------------------------------------------------------------------------------------===//

static bool contains(llvm::SMRange range, llvm::SMLoc loc) {
  auto p = reinterpret_cast<uintptr_t>(loc.getPointer());
  return range.isValid() && reinterpret_cast<uintptr_t>(range.Start.getPointer()) <= p &&
         p < reinterpret_cast<uintptr_t>(range.End.getPointer());
}

Diagnostic Sema::error(llvm::SMRange range, const llvm::Twine &message) {
  Diagnostic diag = diags.error(range, message);
  // Innermost instantiation first.  While the location is inside the instantiated
  // declaration, say where it was instantiated from; once it is outside (an argument at
  // the call site), say which declaration was being instantiated.
  // Like clang's template backtrace, long chains show only their innermost frames.
  static constexpr unsigned kMaxNotes = 10;
  llvm::SMLoc current = range.Start;
  unsigned shown = 0;
  for (const Instantiation &frame : llvm::reverse(instantiations)) {
    if (frame.quiet)
      break;
    if (shown++ == kMaxNotes) {
      size_t rest = 0;
      for (const Instantiation &outer : instantiations)
        rest += !outer.quiet;
      diag.note(llvm::SMLoc(),
                "(" + std::to_string(rest - kMaxNotes) + " more instantiations not shown)");
      break;
    }
    const std::string &name = frame.decl->getName();
    if (contains(frame.decl->getRange(), current)) {
      diag.note(frame.use, "in instantiation of '" + name + "' requested here");
      current = frame.use.Start;
    } else {
      diag.note(frame.decl->getNameRange(), "in instantiation of '" + name + "' declared here");
    }
  }
  return diag;
}

Diagnostic Sema::warning(llvm::SMRange range, const llvm::Twine &message) {
  return diags.warning(range, message);
}

Loc Sema::toLoc(llvm::SMLoc loc) const {
  Loc result;
  unsigned buffer = loc.isValid() ? sourceMgr.FindBufferContainingLoc(loc) : 0;
  if (!buffer)
    return result;
  auto [line, col] = sourceMgr.getLineAndColumn(loc, buffer);
  result.file = sourceMgr.getMemoryBuffer(buffer)->getBufferIdentifier().str();
  result.line = line;
  result.col = col;
  return result;
}

std::string Sema::resolvePath(llvm::StringRef written, llvm::SMLoc where) const {
  llvm::SmallString<256> path;
  if (llvm::sys::path::is_absolute(written)) {
    path = written;
  } else {
    unsigned buffer = where.isValid() ? sourceMgr.FindBufferContainingLoc(where) : 0;
    if (buffer)
      path = llvm::sys::path::parent_path(sourceMgr.getMemoryBuffer(buffer)->getBufferIdentifier());
    llvm::sys::path::append(path, written);
  }
  llvm::sys::fs::make_absolute(path);
  llvm::sys::path::remove_dots(path, /*remove_dot_dot=*/true);
  return std::string(path);
}

ModelRef Sema::addModel(ModelPlan model) {
  // The same files are the same model: the runtime loads each pair once, however many
  // declarations (or evaluations of a default argument) name it.
  for (size_t i = 0; i != models.size(); ++i)
    if (models[i].kind == model.kind && models[i].modelPath == model.modelPath &&
        models[i].tokenizerPath == model.tokenizerPath)
      return ModelRef{int(i)};
  models.push_back(std::move(model));
  return ModelRef{int(models.size() - 1)};
}

//===------------------------------------------------------------------------------------===//
// The global namespace
//===------------------------------------------------------------------------------------===//

void Sema::collectDeclarations() {
  for (const auto &module : modules) {
    for (const DeclPtr &decl : module->decls) {
      if (isa<ImportDecl>(decl.get()))
        continue;
      const std::string &name = decl->getName();
      if (isBuiltinName(name)) {
        diags.error(decl->getNameRange(),
                    "'" + name + "' is a built-in name and cannot be redefined");
        redefinitions.insert(decl.get());
        continue;
      }
      auto [it, inserted] = globals.try_emplace(name, decl.get());
      if (!inserted) {
        diags.error(decl->getNameRange(), "redefinition of '" + name + "'")
            .note(it->second->getNameRange(), "previous definition is here");
        redefinitions.insert(decl.get());
      }
    }
  }
}

const Decl *Sema::lookupGlobal(llvm::StringRef name) const {
  auto it = globals.find(name);
  return it == globals.end() ? nullptr : it->second;
}

/// Innermost first (locals, then top-level names, then built-ins), each group sorted so
/// that suggestions do not depend on hash order.
std::vector<llvm::StringRef> Sema::visibleNames(const Scope &scope) const {
  std::vector<llvm::StringRef> names = scope.names();
  llvm::sort(names);
  size_t globalsBegin = names.size();
  for (const auto &entry : globals)
    names.push_back(entry.getKey());
  std::sort(names.begin() + globalsBegin, names.end());
  for (llvm::StringRef name : builtinNames())
    names.push_back(name);
  return names;
}

void Sema::reportUnknownName(llvm::StringRef name, llvm::SMRange range, const Scope &scope) {
  error(range, "unknown name '" + name + "'" + didYouMean(name, visibleNames(scope)));
}

//===------------------------------------------------------------------------------------===//
// Declarations
//===------------------------------------------------------------------------------------===//

std::optional<Value> Sema::finishDeclValue(const ValueDecl &decl, std::optional<Value> value) {
  if (!value)
    return std::nullopt;
  llvm::SMRange initRange = decl.getInit().getRange();
  const std::string &name = decl.getName();
  switch (decl.getKind()) {
  case Decl::Kind::Model:
    if (!value->is(Value::Kind::Model)) {
      error(initRange, "model '" + name +
                           "' must be initialised with a model such as "
                           "'causal(...)', not a value of type '" +
                           value->typeName() + "'");
      return std::nullopt;
    }
    if (models[value->getModel().index].name.empty())
      models[value->getModel().index].name = name;
    return value;
  case Decl::Kind::Sampler:
    if (!value->is(Value::Kind::Pipeline)) {
      error(initRange, "sampler '" + name +
                           "' must be a pipeline of transforms and choices, "
                           "not a value of type '" +
                           value->typeName() + "'");
      return std::nullopt;
    }
    value->getPipeline().name = name;
    return value;
  case Decl::Kind::Constraint:
    if (!value->is(Value::Kind::Constraint)) {
      error(initRange, "constraint '" + name + "' must be a constraint, not a value of type '" +
                           value->typeName() + "'");
      return std::nullopt;
    }
    return value;
  default:
    return std::nullopt;
  }
}

std::optional<Value> Sema::valueOfDecl(const ValueDecl &decl, llvm::SMRange use) {
  DeclState &state = declStates[&decl];
  switch (state.status) {
  case DeclState::Done:
    return state.value->withOrigin(use);
  case DeclState::Failed:
    return std::nullopt;
  case DeclState::Evaluating:
    error(use, "'" + decl.getName() + "' is defined in terms of itself")
        .note(decl.getNameRange(), "'" + decl.getName() + "' is declared here");
    return std::nullopt;
  case DeclState::Unvisited:
    break;
  }
  if (evaluationDepth >= kMaxEvaluationDepth) {
    error(use, "declarations are nested too deeply (the limit is " +
                   std::to_string(kMaxEvaluationDepth) + ")");
    return std::nullopt;
  }
  state.status = DeclState::Evaluating;
  // A declaration's value does not depend on who asks for it: evaluate it outside any
  // instantiation, so its own errors carry no instantiation notes.
  std::vector<Instantiation> outer;
  std::swap(outer, instantiations);
  ++evaluationDepth;
  Scope empty;
  std::optional<Value> value = finishDeclValue(decl, eval(decl.getInit(), empty));
  --evaluationDepth;
  std::swap(outer, instantiations);

  DeclState &done = declStates[&decl]; // the map may have grown meanwhile
  done.status = value ? DeclState::Done : DeclState::Failed;
  done.value = value;
  if (!value)
    return std::nullopt;
  return value->withOrigin(use);
}

bool Sema::checkParams(const ValueDecl &decl) {
  DeclState &state = declStates[&decl];
  if (state.paramsOk)
    return *state.paramsOk;
  bool ok = true;
  llvm::StringMap<const ParamDecl *> seen;
  for (const ParamDecl &param : decl.getParams()) {
    auto [it, inserted] = seen.try_emplace(param.name, &param);
    if (!inserted) {
      diags.error(param.nameRange, "duplicate parameter '" + param.name + "'")
          .note(it->second->nameRange, "previous parameter is here");
      ok = false;
    }
    if (!lookupDeclaredType(param.type.name)) {
      diags.error(param.type.range, "unknown type '" + param.type.name + "'" +
                                        didYouMean(param.type.name, declaredTypeNames()));
      ok = false;
    } else if (!param.type.shape.empty()) {
      diags.error(param.type.range,
                  "shaped types such as '" + param.type.name + "[...]' are not supported yet");
      ok = false;
    }
  }
  declStates[&decl].paramsOk = ok;
  return ok;
}

void Sema::checkNames(const Expr &expr, const Scope &scope) {
  if (const auto *name = dyn_cast<NameExpr>(&expr)) {
    if (!scope.lookup(name->getName()) && !lookupGlobal(name->getName()) &&
        !isBuiltinName(name->getName()))
      reportUnknownName(name->getName(), name->getRange(), scope);
    return;
  }
  if (const auto *list = dyn_cast<ListExpr>(&expr)) {
    for (const ExprPtr &element : list->getElements())
      checkNames(*element, scope);
  } else if (const auto *call = dyn_cast<CallExpr>(&expr)) {
    checkNames(call->getCallee(), scope);
    for (const Argument &arg : call->getArgs())
      checkNames(*arg.value, scope);
  } else if (const auto *index = dyn_cast<IndexExpr>(&expr)) {
    checkNames(index->getBase(), scope);
    for (const ExprPtr &i : index->getIndices())
      checkNames(*i, scope);
  } else if (const auto *member = dyn_cast<MemberExpr>(&expr)) {
    checkNames(member->getBase(), scope);
  } else if (const auto *unary = dyn_cast<UnaryExpr>(&expr)) {
    checkNames(unary->getOperand(), scope);
  } else if (const auto *binary = dyn_cast<BinaryExpr>(&expr)) {
    checkNames(binary->getLHS(), scope);
    checkNames(binary->getRHS(), scope);
  }
}

void Sema::checkParametrised(const ValueDecl &decl) {
  if (!checkParams(decl))
    return;
  if (decl.getKind() == Decl::Kind::Model) // the grammar gives models no parameters
    return;
  bool allDefaulted =
      llvm::all_of(decl.getParams(), [](const ParamDecl &p) { return p.defaultValue != nullptr; });
  if (allDefaulted) {
    // Instantiating with the defaults checks defaults and body in one go.  Errors found
    // here are found again (and deduplicated) at uses with the same arguments.
    Scope empty;
    (void)instantiate(decl, nullptr, decl.getNameRange(), empty, /*quiet=*/true);
    return;
  }
  // Without values for every parameter the body cannot be evaluated; check what can be.
  Scope params;
  for (const ParamDecl &param : decl.getParams()) {
    params.bind(param.name, Value::boolean(false, param.nameRange), param.nameRange, true);
    if (param.defaultValue) {
      Scope empty;
      if (std::optional<Value> value = eval(*param.defaultValue, empty)) {
        std::string why;
        if (!convertTo(*value, *lookupDeclaredType(param.type.name), why))
          error(param.defaultValue->getRange(),
                "default value of parameter '" + param.name + "' " + why);
      }
    }
  }
  checkNames(decl.getInit(), params);
}

std::optional<Value> Sema::instantiate(const ValueDecl &decl, const CallExpr *call,
                                       llvm::SMRange use, Scope &callerScope, bool quiet) {
  const std::string &name = decl.getName();
  for (const Instantiation &frame : instantiations) {
    if (frame.decl == &decl) {
      error(use, "recursive use of '" + name + "' is not supported")
          .note(decl.getNameRange(), "'" + name + "' is declared here");
      return std::nullopt;
    }
  }
  if (!checkParams(decl))
    return std::nullopt;
  if (evaluationDepth >= kMaxEvaluationDepth) {
    error(use, "declarations are nested too deeply (the limit is " +
                   std::to_string(kMaxEvaluationDepth) + ")");
    return std::nullopt;
  }

  std::vector<ParamSpec> specs;
  for (const ParamDecl &param : decl.getParams())
    specs.push_back({param.name, param.defaultValue == nullptr, false});
  std::optional<BoundArgs> bound =
      bindArguments(call ? &call->getArgs() : nullptr, specs, name, use, callerScope);
  if (!bound)
    return std::nullopt;

  instantiations.push_back({&decl, use, quiet});
  ++evaluationDepth;
  llvm::scope_exit popFrame([&] {
    --evaluationDepth;
    instantiations.pop_back();
  });

  Scope body;
  bool ok = true;
  const auto &params = decl.getParams();
  for (size_t i = 0; i != params.size(); ++i) {
    const ParamDecl &param = params[i];
    std::optional<Value> value = bound->slots[i];
    bool fromDefault = !value;
    if (fromDefault) {
      Scope empty;
      value = eval(*param.defaultValue, empty);
      if (!value) {
        ok = false;
        continue;
      }
    }
    std::string why;
    std::optional<Value> converted = convertTo(*value, *lookupDeclaredType(param.type.name), why);
    if (!converted) {
      if (fromDefault)
        error(value->getOrigin(), "default value of parameter '" + param.name + "' " + why);
      else
        error(value->getOrigin(), "argument '" + param.name + "' of '" + name + "' " + why);
      ok = false;
      continue;
    }
    body.bind(param.name, std::move(*converted), param.nameRange, /*isParam=*/true);
  }
  if (!ok)
    return std::nullopt;
  std::optional<Value> value = finishDeclValue(decl, eval(decl.getInit(), body));
  if (!value)
    return std::nullopt;
  return value->withOrigin(use);
}
