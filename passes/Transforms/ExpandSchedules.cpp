//===- ExpandSchedules.cpp - schedules to loops of primitive steps --------===//
//
// dec.autoregressive  ==>
//
//   %seq = dec.begin @model(%prompt) stop [...] ban [...]
//   %max = dec.max_tokens %seq default N
//   scf.while (%step = 0, %done = false) {
//     scf.condition(%step < %max && !%done) ...
//   } do {
//     memref.alloca_scope {
//       %logits = dec.logits %seq
//       [dec.capture_logits (raw logprobs)]; [logits.guidance (CFG)]
//       <bans>; <sampler region, inlined>
//       %finished = dec.emit %seq, %token
//       scf.if (!%finished && %step + 1 < %max) { dec.forward %seq, %token }
//     }
//   }
//   %text = dec.finish %seq
//
// The forward of the last token is skipped: its logits would never be used.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::dec {
#define GEN_PASS_DEF_DECEXPANDSCHEDULES
#include "passes/Passes.h.inc"
} // namespace mlir::dec

using namespace mlir;
using namespace mlir::dec;

namespace {

/// A private constant global holding `tokens`, as a dynamically sized view.
Value materializeTokenList(ImplicitLocOpBuilder &b, ModuleOp module, ArrayRef<int32_t> tokens) {
  auto type = MemRefType::get({static_cast<int64_t>(tokens.size())}, b.getI32Type());
  auto init = DenseElementsAttr::get(RankedTensorType::get(type.getShape(), b.getI32Type()),
                                     tokens);
  SymbolTable symbols(module);
  std::string name = "__dec_banned_tokens";
  for (unsigned i = 0; symbols.lookup(name); ++i)
    name = "__dec_banned_tokens_" + std::to_string(i);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    memref::GlobalOp::create(b, name, b.getStringAttr("private"), type, init,
                             /*constant=*/true, /*alignment=*/nullptr);
  }
  Value global = memref::GetGlobalOp::create(b, type, name);
  return memref::CastOp::create(b, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()),
                                global);
}

void expandAutoregressive(AutoregressiveOp op, ModuleOp module) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  // Classifier-free guidance and log-probabilities need the runtime's help.
  Value seq = BeginOp::create(b, b.getType<SequenceType>(), op.getModelAttr(), op.getPrompt(),
                              op.getStopAttr(), op.getBanAttr(),
                              op.getGuidanceAttr() ? b.getUnitAttr() : UnitAttr(),
                              op.getNegativeAttr(), op.getLogprobsAttr(),
                              op.getConstraintKindAttr(), op.getConstraintSpecAttr(),
                              op.getRejectionAttr());
  Value maxTokens = MaxTokensOp::create(b, b.getI64Type(), seq, op.getMaxTokensAttr());
  Value bannedTokens;
  if (!op.getBanTokens().empty())
    bannedTokens = materializeTokenList(b, module, op.getBanTokens());

  Value zero = arith::ConstantIntOp::create(b, b.getI64Type(), 0);
  Value one = arith::ConstantIntOp::create(b, b.getI64Type(), 1);
  Value falseVal = arith::ConstantIntOp::create(b, b.getI1Type(), 0);
  Value trueVal = arith::ConstantIntOp::create(b, b.getI1Type(), 1);

  Type i64 = b.getI64Type(), i1 = b.getI1Type();
  auto loop = scf::WhileOp::create(b, TypeRange{i64, i1}, ValueRange{zero, falseVal});

  // Before: continue while budget remains and the sequence is not finished.
  {
    Block *before = b.createBlock(&loop.getBefore(), {}, {i64, i1}, {op.getLoc(), op.getLoc()});
    b.setInsertionPointToStart(before);
    Value step = before->getArgument(0), done = before->getArgument(1);
    Value underBudget = arith::CmpIOp::create(b, arith::CmpIPredicate::slt, step, maxTokens);
    Value notDone = arith::XOrIOp::create(b, done, trueVal);
    Value go = arith::AndIOp::create(b, underBudget, notDone);
    scf::ConditionOp::create(b, go, before->getArguments());
  }

  // After: one decoding step inside an alloca scope.
  Block *after = b.createBlock(&loop.getAfter(), {}, {i64, i1}, {op.getLoc(), op.getLoc()});
  b.setInsertionPointToStart(after);
  Value step = after->getArgument(0);
  auto scope = memref::AllocaScopeOp::create(b, TypeRange{i64, i1});
  Block *scopeBody = new Block();
  scope.getBodyRegion().push_back(scopeBody);
  b.setInsertionPointToStart(scopeBody);

  // One choice: the logits, guidance, bans (and the constraint's mask) and
  // the inlined sampler.
  auto emitChoice = [&]() -> Value {
    Value logits = LogitsOp::create(
        b, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, b.getF32Type()), seq);
    // Raw log-probabilities are of the model's logits, before anything else
    // (vLLM's raw_logprobs); `processed` ones are captured by the sampler.
    if (op.getLogprobs() && !op.getLogprobsProcessed())
      CaptureLogitsOp::create(b, seq, logits);
    // Guidance comes first, as HF puts its CFG processor first.
    if (auto scale = op.getGuidanceAttr()) {
      Value uncond = UnconditionalLogitsOp::create(
          b, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, b.getF32Type()), seq);
      Value s = arith::ConstantOp::create(b, scale);
      logits::GuidanceOp::create(b, logits, uncond, s);
    }
    if (!op.getBan().empty() || (op.getConstraintKind() && !op.getRejection())) {
      Value allowed = AllowedMaskOp::create(
          b, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, b.getI32Type()), seq);
      logits::MaskOp::create(b, logits, allowed);
    }
    if (bannedTokens)
      logits::SuppressOp::create(b, logits, bannedTokens);
    if (op.getBanEos()) {
      Value eos =
          EosTokensOp::create(b, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()), seq);
      logits::SuppressOp::create(b, logits, eos);
    }

    // Inline the sampler: its arguments become the logits, the sequence, the step.
    Block &sampler = op.getSampler().front();
    auto yield = cast<YieldOp>(sampler.getTerminator());
    Value token = yield.getToken();
    IRRewriter rewriter(b);
    rewriter.inlineBlockBefore(&sampler, b.getInsertionBlock(), b.getInsertionPoint(),
                               {logits, seq, step});
    rewriter.eraseOp(yield);
    return token;
  };

  Value token;
  if (!op.getRejection()) {
    token = emitChoice();
  } else {
    // Rejection: choose, check the one token, and on a rejection choose again
    // from the logits without it (dec.check restored them). Attempt a draws
    // from Philox counter step + (a << 32): attempt 0 is the masked mode's.
    auto retry = scf::WhileOp::create(b, TypeRange{b.getI32Type(), i64}, ValueRange{zero});
    Block *before = b.createBlock(&retry.getBefore(), {}, {i64}, {op.getLoc()});
    b.setInsertionPointToStart(before);
    Value attempt = before->getArgument(0);
    auto attemptScope = memref::AllocaScopeOp::create(b, TypeRange{b.getI32Type()});
    Block *attemptBody = new Block();
    attemptScope.getBodyRegion().push_back(attemptBody);
    b.setInsertionPointToStart(attemptBody);
    Value shift = arith::ConstantIntOp::create(b, i64, 32);
    Value samplerStep =
        arith::AddIOp::create(b, step, arith::ShLIOp::create(b, attempt, shift));
    Value chosen = emitChoice();
    // Only the random stream moves on; processors still see the step.
    attemptBody->walk([&](logits::SampleOp sample) { sample.getStepMutable().assign(samplerStep); });
    b.setInsertionPointToEnd(attemptBody);
    memref::AllocaScopeReturnOp::create(b, ValueRange{chosen});
    b.setInsertionPointAfter(attemptScope);
    Value accepted = CheckOp::create(b, b.getI1Type(), seq, attemptScope.getResult(0));
    Value rejected = arith::XOrIOp::create(b, accepted, trueVal);
    scf::ConditionOp::create(b, rejected, ValueRange{attemptScope.getResult(0), attempt});
    Block *afterRetry = b.createBlock(&retry.getAfter(), {}, {b.getI32Type(), i64},
                                      {op.getLoc(), op.getLoc()});
    b.setInsertionPointToStart(afterRetry);
    scf::YieldOp::create(b, ValueRange{arith::AddIOp::create(b, afterRetry->getArgument(1), one)});
    b.setInsertionPointAfter(retry);
    token = retry.getResult(0);
  }
  b.setInsertionPointToEnd(scopeBody);

  Value finished = EmitOp::create(b, b.getI1Type(), seq, token);
  Value next = arith::AddIOp::create(b, step, one);
  Value notFinished = arith::XOrIOp::create(b, finished, trueVal);
  Value budgetLeft = arith::CmpIOp::create(b, arith::CmpIPredicate::slt, next, maxTokens);
  Value needForward = arith::AndIOp::create(b, notFinished, budgetLeft);
  auto ifForward = scf::IfOp::create(b, needForward, /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifForward.thenBlock());
    ForwardOp::create(b, seq, token);
  }
  memref::AllocaScopeReturnOp::create(b, ValueRange{next, finished});

  b.setInsertionPointToEnd(after);
  scf::YieldOp::create(b, scope.getResults());

  b.setInsertionPointAfter(loop);
  Value text = FinishOp::create(b, b.getType<TextType>(), seq);
  op.getText().replaceAllUsesWith(text);
  op.erase();
}

struct DecExpandSchedulesPass
    : public mlir::dec::impl::DecExpandSchedulesBase<DecExpandSchedulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<AutoregressiveOp> schedules;
    module.walk([&](AutoregressiveOp op) { schedules.push_back(op); });
    for (AutoregressiveOp op : schedules)
      expandAutoregressive(op, module);
  }
};

} // namespace
