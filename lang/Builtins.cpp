//===- Builtins.cpp - The built-in functions and values of dec -----------------------===//

#include "lang/Builtins.h"
#include "lang/BuiltinsConstraints.h"
#include "lang/BuiltinsProcessors.h"

#include "lang/Literals.h"
#include "lang/SemaInternal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

using namespace dec::lang;

std::optional<Value> dec::lang::typedArg(Sema &sema, const BuiltinFunction &fn,
                                         const BoundArgs &args, size_t slot, DeclaredType type) {
  const Value &value = *args.slots[slot];
  std::string why;
  std::optional<Value> converted = convertTo(value, type, why);
  if (!converted)
    sema.error(value.getOrigin(),
               "argument '" + fn.params[slot].name + "' of '" + fn.name + "' " + why);
  return converted;
}

namespace {

using Evaluator = std::optional<Value> (*)(Sema &, const BuiltinFunction &, const BoundArgs &);

std::optional<Value> makeTransform(Sema &sema, const BoundArgs &args, TransformKind kind,
                                   double value) {
  Pipeline pipeline;
  pipeline.steps.push_back({kind, value, sema.toLoc(args.callRange.Start)});
  return Value::pipeline(std::move(pipeline), args.callRange);
}

//===------------------------------------------------------------------------------------===//
// Transforms
//===------------------------------------------------------------------------------------===//

std::optional<Value> evalTemperature(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  std::optional<Value> t = typedArg(sema, fn, args, 0, DeclaredType::F32);
  if (!t)
    return std::nullopt;
  double value = t->getFloat();
  if (value == 0) {
    sema.error(t->getOrigin(),
               "temperature must be greater than 0; use 'greedy' instead of temperature 0");
    return std::nullopt;
  }
  if (value < 0) {
    sema.error(t->getOrigin(),
               "temperature must be greater than 0 (got " + formatNumber(value) + ")");
    return std::nullopt;
  }
  return makeTransform(sema, args, TransformKind::Temperature, value);
}

std::optional<Value> evalTopK(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  std::optional<Value> k = typedArg(sema, fn, args, 0, DeclaredType::I32);
  if (!k)
    return std::nullopt;
  if (k->getInt() < 1) {
    sema.error(k->getOrigin(), "top_k requires k >= 1 (got " + std::to_string(k->getInt()) + ")");
    return std::nullopt;
  }
  return makeTransform(sema, args, TransformKind::TopK, double(k->getInt()));
}

/// A probability-like parameter: `lowOpen` says whether the lower bound 0 is excluded.
std::optional<Value> evalProbabilityTransform(Sema &sema, const BuiltinFunction &fn,
                                              const BoundArgs &args, TransformKind kind,
                                              bool lowOpen) {
  std::optional<Value> p = typedArg(sema, fn, args, 0, DeclaredType::F32);
  if (!p)
    return std::nullopt;
  double value = p->getFloat();
  bool ok = (lowOpen ? value > 0 : value >= 0) && value <= 1;
  if (!ok) {
    sema.error(p->getOrigin(), fn.name + " requires " + (lowOpen ? "0 < p" : "0 <= p") +
                                   " <= 1 (got " + formatNumber(value) + ")");
    return std::nullopt;
  }
  return makeTransform(sema, args, kind, value);
}

std::optional<Value> evalTopP(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  return evalProbabilityTransform(sema, fn, args, TransformKind::TopP, /*lowOpen=*/true);
}

std::optional<Value> evalMinP(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  return evalProbabilityTransform(sema, fn, args, TransformKind::MinP, /*lowOpen=*/false);
}

std::optional<Value> evalRepetitionPenalty(Sema &sema, const BuiltinFunction &fn,
                                           const BoundArgs &args) {
  std::optional<Value> r = typedArg(sema, fn, args, 0, DeclaredType::F32);
  if (!r)
    return std::nullopt;
  if (!(r->getFloat() > 0)) {
    sema.error(r->getOrigin(),
               "repetition_penalty requires r > 0 (got " + formatNumber(r->getFloat()) + ")");
    return std::nullopt;
  }
  std::optional<Value> step =
      makeTransform(sema, args, TransformKind::RepetitionPenalty, r->getFloat());
  // scope: "all" (HF / vLLM: prompt and output), "prompt" or "generated".
  if (!evaluateTokenScope(sema, fn, args, 1, TokenScope::All,
                          step->getPipeline().steps.back()))
    return std::nullopt;
  return step;
}

//===------------------------------------------------------------------------------------===//
// Constraints and tokens
//===------------------------------------------------------------------------------------===//

std::optional<Value> evalMaxTokens(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  std::optional<Value> n = typedArg(sema, fn, args, 0, DeclaredType::I32);
  if (!n)
    return std::nullopt;
  if (n->getInt() < 1) {
    sema.error(n->getOrigin(),
               "max_tokens requires n >= 1 (got " + std::to_string(n->getInt()) + ")");
    return std::nullopt;
  }
  ConstraintSet set;
  set.maxTokens = n->getInt();
  set.maxTokensRange = n->getOrigin();
  return Value::constraint(std::move(set), args.callRange);
}

/// The items of stop(...) and ban(...): the arguments, with lists spliced in.
bool collectItems(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args,
                  std::vector<Value> &items) {
  if (args.rest.empty()) {
    sema.error(args.callRange, fn.name + "() needs at least one string" +
                                   (fn.name == "ban" ? ", token or 'eos'" : " or 'eos'"));
    return false;
  }
  for (const Value &arg : args.rest) {
    if (!arg.is(Value::Kind::List)) {
      items.push_back(arg);
      continue;
    }
    // Lists never nest (Sema rejects that when it builds them).
    for (const Value &element : arg.getList())
      items.push_back(element);
  }
  return true;
}

std::optional<Value> evalStop(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  std::vector<Value> items;
  if (!collectItems(sema, fn, args, items))
    return std::nullopt;
  ConstraintSet set;
  bool ok = true;
  for (const Value &item : items) {
    if (item.is(Value::Kind::String)) {
      if (item.getString().empty()) {
        sema.error(item.getOrigin(), "stop string must not be empty");
        ok = false;
      } else if (!llvm::is_contained(set.stopStrings, item.getString())) {
        set.stopStrings.push_back(item.getString());
        set.stopRanges.push_back(item.getOrigin());
      }
    } else if (item.is(Value::Kind::Token) && item.getToken().isEos) {
      if (!set.stopEos)
        set.stopEosRange = item.getOrigin();
      set.stopEos = true;
    } else if (item.is(Value::Kind::Token)) {
      sema.error(item.getOrigin(), "stop() accepts strings and 'eos'; stopping at a token id "
                                   "is not supported yet");
      ok = false;
    } else {
      sema.error(item.getOrigin(),
                 "stop() accepts strings and 'eos', got '" + item.typeName() + "'");
      ok = false;
    }
  }
  if (!ok)
    return std::nullopt;
  if (set.stopStrings.size() > Sema::kMaxConstraintItems) {
    sema.error(args.callRange, "too many stop strings (the limit is " +
                                   std::to_string(Sema::kMaxConstraintItems) + ")");
    return std::nullopt;
  }
  return Value::constraint(std::move(set), args.callRange);
}

std::optional<Value> evalBan(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  std::vector<Value> items;
  if (!collectItems(sema, fn, args, items))
    return std::nullopt;
  ConstraintSet set;
  bool ok = true;
  for (const Value &item : items) {
    if (item.is(Value::Kind::String)) {
      if (item.getString().empty()) {
        sema.error(item.getOrigin(), "banned string must not be empty");
        ok = false;
      } else if (!llvm::is_contained(set.bannedStrings, item.getString())) {
        set.bannedStrings.push_back(item.getString());
        set.banRanges.push_back(item.getOrigin());
      }
    } else if (item.is(Value::Kind::Token) && item.getToken().isEos) {
      if (!set.banEos)
        set.banEosRange = item.getOrigin();
      set.banEos = true;
    } else if (item.is(Value::Kind::Token)) {
      if (!llvm::is_contained(set.bannedTokens, item.getToken().id))
        set.bannedTokens.push_back(item.getToken().id);
    } else {
      sema.error(item.getOrigin(),
                 "ban() accepts strings, 'token(id)' and 'eos', got '" + item.typeName() + "'");
      ok = false;
    }
  }
  if (!ok)
    return std::nullopt;
  if (set.bannedStrings.size() + set.bannedTokens.size() > Sema::kMaxConstraintItems) {
    sema.error(args.callRange,
               "too many bans (the limit is " + std::to_string(Sema::kMaxConstraintItems) + ")");
    return std::nullopt;
  }
  return Value::constraint(std::move(set), args.callRange);
}

std::optional<Value> evalToken(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  std::optional<Value> id = typedArg(sema, fn, args, 0, DeclaredType::I32);
  if (!id)
    return std::nullopt;
  if (id->getInt() < 0) {
    sema.error(id->getOrigin(),
               "token id must not be negative (got " + std::to_string(id->getInt()) + ")");
    return std::nullopt;
  }
  return Value::token(TokenRef{false, int32_t(id->getInt())}, args.callRange);
}

//===------------------------------------------------------------------------------------===//
// Models
//===------------------------------------------------------------------------------------===//

/// Resolves a model or tokenizer path and checks that it names a regular file.
std::optional<std::string> checkedFile(Sema &sema, const Value &path, llvm::StringRef what,
                                       llvm::SMRange callRange) {
  const std::string &written = path.getString();
  llvm::SMRange where = path.getOrigin().isValid() ? path.getOrigin() : callRange;
  if (written.empty()) {
    sema.error(where, what + " path is empty");
    return std::nullopt;
  }
  if (written.find('\0') != std::string::npos) {
    sema.error(where, what + " path contains a NUL character");
    return std::nullopt;
  }
  std::string resolved = sema.resolvePath(written, where.Start);
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(resolved, status)) {
    sema.error(where, what + " file '" + written + "' not found (resolved to '" + resolved + "')");
    return std::nullopt;
  }
  if (!llvm::sys::fs::is_regular_file(status)) {
    sema.error(where, what + " file '" + written + "' is not a regular file (resolved to '" +
                          resolved + "')");
    return std::nullopt;
  }
  return resolved;
}

std::optional<Value> evalCausal(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  std::optional<Value> path = typedArg(sema, fn, args, 0, DeclaredType::String);
  std::optional<Value> tokenizer = typedArg(sema, fn, args, 1, DeclaredType::String);
  if (!path || !tokenizer)
    return std::nullopt;
  std::optional<std::string> modelPath = checkedFile(sema, *path, "model", args.callRange);
  std::optional<std::string> tokenizerPath =
      checkedFile(sema, *tokenizer, "tokenizer", args.callRange);
  if (!modelPath || !tokenizerPath)
    return std::nullopt;
  ModelPlan model;
  model.kind = "causal";
  model.modelPath = std::move(*modelPath);
  model.tokenizerPath = std::move(*tokenizerPath);
  model.loc = sema.toLoc(args.callRange.Start);
  return Value::model(sema.addModel(std::move(model)), args.callRange);
}

//===------------------------------------------------------------------------------------===//
// Schedules
//===------------------------------------------------------------------------------------===//

/// Warns about stop strings that can never occur because they contain a banned string.
void warnUnreachableStops(Sema &sema, const ConstraintSet &set) {
  size_t work = 0;
  for (size_t i = 0; i != set.stopStrings.size(); ++i) {
    for (size_t j = 0; j != set.bannedStrings.size(); ++j) {
      if (++work > 100000) // quadratic; a bound keeps pathological programs fast
        return;
      if (set.stopStrings[i].find(set.bannedStrings[j]) == std::string::npos)
        continue;
      sema.warning(set.stopRanges[i], "stop string " + quoted(set.stopStrings[i]) +
                                          " can never occur: it contains the banned string " +
                                          quoted(set.bannedStrings[j]))
          .note(set.banRanges[j], "banned here");
      break;
    }
  }
}

std::optional<Value> evalAutoregressive(Sema &sema, const BuiltinFunction &fn,
                                        const BoundArgs &args) {
  enum Slot {
    ModelSlot,
    PromptSlot,
    SamplerSlot,
    ConstraintSlot,
    MaxTokensSlot,
    StopSlot,
    BanSlot,
    GuidanceSlot,
    LogprobsSlot,
    LogprobsModeSlot,
    EnforceSlot
  };
  bool ok = true;

  const Value &model = *args.slots[ModelSlot];
  if (!model.is(Value::Kind::Model)) {
    sema.error(model.getOrigin(), "argument 'model' of 'autoregressive' expects 'model', got '" +
                                      model.typeName() + "'");
    ok = false;
  }
  const Value &prompt = *args.slots[PromptSlot];
  if (!prompt.is(Value::Kind::Prompt)) {
    if (prompt.is(Value::Kind::String))
      sema.error(prompt.getOrigin(), "'autoregressive' takes the decode entry's prompt "
                                     "parameter here; prompt templates are not supported yet");
    else
      sema.error(prompt.getOrigin(), "argument 'prompt' of 'autoregressive' expects the decode "
                                     "entry's prompt parameter, got '" +
                                         prompt.typeName() + "'");
    ok = false;
  }

  Pipeline greedy;
  greedy.choice = ChoiceKind::Greedy;
  greedy.name = "greedy";
  Value sampler = Value::pipeline(greedy, args.callRange);
  if (args.slots[SamplerSlot]) {
    sampler = *args.slots[SamplerSlot];
    if (!sampler.is(Value::Kind::Pipeline)) {
      sema.error(sampler.getOrigin(), "argument 'sampler' of 'autoregressive' expects "
                                      "'sampler', got '" +
                                          sampler.typeName() + "'");
      ok = false;
    } else if (!sampler.getPipeline().choice) {
      const std::string &name = sampler.getPipeline().name;
      sema.error(sampler.getOrigin(),
                 (name.empty() ? std::string("this sampler") : "sampler '" + name + "'") +
                     " has no terminal choice; end it with '| sample' or '| greedy'");
      ok = false;
    }
  }

  Value constraint = Value::constraint(ConstraintSet(), args.callRange);
  if (args.slots[ConstraintSlot]) {
    constraint = *args.slots[ConstraintSlot];
    if (!constraint.is(Value::Kind::Constraint)) {
      sema.error(constraint.getOrigin(), "argument 'constraint' of 'autoregressive' expects "
                                         "'constraint', got '" +
                                             constraint.typeName() + "'");
      ok = false;
    }
  }
  if (!ok)
    return std::nullopt;

  // max_tokens:, stop: and ban: are shorthands conjoined with the constraint.
  for (Slot slot : {MaxTokensSlot, StopSlot, BanSlot}) {
    if (!args.slots[slot])
      continue;
    const Value &arg = *args.slots[slot];
    std::optional<Value> extra =
        evaluateConstraintSugar(sema, fn.params[slot].name, arg, arg.getOrigin());
    std::optional<Value> merged =
        extra ? sema.conjoin(constraint, *extra, arg.getOrigin()) : std::nullopt;
    if (!merged) {
      ok = false;
      continue;
    }
    constraint = merged->withOrigin(constraint.getOrigin());
  }
  if (!ok)
    return std::nullopt;
  warnUnreachableStops(sema, constraint.getConstraint());

  ScheduleCall call;
  call.kind = ScheduleKind::Autoregressive;
  call.modelIndex = model.getModel().index;
  call.sampler = sema.toSamplerPlan(sampler);
  call.constraint = sema.toConstraintPlan(constraint.getConstraint(), constraint.getOrigin());
  call.loc = sema.toLoc(args.callRange.Start);
  // guidance:, logprobs:, logprobs_mode: (BuiltinsProcessors.cpp)
  if (!evaluateScheduleExtras(sema, args, GuidanceSlot, LogprobsSlot, LogprobsModeSlot, call))
    return std::nullopt;
  // enforce: "mask" | "rejection" (BuiltinsConstraints.cpp).
  if (!evaluateEnforcement(sema, args.slots[EnforceSlot], sampler.getPipeline(), call))
    return std::nullopt;
  return Value::schedule(std::move(call), args.callRange);
}

//===------------------------------------------------------------------------------------===//
// The tables
//===------------------------------------------------------------------------------------===//

ParamSpec requiredParam(const char *name) { return {name, true, false, false}; }
ParamSpec optionalParam(const char *name) { return {name, false, false, false}; }
ParamSpec variadicParam(const char *name) { return {name, false, true, false}; }

const std::vector<BuiltinFunction> &functions() {
  static std::vector<BuiltinFunction> table = {
      {"causal", {requiredParam("path"), requiredParam("tokenizer")}, evalCausal},
      {"temperature", {requiredParam("t")}, evalTemperature},
      {"top_k", {requiredParam("k")}, evalTopK},
      {"top_p", {requiredParam("p")}, evalTopP},
      {"min_p", {requiredParam("p")}, evalMinP},
      {"repetition_penalty", {requiredParam("r"), optionalParam("scope")}, evalRepetitionPenalty},
      {"max_tokens", {requiredParam("n")}, evalMaxTokens},
      {"stop", {variadicParam("items")}, evalStop},
      {"ban", {variadicParam("items")}, evalBan},
      {"token", {requiredParam("id")}, evalToken},
      {"autoregressive",
       {requiredParam("model"),
        {"prompt", true, false, /*acceptsRuntime=*/true},
        optionalParam("sampler"),
        optionalParam("constraint"),
        optionalParam("max_tokens"),
        optionalParam("stop"),
        optionalParam("ban"),
        optionalParam("guidance"),
        optionalParam("logprobs"),
        optionalParam("logprobs_mode"),
        optionalParam("enforce")},
       evalAutoregressive},
  };
  // Structured-output constraints (BuiltinsConstraints.cpp).
  static const bool withConstraints = (appendConstraintBuiltins(table), true);
  (void)withConstraints;
  // The rest of the HF / vLLM processors (BuiltinsProcessors.cpp).
  static const bool withProcessors = (appendProcessorBuiltins(table), true);
  (void)withProcessors;
  return table;
}

const llvm::StringRef builtinValueNames[] = {"greedy", "sample", "eos"};

} // namespace

const BuiltinFunction *dec::lang::lookupBuiltinFunction(llvm::StringRef name) {
  for (const BuiltinFunction &fn : functions())
    if (fn.name == name)
      return &fn;
  return nullptr;
}

std::optional<Value> dec::lang::lookupBuiltinValue(llvm::StringRef name, llvm::SMRange use) {
  if (name == "greedy" || name == "sample") {
    Pipeline pipeline;
    pipeline.choice = name == "greedy" ? ChoiceKind::Greedy : ChoiceKind::Sample;
    pipeline.choiceRange = use;
    pipeline.name = name.str();
    return Value::pipeline(std::move(pipeline), use);
  }
  if (name == "eos")
    return Value::token(TokenRef{true, -1}, use);
  return lookupProcessorValue(name, use);
}

bool dec::lang::isBuiltinName(llvm::StringRef name) {
  return lookupBuiltinFunction(name) || llvm::is_contained(builtinValueNames, name) ||
         llvm::is_contained(processorValueNames(), name);
}

std::vector<llvm::StringRef> dec::lang::builtinNames() {
  std::vector<llvm::StringRef> names;
  for (const BuiltinFunction &fn : functions())
    names.push_back(fn.name);
  for (llvm::StringRef name : builtinValueNames)
    names.push_back(name);
  for (llvm::StringRef name : processorValueNames())
    names.push_back(name);
  return names;
}

std::optional<Value> dec::lang::evaluateConstraintSugar(Sema &sema, llvm::StringRef name,
                                                        const Value &arg, llvm::SMRange range) {
  const BuiltinFunction *fn = lookupBuiltinFunction(name);
  if (!fn)
    return std::nullopt;
  BoundArgs args;
  args.callRange = range;
  args.slots.resize(fn->params.size());
  if (fn->params.size() == 1 && fn->params[0].variadic) {
    // `stop: []` means "no stop strings": only an absent argument list is an error.
    if (arg.is(Value::Kind::List) && arg.getList().empty())
      return Value::constraint(ConstraintSet(), range);
    args.rest.push_back(arg);
  } else {
    args.slots[0] = arg;
  }
  return fn->evaluate(sema, *fn, args);
}
