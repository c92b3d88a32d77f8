//===- PlanDump.cpp - Printing a ProgramPlan -----------------------------------------===//

#include "lang/PlanDump.h"

#include "lang/Literals.h"

#include "llvm/Support/raw_ostream.h"

using namespace dec::lang;

llvm::StringRef dec::lang::spelling(TransformKind kind) {
  switch (kind) {
  case TransformKind::Temperature:
    return "temperature";
  case TransformKind::TopK:
    return "top_k";
  case TransformKind::TopP:
    return "top_p";
  case TransformKind::MinP:
    return "min_p";
  case TransformKind::RepetitionPenalty:
    return "repetition_penalty";
  case TransformKind::User:
    return "transform";
  case TransformKind::FrequencyPenalty:
    return "frequency_penalty";
  case TransformKind::PresencePenalty:
    return "presence_penalty";
  case TransformKind::NoRepeatNGram:
    return "no_repeat_ngram";
  case TransformKind::BadWords:
    return "bad_words";
  case TransformKind::SequenceBias:
    return "sequence_bias";
  case TransformKind::LogitBias:
    return "logit_bias";
  case TransformKind::AllowTokens:
    return "allow_tokens";
  case TransformKind::SuppressTokens:
    return "suppress_tokens";
  case TransformKind::SuppressAtBegin:
    return "suppress_at_begin";
  case TransformKind::MinNewTokens:
    return "min_new_tokens";
  case TransformKind::MinLength:
    return "min_length";
  case TransformKind::ForceBos:
    return "force_bos";
  case TransformKind::ForceEosAtMax:
    return "force_eos_at_max";
  case TransformKind::RemoveInfNan:
    return "remove_inf_nan";
  case TransformKind::LogSoftmax:
    return "log_softmax";
  }
  return "?";
}

/// The processor arguments of a step after its name and value: ` scope
/// generated`, ` tokens 5 9 eos`, ` [5 6]=-2 "word"=1.5`.
static void writeProcessorArgs(llvm::raw_ostream &os, const TransformStep &step) {
  const ProcessorArgs &args = step.args;
  if (args.scope != TokenScope::All)
    os << " scope " << (args.scope == TokenScope::Prompt ? "prompt" : "generated");
  if (!args.tokens.empty() || args.eos) {
    os << " tokens";
    for (int32_t t : args.tokens)
      os << ' ' << t;
    if (args.eos)
      os << " eos";
  }
  bool biased = step.kind == TransformKind::SequenceBias || step.kind == TransformKind::LogitBias;
  for (const TokenSequence &seq : args.sequences) {
    os << ' ';
    if (seq.ids.empty()) {
      writeQuoted(os, seq.text);
    } else {
      os << '[';
      for (size_t i = 0; i < seq.ids.size(); ++i)
        os << (i ? " " : "") << (seq.ids[i] < 0 ? std::string("eos") : std::to_string(seq.ids[i]));
      os << ']';
    }
    if (biased)
      os << '=' << formatNumber(seq.bias);
  }
}

llvm::StringRef dec::lang::spelling(ChoiceKind kind) {
  return kind == ChoiceKind::Greedy ? "greedy" : "sample";
}

llvm::StringRef dec::lang::spelling(ScheduleKind kind) { return "autoregressive"; }

static void writeLoc(llvm::raw_ostream &os, const Loc &loc) {
  if (loc.line == 0)
    return;
  os << " at " << loc.file << ':' << loc.line << ':' << loc.col;
}

void dec::lang::dumpPlan(const ProgramPlan &plan, llvm::raw_ostream &os) {
  os << "plan\n";
  for (const std::string &file : plan.sourceFiles) {
    os << "  source ";
    writeQuoted(os, file);
    os << '\n';
  }
  for (size_t i = 0; i != plan.models.size(); ++i) {
    const ModelPlan &model = plan.models[i];
    os << "  model @" << i << ' ';
    writeQuoted(os, model.name);
    os << ' ' << model.kind;
    writeLoc(os, model.loc);
    os << "\n    path ";
    writeQuoted(os, model.modelPath);
    os << "\n    tokenizer ";
    writeQuoted(os, model.tokenizerPath);
    os << '\n';
  }
  for (const DecodeEntry &entry : plan.entries) {
    os << "  decode ";
    writeQuoted(os, entry.name);
    writeLoc(os, entry.loc);
    const ScheduleCall &schedule = entry.schedule;
    os << "\n    schedule " << spelling(schedule.kind) << " model=@" << schedule.modelIndex;
    writeLoc(os, schedule.loc);
    if (schedule.guidance) {
      os << "\n      guidance " << formatNumber(schedule.guidance->scale);
      if (schedule.guidance->negative) {
        os << " negative ";
        writeQuoted(os, *schedule.guidance->negative);
      }
      writeLoc(os, schedule.guidance->loc);
    }
    if (schedule.logprobs >= 0)
      os << "\n      logprobs " << schedule.logprobs
         << (schedule.logprobsProcessed ? " processed" : " raw");

    const SamplerPlan &sampler = schedule.sampler;
    os << "\n      sampler ";
    writeQuoted(os, sampler.name);
    writeLoc(os, sampler.loc);
    os << '\n';
    for (const TransformStep &step : sampler.steps) {
      if (step.kind == TransformKind::User && step.user) {
        dumpUserTransform(*step.user, os, "        "); // lang/TransformPlan.cpp
        continue;
      }
      os << "        " << spelling(step.kind);
      switch (step.kind) { // the processors whose `value` means nothing
      case TransformKind::BadWords:
      case TransformKind::SequenceBias:
      case TransformKind::LogitBias:
      case TransformKind::AllowTokens:
      case TransformKind::SuppressTokens:
      case TransformKind::SuppressAtBegin:
      case TransformKind::ForceBos:
      case TransformKind::ForceEosAtMax:
      case TransformKind::RemoveInfNan:
      case TransformKind::LogSoftmax:
        break;
      default:
        os << ' ' << formatNumber(step.value);
      }
      writeProcessorArgs(os, step);
      os << '\n';
    }
    os << "        choice " << spelling(sampler.choice) << '\n';

    const ConstraintPlan &constraint = schedule.constraint;
    os << "      constraint";
    writeLoc(os, constraint.loc);
    os << "\n        max_tokens " << constraint.maxTokens << '\n';
    for (const std::string &stop : constraint.stopStrings) {
      os << "        stop ";
      writeQuoted(os, stop);
      os << '\n';
    }
    for (const std::string &ban : constraint.bannedStrings) {
      os << "        ban ";
      writeQuoted(os, ban);
      os << '\n';
    }
    for (int32_t token : constraint.bannedTokens)
      os << "        ban_token " << token << '\n';
    if (constraint.banEos)
      os << "        ban_eos\n";
    if (constraint.structured) {
      os << "        " << constraint.structured->kind << ' ';
      writeQuoted(os, constraint.structured->spec);
      os << (constraint.enforce == Enforcement::Rejection ? " rejection" : " mask") << '\n';
    }
  }
}
