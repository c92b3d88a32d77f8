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
  }
  return "?";
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

    const SamplerPlan &sampler = schedule.sampler;
    os << "\n      sampler ";
    writeQuoted(os, sampler.name);
    writeLoc(os, sampler.loc);
    os << '\n';
    for (const TransformStep &step : sampler.steps)
      os << "        " << spelling(step.kind) << ' ' << formatNumber(step.value) << '\n';
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
  }
}
