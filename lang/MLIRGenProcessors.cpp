//===- MLIRGenProcessors.cpp - the HF / vLLM processors to IR -------------===//

#include "lang/MLIRGenProcessors.h"

#include "dialects/Logits/LogitsDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include <limits>

using namespace mlir;

namespace dec::lang {

namespace {

MemRefType tokenMatrixType(OpBuilder &b) {
  return MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, b.getI32Type());
}
MemRefType tokenVectorType(OpBuilder &b) {
  return MemRefType::get({ShapedType::kDynamic}, b.getI32Type());
}

/// A private constant global holding `tokens`, as a memref<?xi32>.
Value constantTokens(ImplicitLocOpBuilder &b, Operation *anchor, ArrayRef<int32_t> tokens) {
  auto module = anchor->getParentOfType<ModuleOp>();
  auto type = MemRefType::get({static_cast<int64_t>(tokens.size())}, b.getI32Type());
  auto init = DenseElementsAttr::get(RankedTensorType::get(type.getShape(), b.getI32Type()),
                                     tokens);
  SymbolTable symbols(module);
  std::string name = "__dec_tokens";
  for (unsigned i = 0; symbols.lookup(name); ++i)
    name = "__dec_tokens_" + std::to_string(i);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    memref::GlobalOp::create(b, name, b.getStringAttr("private"), type, init,
                             /*constant=*/true, /*alignment=*/nullptr);
  }
  Value global = memref::GetGlobalOp::create(b, type, name);
  return memref::CastOp::create(b, tokenVectorType(b), global);
}

/// The lists of `args`: its constant ids (if any) and the EOS tokens (if listed).
SmallVector<Value> tokenLists(ImplicitLocOpBuilder &b, const ProcessorArgs &args,
                              mlir::dec::AutoregressiveOp schedule) {
  SmallVector<Value> lists;
  if (!args.tokens.empty())
    lists.push_back(constantTokens(b, schedule, args.tokens));
  if (args.eos)
    lists.push_back(
        mlir::dec::EosTokensOp::create(b, tokenVectorType(b), schedule.getSequenceArg()));
  return lists;
}

Value eosList(ImplicitLocOpBuilder &b, mlir::dec::AutoregressiveOp schedule) {
  return mlir::dec::EosTokensOp::create(b, tokenVectorType(b), schedule.getSequenceArg());
}

Value i64(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIntOp::create(b, b.getI64Type(), v);
}

/// dec.token_bias for bad words / sequence bias / logit bias / n-grams.
Value tokenBias(ImplicitLocOpBuilder &b, const TransformStep &step,
                mlir::dec::AutoregressiveOp schedule) {
  bool ban = step.kind == TransformKind::BadWords;
  SmallVector<Attribute> sequences, banned;
  SmallVector<float> biases, wordBiases;
  SmallVector<StringRef> words, bannedWords;
  for (const TokenSequence &seq : step.args.sequences) {
    if (seq.ids.empty()) {
      (ban ? bannedWords : words).push_back(seq.text);
      if (!ban)
        wordBiases.push_back(static_cast<float>(seq.bias));
      continue;
    }
    (ban ? banned : sequences).push_back(b.getDenseI32ArrayAttr(seq.ids));
    if (!ban)
      biases.push_back(static_cast<float>(seq.bias));
  }
  auto op = mlir::dec::TokenBiasOp::create(
      b, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, b.getF32Type()),
      schedule.getSequenceArg(), b.getArrayAttr(sequences), b.getDenseF32ArrayAttr(biases),
      b.getArrayAttr(banned), b.getStrArrayAttr(words), b.getDenseF32ArrayAttr(wordBiases),
      b.getStrArrayAttr(bannedWords),
      b.getI64IntegerAttr(step.kind == TransformKind::NoRepeatNGram
                              ? static_cast<int64_t>(step.value)
                              : 0));
  return op.getResult();
}

} // namespace

bool isProcessorKind(TransformKind kind) {
  switch (kind) {
  case TransformKind::FrequencyPenalty:
  case TransformKind::PresencePenalty:
  case TransformKind::NoRepeatNGram:
  case TransformKind::BadWords:
  case TransformKind::SequenceBias:
  case TransformKind::LogitBias:
  case TransformKind::AllowTokens:
  case TransformKind::SuppressTokens:
  case TransformKind::SuppressAtBegin:
  case TransformKind::MinNewTokens:
  case TransformKind::MinLength:
  case TransformKind::ForceBos:
  case TransformKind::ForceEosAtMax:
  case TransformKind::RemoveInfNan:
  case TransformKind::LogSoftmax:
    return true;
  default:
    return false;
  }
}

Value emitScopedTokens(ImplicitLocOpBuilder &b, TokenScope scope, Value sequence) {
  switch (scope) {
  case TokenScope::Prompt:
    return mlir::dec::PromptTokensOp::create(b, tokenMatrixType(b), sequence);
  case TokenScope::Generated:
    return mlir::dec::GeneratedTokensOp::create(b, tokenMatrixType(b), sequence);
  case TokenScope::All:
    break;
  }
  return mlir::dec::HistoryOp::create(b, tokenMatrixType(b), sequence);
}

void emitProcessorStep(ImplicitLocOpBuilder &b, const TransformStep &step,
                                  mlir::dec::AutoregressiveOp schedule) {
  Value logits = schedule.getLogitsArg();
  Value sequence = schedule.getSequenceArg();
  Value stepIndex = schedule.getStepArg();
  auto f32 = [&](double v) {
    return arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(static_cast<float>(v)));
  };
  using arith::CmpIPredicate;
  switch (step.kind) {
  case TransformKind::FrequencyPenalty:
    logits::FrequencyPenaltyOp::create(b, logits, emitScopedTokens(b, step.args.scope, sequence),
                                       f32(step.value));
    return;
  case TransformKind::PresencePenalty:
    logits::PresencePenaltyOp::create(b, logits, emitScopedTokens(b, step.args.scope, sequence),
                                      f32(step.value));
    return;
  case TransformKind::NoRepeatNGram:
  case TransformKind::BadWords:
  case TransformKind::SequenceBias:
  case TransformKind::LogitBias:
    logits::AddBiasOp::create(b, logits, tokenBias(b, step, schedule));
    return;
  case TransformKind::AllowTokens:
    logits::AllowOp::create(b, logits, tokenLists(b, step.args, schedule));
    return;
  case TransformKind::SuppressTokens: {
    Value always = arith::ConstantIntOp::create(b, b.getI1Type(), 1);
    logits::SuppressIfOp::create(b, logits, tokenLists(b, step.args, schedule), always);
    return;
  }
  case TransformKind::SuppressAtBegin: {
    // HF: at the first generated position (input length == begin_index).
    Value first = arith::CmpIOp::create(b, CmpIPredicate::eq, stepIndex, i64(b, 0));
    logits::SuppressIfOp::create(b, logits, tokenLists(b, step.args, schedule), first);
    return;
  }
  case TransformKind::MinNewTokens: {
    Value early = arith::CmpIOp::create(b, CmpIPredicate::slt, stepIndex,
                                        i64(b, static_cast<int64_t>(step.value)));
    logits::SuppressIfOp::create(b, logits, ValueRange{eosList(b, schedule)}, early);
    return;
  }
  case TransformKind::MinLength: {
    // HF counts input_ids: the prompt's tokens and the generated ones.
    Value prompt = mlir::dec::PromptTokensOp::create(b, tokenMatrixType(b), sequence);
    Value promptLength = arith::IndexCastOp::create(
        b, b.getI64Type(), memref::DimOp::create(b, prompt, 1).getResult());
    Value length = arith::AddIOp::create(b, promptLength, stepIndex);
    Value early = arith::CmpIOp::create(b, CmpIPredicate::slt, length,
                                        i64(b, static_cast<int64_t>(step.value)));
    logits::SuppressIfOp::create(b, logits, ValueRange{eosList(b, schedule)}, early);
    return;
  }
  case TransformKind::ForceBos: {
    Value first = arith::CmpIOp::create(b, CmpIPredicate::eq, stepIndex, i64(b, 0));
    logits::ForceOp::create(b, logits, tokenLists(b, step.args, schedule), first);
    return;
  }
  case TransformKind::ForceEosAtMax: {
    // HF: cur_len == max_length - 1, the last token the budget allows.
    Value max = mlir::dec::MaxTokensOp::create(b, b.getI64Type(), sequence,
                                               schedule.getMaxTokensAttr());
    Value last = arith::CmpIOp::create(b, CmpIPredicate::eq,
                                       arith::AddIOp::create(b, stepIndex, i64(b, 1)), max);
    logits::ForceOp::create(b, logits, ValueRange{eosList(b, schedule)}, last);
    return;
  }
  case TransformKind::RemoveInfNan:
    logits::RemoveInfNanOp::create(b, logits);
    return;
  case TransformKind::LogSoftmax:
    logits::LogSoftmaxOp::create(b, logits);
    return;
  default:
    return;
  }
}

void emitScheduleExtras(const ScheduleCall &call, mlir::dec::AutoregressiveOp schedule) {
  Builder b(schedule.getContext());
  if (call.guidance) {
    schedule.setGuidanceAttr(b.getF32FloatAttr(static_cast<float>(call.guidance->scale)));
    if (call.guidance->negative)
      schedule.setNegativeAttr(b.getStringAttr(*call.guidance->negative));
  }
  if (call.logprobs >= 0) {
    schedule.setLogprobsAttr(b.getI64IntegerAttr(call.logprobs));
    if (call.logprobsProcessed)
      schedule.setLogprobsProcessed(true);
  }
}

} // namespace dec::lang
