//===- MLIRGen.cpp - ProgramPlan to the dec dialect -----------------------===//

#include "lang/MLIRGen.h"
#include "lang/MLIRGenProcessors.h"
#include "lang/MLIRGenTransform.h"

#include "dialects/Dec/DecDialect.h"
#include "dialects/Logits/LogitsDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/Verifier.h"

#include <set>

using namespace mlir;
using namespace ::dec::lang;

void ::dec::lang::loadFrontendDialects(MLIRContext &context) {
  context.loadDialect<mlir::dec::DecDialect, logits::LogitsDialect, arith::ArithDialect,
                      memref::MemRefDialect, math::MathDialect>();
}

namespace {

class Generator {
public:
  Generator(MLIRContext &context, const ProgramPlan &plan)
      : context(context), plan(plan), builder(&context) {}

  OwningOpRef<ModuleOp> run() {
    Location loc = plan.entries.empty() ? UnknownLoc::get(&context) : location(plan.entries[0].loc);
    OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
    builder.setInsertionPointToEnd(module->getBody());
    for (size_t i = 0; i < plan.models.size(); ++i)
      emitModel(i);
    for (const DecodeEntry &entry : plan.entries)
      emitEntry(entry);
    return module;
  }

private:
  Location location(const Loc &loc) {
    if (loc.line == 0)
      return UnknownLoc::get(&context);
    return FileLineColLoc::get(&context, loc.file, loc.line, loc.col);
  }

  /// Symbols: the declared name, else a generated one that cannot clash
  /// (source names cannot contain '.').
  std::string modelSymbol(size_t index) {
    const std::string &name = plan.models[index].name;
    return name.empty() ? "model." + std::to_string(index) : name;
  }

  void emitModel(size_t index) {
    const ModelPlan &model = plan.models[index];
    mlir::dec::ModelOp::create(builder, location(model.loc), modelSymbol(index), model.kind,
                               model.modelPath, model.tokenizerPath);
  }

  void emitEntry(const DecodeEntry &entry) {
    auto decode = mlir::dec::DecodeOp::create(builder, location(entry.loc), entry.name);
    OpBuilder::InsertionGuard guard(builder);
    Block &body = decode.getBody().front();
    builder.setInsertionPointToStart(&body);
    Value text = emitSchedule(entry.schedule, body.getArgument(0));
    mlir::dec::ReturnOp::create(builder, location(entry.loc), text);
  }

  Value emitSchedule(const ScheduleCall &call, Value prompt) {
    const ConstraintPlan &c = call.constraint;
    auto schedule = mlir::dec::AutoregressiveOp::create(
        builder, location(call.loc), modelSymbol(call.modelIndex), prompt, c.maxTokens);
    if (!c.stopStrings.empty())
      schedule.setStopAttr(builder.getStrArrayAttr(
          SmallVector<StringRef>(c.stopStrings.begin(), c.stopStrings.end())));
    if (!c.bannedStrings.empty())
      schedule.setBanAttr(builder.getStrArrayAttr(
          SmallVector<StringRef>(c.bannedStrings.begin(), c.bannedStrings.end())));
    if (!c.bannedTokens.empty())
      schedule.setBanTokens(c.bannedTokens);
    if (c.banEos)
      schedule.setBanEos(true);
    if (c.structured) {
      schedule.setConstraintKind(c.structured->kind);
      schedule.setConstraintSpec(c.structured->spec);
      schedule.setRejection(c.enforce == Enforcement::Rejection);
    }
    emitScheduleExtras(call, schedule); // guidance, logprobs (MLIRGenProcessors.cpp)

    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(&schedule.getSampler().front());
    emitSampler(call.sampler, schedule);
    return schedule.getText();
  }

  void emitSampler(const SamplerPlan &sampler, mlir::dec::AutoregressiveOp schedule) {
    Value logits = schedule.getLogitsArg();
    Value sequence = schedule.getSequenceArg();
    for (const TransformStep &step : sampler.steps) {
      ImplicitLocOpBuilder b(location(step.loc), builder);
      auto f32 = [&](double v) {
        return arith::ConstantFloatOp::create(b, b.getF32Type(),
                                              APFloat(static_cast<float>(v)));
      };
      switch (step.kind) {
      case TransformKind::Temperature:
        logits::TemperatureOp::create(b, logits, f32(step.value));
        break;
      case TransformKind::TopK:
        logits::TopKOp::create(
            b, logits,
            arith::ConstantIntOp::create(b, b.getI64Type(), static_cast<int64_t>(step.value)));
        break;
      case TransformKind::TopP:
        logits::TopPOp::create(b, logits, f32(step.value));
        break;
      case TransformKind::MinP:
        logits::MinPOp::create(b, logits, f32(step.value));
        break;
      case TransformKind::User:
        emitUserTransform(b, logits, *step.user); // MLIRGenTransform.cpp
        break;
      case TransformKind::RepetitionPenalty: {
        // The prompt and the output (HF, vLLM), or the scope asked for.
        Value history = emitScopedTokens(b, step.args.scope, sequence);
        logits::RepetitionPenaltyOp::create(b, logits, history, f32(step.value));
        break;
      }
      default:
        emitProcessorStep(b, step, schedule); // MLIRGenProcessors.cpp
        break;
      }
    }

    ImplicitLocOpBuilder b(location(sampler.loc), builder);
    // Processed log-probabilities are of the logits the choice sees.
    if (schedule.getLogprobsProcessed())
      mlir::dec::CaptureLogitsOp::create(b, sequence, logits);
    // One token per row; the sampler region is an allocation scope per step.
    Value tokens = memref::AllocaOp::create(b, MemRefType::get({1}, b.getI32Type()));
    Value dynamicTokens = memref::CastOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()), tokens);
    if (sampler.choice == ChoiceKind::Greedy) {
      logits::ArgmaxOp::create(b, logits, dynamicTokens);
    } else {
      Value seeds = mlir::dec::SeedsOp::create(
          b, MemRefType::get({ShapedType::kDynamic}, b.getI64Type()), sequence);
      logits::SampleOp::create(b, logits, seeds, schedule.getStepArg(), dynamicTokens);
    }
    Value zero = arith::ConstantIndexOp::create(b, 0);
    Value token = memref::LoadOp::create(b, tokens, ValueRange{zero});
    mlir::dec::YieldOp::create(b, token);
  }

  MLIRContext &context;
  const ProgramPlan &plan;
  OpBuilder builder;
};

} // namespace

auto ::dec::lang::generateMLIR(MLIRContext &context, const ProgramPlan &plan)
    -> OwningOpRef<ModuleOp> {
  loadFrontendDialects(context);
  return Generator(context, plan).run();
}
