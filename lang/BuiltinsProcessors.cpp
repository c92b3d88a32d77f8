//===- BuiltinsProcessors.cpp - the HF / vLLM processor built-ins ---------===//

#include "lang/BuiltinsProcessors.h"

#include "lang/Literals.h"
#include "lang/SemaInternal.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace dec::lang;

namespace {

Value makeStep(Sema &sema, const BoundArgs &args, TransformKind kind, double value,
               ProcessorArgs processorArgs = {}) {
  Pipeline pipeline;
  TransformStep step{kind, value, sema.toLoc(args.callRange.Start)};
  step.args = std::move(processorArgs);
  pipeline.steps.push_back(std::move(step));
  return Value::pipeline(std::move(pipeline), args.callRange);
}

/// A number argument checked against [lo, hi] ("<name> requires lo <= x <= hi").
std::optional<double> boundedFloat(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args,
                                   size_t slot, double lo, double hi) {
  std::optional<Value> v = typedArg(sema, fn, args, slot, DeclaredType::F32);
  if (!v)
    return std::nullopt;
  double x = v->getFloat();
  if (!(x >= lo && x <= hi)) {
    sema.error(v->getOrigin(), fn.name + " requires " + formatNumber(lo) + " <= " +
                                   fn.params[slot].name + " <= " + formatNumber(hi) + " (got " +
                                   formatNumber(x) + ")");
    return std::nullopt;
  }
  return x;
}

std::optional<int64_t> boundedInt(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args,
                                  size_t slot, int64_t lo) {
  std::optional<Value> v = typedArg(sema, fn, args, slot, DeclaredType::I32);
  if (!v)
    return std::nullopt;
  if (v->getInt() < lo) {
    sema.error(v->getOrigin(), fn.name + " requires " + fn.params[slot].name +
                                   " >= " + std::to_string(lo) + " (got " +
                                   std::to_string(v->getInt()) + ")");
    return std::nullopt;
  }
  return v->getInt();
}

//===----------------------------------------------------------------------===//
// Penalties
//===----------------------------------------------------------------------===//

/// frequency_penalty(f, scope: "generated") / presence_penalty(p, ...): vLLM's
/// range [-2, 2] and its scope (the generated tokens).
std::optional<Value> evalCountPenalty(Sema &sema, const BuiltinFunction &fn,
                                      const BoundArgs &args, TransformKind kind) {
  std::optional<double> x = boundedFloat(sema, fn, args, 0, -2.0, 2.0);
  if (!x)
    return std::nullopt;
  Value v = makeStep(sema, args, kind, *x);
  if (!evaluateTokenScope(sema, fn, args, 1, TokenScope::Generated,
                          v.getPipeline().steps.back()))
    return std::nullopt;
  return v;
}

std::optional<Value> evalFrequencyPenalty(Sema &sema, const BuiltinFunction &fn,
                                          const BoundArgs &args) {
  return evalCountPenalty(sema, fn, args, TransformKind::FrequencyPenalty);
}

std::optional<Value> evalPresencePenalty(Sema &sema, const BuiltinFunction &fn,
                                         const BoundArgs &args) {
  return evalCountPenalty(sema, fn, args, TransformKind::PresencePenalty);
}

std::optional<Value> evalNoRepeatNGram(Sema &sema, const BuiltinFunction &fn,
                                       const BoundArgs &args) {
  std::optional<int64_t> n = boundedInt(sema, fn, args, 0, 1);
  if (!n)
    return std::nullopt;
  return makeStep(sema, args, TransformKind::NoRepeatNGram, double(*n));
}

//===----------------------------------------------------------------------===//
// Token lists
//===----------------------------------------------------------------------===//

/// The tokens of a variadic call (lists spliced): distinct ids in source
/// order, `eos` as a flag.
bool collectTokens(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args,
                   ProcessorArgs &out) {
  if (args.rest.empty()) {
    sema.error(args.callRange, fn.name + "() needs at least one token ('token(id)' or 'eos')");
    return false;
  }
  bool ok = true;
  auto add = [&](const Value &item) {
    if (!item.is(Value::Kind::Token)) {
      sema.error(item.getOrigin(), fn.name + "() accepts 'token(id)' and 'eos', got '" +
                                       item.typeName() + "'");
      ok = false;
      return;
    }
    TokenRef t = item.getToken();
    if (t.isEos)
      out.eos = true;
    else if (!llvm::is_contained(out.tokens, t.id))
      out.tokens.push_back(t.id);
  };
  size_t count = 0;
  for (const Value &arg : args.rest) {
    if (!arg.is(Value::Kind::List)) {
      add(arg);
      ++count;
      continue;
    }
    for (const Value &element : arg.getList()) {
      add(element);
      ++count;
    }
  }
  if (ok && count == 0) {
    sema.error(args.callRange, fn.name + "() needs at least one token; the list is empty");
    return false;
  }
  if (ok && out.tokens.size() > Sema::kMaxConstraintItems) {
    sema.error(args.callRange, "too many tokens in " + fn.name + "() (the limit is " +
                                   std::to_string(Sema::kMaxConstraintItems) + ")");
    return false;
  }
  return ok;
}

std::optional<Value> evalTokenList(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args,
                                   TransformKind kind) {
  ProcessorArgs p;
  if (!collectTokens(sema, fn, args, p))
    return std::nullopt;
  return makeStep(sema, args, kind, 0, std::move(p));
}

std::optional<Value> evalAllowTokens(Sema &sema, const BuiltinFunction &fn,
                                     const BoundArgs &args) {
  return evalTokenList(sema, fn, args, TransformKind::AllowTokens);
}
std::optional<Value> evalSuppressTokens(Sema &sema, const BuiltinFunction &fn,
                                        const BoundArgs &args) {
  return evalTokenList(sema, fn, args, TransformKind::SuppressTokens);
}
std::optional<Value> evalSuppressAtBegin(Sema &sema, const BuiltinFunction &fn,
                                         const BoundArgs &args) {
  return evalTokenList(sema, fn, args, TransformKind::SuppressAtBegin);
}

std::optional<Value> evalForceBos(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  const Value &t = *args.slots[0];
  if (!t.is(Value::Kind::Token)) {
    sema.error(t.getOrigin(), "argument 'token' of 'force_bos' expects 'token' ('token(id)' or "
                              "'eos'), got '" +
                                  t.typeName() + "'");
    return std::nullopt;
  }
  ProcessorArgs p;
  if (t.getToken().isEos)
    p.eos = true;
  else
    p.tokens.push_back(t.getToken().id);
  return makeStep(sema, args, TransformKind::ForceBos, 0, std::move(p));
}

std::optional<Value> evalMinNewTokens(Sema &sema, const BuiltinFunction &fn,
                                      const BoundArgs &args) {
  std::optional<int64_t> n = boundedInt(sema, fn, args, 0, 0);
  if (!n)
    return std::nullopt;
  return makeStep(sema, args, TransformKind::MinNewTokens, double(*n));
}

std::optional<Value> evalMinLength(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  std::optional<int64_t> n = boundedInt(sema, fn, args, 0, 0);
  if (!n)
    return std::nullopt;
  return makeStep(sema, args, TransformKind::MinLength, double(*n));
}

//===----------------------------------------------------------------------===//
// Token sequences: bad words, sequence bias, logit bias
//===----------------------------------------------------------------------===//

/// One token sequence from a token or a list of tokens (no eos).
bool tokenSequence(Sema &sema, const BuiltinFunction &fn, const Value &v, TokenSequence &out) {
  std::vector<Value> items = v.is(Value::Kind::List) ? v.getList() : std::vector<Value>{v};
  if (items.empty()) {
    sema.error(v.getOrigin(), "a token sequence in " + fn.name + "() must not be empty");
    return false;
  }
  for (const Value &item : items) {
    if (!item.is(Value::Kind::Token)) {
      sema.error(item.getOrigin(), "a list in " + fn.name +
                                       "() is either words (strings) or one token sequence "
                                       "('token(id)'s), got '" +
                                       item.typeName() + "'");
      return false;
    }
    if (item.getToken().isEos) {
      sema.error(item.getOrigin(), "'eos' cannot be part of a sequence in " + fn.name +
                                       "(); use 'ban(eos)' or 'min_new_tokens(n)'");
      return false;
    }
    out.ids.push_back(item.getToken().id);
  }
  return true;
}

/// A string (a word, tokenized at run time) or a token sequence.
bool wordOrSequence(Sema &sema, const BuiltinFunction &fn, const Value &v, TokenSequence &out) {
  if (v.is(Value::Kind::String)) {
    if (v.getString().find_first_not_of(" \t\n\r\f\v") == std::string::npos) {
      sema.error(v.getOrigin(), "a word in " + fn.name + "() must not be empty or blank");
      return false;
    }
    out.text = v.getString();
    return true;
  }
  if (v.is(Value::Kind::Token) || v.is(Value::Kind::List))
    return tokenSequence(sema, fn, v, out);
  sema.error(v.getOrigin(), fn.name + "() accepts strings, 'token(id)' and lists of tokens, got '" +
                                v.typeName() + "'");
  return false;
}

std::optional<Value> evalBadWords(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  if (args.rest.empty()) {
    sema.error(args.callRange, "bad_words() needs at least one word or token sequence");
    return std::nullopt;
  }
  ProcessorArgs p;
  bool ok = true;
  for (const Value &arg : args.rest) {
    // A list of strings is several words; any other list is one token sequence.
    if (arg.is(Value::Kind::List) && !arg.getList().empty() &&
        llvm::all_of(arg.getList(), [](const Value &e) { return e.is(Value::Kind::String); })) {
      for (const Value &word : arg.getList()) {
        TokenSequence seq;
        ok = wordOrSequence(sema, fn, word, seq) && ok;
        p.sequences.push_back(std::move(seq));
      }
      continue;
    }
    TokenSequence seq;
    ok = wordOrSequence(sema, fn, arg, seq) && ok;
    p.sequences.push_back(std::move(seq));
  }
  if (!ok)
    return std::nullopt;
  if (p.sequences.size() > Sema::kMaxConstraintItems) {
    sema.error(args.callRange, "too many bad words (the limit is " +
                                   std::to_string(Sema::kMaxConstraintItems) + ")");
    return std::nullopt;
  }
  return makeStep(sema, args, TransformKind::BadWords, 0, std::move(p));
}

std::optional<Value> evalSequenceBias(Sema &sema, const BuiltinFunction &fn,
                                      const BoundArgs &args) {
  TokenSequence seq;
  bool ok = wordOrSequence(sema, fn, *args.slots[0], seq);
  std::optional<Value> bias = typedArg(sema, fn, args, 1, DeclaredType::F32);
  if (!ok || !bias)
    return std::nullopt;
  seq.bias = bias->getFloat();
  ProcessorArgs p;
  p.sequences.push_back(std::move(seq));
  return makeStep(sema, args, TransformKind::SequenceBias, 0, std::move(p));
}

/// logit_bias(tokens, biases): OpenAI's {token: bias} as two parallel lists
/// (or one token and one number), biases in [-100, 100].
std::optional<Value> evalLogitBias(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  const Value &tokens = *args.slots[0], &biases = *args.slots[1];
  std::vector<Value> ts = tokens.is(Value::Kind::List) ? tokens.getList()
                                                       : std::vector<Value>{tokens};
  std::vector<Value> bs = biases.is(Value::Kind::List) ? biases.getList()
                                                       : std::vector<Value>{biases};
  bool ok = true;
  for (const Value &t : ts)
    if (!t.is(Value::Kind::Token)) {
      sema.error(t.getOrigin(), "argument 'tokens' of 'logit_bias' expects tokens ('token(id)' "
                                "or 'eos'), got '" +
                                    t.typeName() + "'");
      ok = false;
    }
  std::vector<double> values;
  for (const Value &b : bs) {
    std::string why;
    std::optional<Value> x = convertTo(b, DeclaredType::F32, why);
    if (!x) {
      sema.error(b.getOrigin(), "argument 'biases' of 'logit_bias' " + why);
      ok = false;
      continue;
    }
    if (!(x->getFloat() >= -100 && x->getFloat() <= 100)) {
      sema.error(b.getOrigin(), "logit_bias requires biases between -100 and 100 (got " +
                                    formatNumber(x->getFloat()) + ")");
      ok = false;
      continue;
    }
    values.push_back(x->getFloat());
  }
  if (!ok)
    return std::nullopt;
  if (ts.empty()) {
    sema.error(tokens.getOrigin(), "logit_bias() needs at least one token");
    return std::nullopt;
  }
  if (ts.size() != bs.size()) {
    sema.error(args.callRange, "logit_bias() has " + std::to_string(ts.size()) + " token" +
                                   (ts.size() == 1 ? "" : "s") + " but " +
                                   std::to_string(bs.size()) + " bias" +
                                   (bs.size() == 1 ? "" : "es"));
    return std::nullopt;
  }
  ProcessorArgs p;
  for (size_t i = 0; i < ts.size(); ++i) {
    TokenRef t = ts[i].getToken();
    int32_t id = t.isEos ? -1 : t.id;
    for (const TokenSequence &earlier : p.sequences)
      if (earlier.ids[0] == id) {
        sema.error(ts[i].getOrigin(), ts[i].describe() + " is given twice in logit_bias()");
        return std::nullopt;
      }
    p.sequences.push_back({{id}, "", values[i]});
  }
  if (p.sequences.size() > Sema::kMaxConstraintItems) {
    sema.error(args.callRange, "too many tokens in logit_bias() (the limit is " +
                                   std::to_string(Sema::kMaxConstraintItems) + ")");
    return std::nullopt;
  }
  return makeStep(sema, args, TransformKind::LogitBias, 0, std::move(p));
}

//===----------------------------------------------------------------------===//
// Guidance
//===----------------------------------------------------------------------===//

std::optional<Value> evalCfg(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  std::optional<Value> scale = typedArg(sema, fn, args, 0, DeclaredType::F32);
  if (!scale)
    return std::nullopt;
  if (!(scale->getFloat() > 0)) {
    sema.error(scale->getOrigin(),
               "cfg requires scale > 0 (got " + formatNumber(scale->getFloat()) + ")");
    return std::nullopt;
  }
  GuidancePlan plan;
  plan.scale = scale->getFloat();
  plan.loc = sema.toLoc(args.callRange.Start);
  if (args.slots[1]) {
    std::optional<Value> negative = typedArg(sema, fn, args, 1, DeclaredType::String);
    if (!negative)
      return std::nullopt;
    plan.negative = negative->getString();
  }
  return Value::guidance(std::move(plan), args.callRange);
}

ParamSpec required(const char *name) { return {name, true, false, false}; }
ParamSpec optional(const char *name) { return {name, false, false, false}; }
ParamSpec variadic(const char *name) { return {name, false, true, false}; }

} // namespace

void dec::lang::appendProcessorBuiltins(std::vector<BuiltinFunction> &table) {
  table.push_back({"frequency_penalty", {required("f"), optional("scope")}, evalFrequencyPenalty});
  table.push_back({"presence_penalty", {required("p"), optional("scope")}, evalPresencePenalty});
  table.push_back({"no_repeat_ngram", {required("n")}, evalNoRepeatNGram});
  table.push_back({"bad_words", {variadic("words")}, evalBadWords});
  table.push_back({"sequence_bias", {required("sequence"), required("bias")}, evalSequenceBias});
  table.push_back({"logit_bias", {required("tokens"), required("biases")}, evalLogitBias});
  table.push_back({"allow_tokens", {variadic("tokens")}, evalAllowTokens});
  table.push_back({"suppress_tokens", {variadic("tokens")}, evalSuppressTokens});
  table.push_back({"suppress_at_begin", {variadic("tokens")}, evalSuppressAtBegin});
  table.push_back({"min_new_tokens", {required("n")}, evalMinNewTokens});
  table.push_back({"min_length", {required("n")}, evalMinLength});
  table.push_back({"force_bos", {required("token")}, evalForceBos});
  table.push_back({"cfg", {required("scale"), optional("negative")}, evalCfg});
}

const std::vector<llvm::StringRef> &dec::lang::processorValueNames() {
  static const std::vector<llvm::StringRef> names = {"force_eos_at_max", "remove_inf_nan",
                                                     "log_softmax"};
  return names;
}

std::optional<Value> dec::lang::lookupProcessorValue(llvm::StringRef name, llvm::SMRange use) {
  std::optional<TransformKind> kind;
  if (name == "force_eos_at_max")
    kind = TransformKind::ForceEosAtMax;
  else if (name == "remove_inf_nan")
    kind = TransformKind::RemoveInfNan;
  else if (name == "log_softmax")
    kind = TransformKind::LogSoftmax;
  if (!kind)
    return std::nullopt;
  // The location of the step is filled in by Sema::toSamplerPlan's users via
  // the pipeline's origin; a bare name has no call, so it is `use`.
  Pipeline pipeline;
  pipeline.steps.push_back({*kind, 0, Loc{}});
  pipeline.name = name.str();
  return Value::pipeline(std::move(pipeline), use);
}

bool dec::lang::evaluateTokenScope(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args,
                                   size_t slot, TokenScope fallback, TransformStep &step) {
  step.args.scope = fallback;
  if (slot >= args.slots.size() || !args.slots[slot])
    return true;
  std::optional<Value> scope = typedArg(sema, fn, args, slot, DeclaredType::String);
  if (!scope)
    return false;
  const std::string &s = scope->getString();
  if (s == "all")
    step.args.scope = TokenScope::All;
  else if (s == "prompt")
    step.args.scope = TokenScope::Prompt;
  else if (s == "generated")
    step.args.scope = TokenScope::Generated;
  else {
    sema.error(scope->getOrigin(), "scope of '" + fn.name +
                                       "' must be \"all\", \"prompt\" or \"generated\" (got " +
                                       quoted(s) + ")");
    return false;
  }
  return true;
}

bool dec::lang::evaluateScheduleExtras(Sema &sema, const BoundArgs &args, size_t guidanceSlot,
                                       size_t logprobsSlot, size_t modeSlot, ScheduleCall &call) {
  bool ok = true;
  if (const std::optional<Value> &g = args.slots[guidanceSlot]) {
    if (g->is(Value::Kind::Guidance)) {
      call.guidance = g->getGuidance();
    } else {
      sema.error(g->getOrigin(), "argument 'guidance' of 'autoregressive' expects 'guidance' "
                                 "(as in 'cfg(1.5)'), got '" +
                                     g->typeName() + "'");
      ok = false;
    }
  }
  if (const std::optional<Value> &n = args.slots[logprobsSlot]) {
    std::string why;
    std::optional<Value> v = convertTo(*n, DeclaredType::I32, why);
    if (!v) {
      sema.error(n->getOrigin(), "argument 'logprobs' of 'autoregressive' " + why);
      ok = false;
    } else if (v->getInt() < 0 || v->getInt() > 20) {
      sema.error(n->getOrigin(), "logprobs must be between 0 and 20 (got " +
                                     std::to_string(v->getInt()) + ")");
      ok = false;
    } else {
      call.logprobs = static_cast<int>(v->getInt());
    }
  }
  if (const std::optional<Value> &mode = args.slots[modeSlot]) {
    if (!mode->is(Value::Kind::String)) {
      sema.error(mode->getOrigin(), "argument 'logprobs_mode' of 'autoregressive' expects "
                                    "'string', got '" +
                                        mode->typeName() + "'");
      ok = false;
    } else if (mode->getString() != "raw" && mode->getString() != "processed") {
      sema.error(mode->getOrigin(), "logprobs_mode must be \"raw\" or \"processed\" (got " +
                                        quoted(mode->getString()) + ")");
      ok = false;
    } else if (!args.slots[logprobsSlot]) {
      sema.error(mode->getOrigin(), "logprobs_mode needs 'logprobs: N' as well");
      ok = false;
    } else {
      call.logprobsProcessed = mode->getString() == "processed";
    }
  }
  return ok;
}
