//===- DecToLLVM.cpp - dec operations to runtime calls --------------------===//
//
// Entry points become exported functions, primitive steps become calls of the
// runtime's C ABI, and what the runtime must know before running anything
// (models, entries, per-sequence stop and banned strings) goes into a JSON
// manifest embedded in the library.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/DecToLLVM/RuntimeABI.h"
#include "passes/Passes.h"

#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/Support/JSON.h"

#include <cmath>

namespace mlir::dec {
#define GEN_PASS_DEF_CONVERTDECTOLLVM
#include "passes/Passes.h.inc"
} // namespace mlir::dec

using namespace mlir;
using namespace mlir::dec;

namespace {

/// What the manifest records; filled before conversion so that patterns can
/// turn symbols into indices.
struct ProgramTables {
  llvm::StringMap<int32_t> modelIndex;
  llvm::json::Array models, entries, sequences;
  /// Token rules (dec.token_bias), indexed by the op that uses each.
  llvm::json::Array rules;
  llvm::DenseMap<Operation *, int32_t> ruleIndex;
};

llvm::json::Array toJSON(ArrayAttr strings) {
  llvm::json::Array out;
  for (auto s : strings.getAsValueRange<StringAttr>())
    out.push_back(s.str());
  return out;
}

LLVM::CallOp callRuntime(ConversionPatternRewriter &rewriter, Location loc, StringRef name,
                         Type result, ValueRange args) {
  if (isa<LLVM::LLVMVoidType>(result))
    return LLVM::CallOp::create(rewriter, loc, TypeRange{}, name, args);
  return LLVM::CallOp::create(rewriter, loc, TypeRange{result}, name, args);
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct DecodeOpLowering : ConvertOpToLLVMPattern<DecodeOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(DecodeOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Type ptr = LLVM::LLVMPointerType::get(getContext());
    std::string name = (abi::kEntryPrefix + op.getSymName()).str();
    auto func = func::FuncOp::create(rewriter, op.getLoc(), name,
                                     rewriter.getFunctionType({ptr}, {ptr}));
    rewriter.inlineRegionBefore(op.getBody(), func.getBody(), func.getBody().end());
    if (failed(rewriter.convertRegionTypes(&func.getBody(), *getTypeConverter())))
      return failure();
    rewriter.eraseOp(op);
    return success();
  }
};

struct ReturnOpLowering : ConvertOpToLLVMPattern<ReturnOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(ReturnOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<func::ReturnOp>(op, adaptor.getText());
    return success();
  }
};

struct ModelOpLowering : ConvertOpToLLVMPattern<ModelOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(ModelOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.eraseOp(op); // recorded in the manifest
    return success();
  }
};

struct BeginOpLowering : ConvertOpToLLVMPattern<BeginOp> {
  BeginOpLowering(const LLVMTypeConverter &converter, ProgramTables &tables)
      : ConvertOpToLLVMPattern(converter), tables(tables) {}
  LogicalResult matchAndRewrite(BeginOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    int32_t model = tables.modelIndex.lookup(op.getModel());
    int32_t sequence = static_cast<int32_t>(tables.sequences.size());
    llvm::json::Object config{
        {"model", model}, {"stop", toJSON(op.getStop())}, {"ban", toJSON(op.getBan())}};
    // Written only when used, so that existing manifests read the same.
    if (op.getGuidance()) {
      config["guidance"] = true;
      if (auto negative = op.getNegativeAttr())
        config["negative"] = negative.getValue().str();
    }
    if (auto logprobs = op.getLogprobs())
      config["logprobs"] = static_cast<int64_t>(*logprobs);
    if (auto kind = op.getConstraintKindAttr())
      config["constraint"] = llvm::json::Object{
          {"kind", kind.getValue().str()},
          {"spec", op.getConstraintSpecAttr().getValue().str()},
          {"enforce", op.getRejection() ? "rejection" : "mask"}};
    tables.sequences.push_back(std::move(config));
    Location loc = op.getLoc();
    Value modelArg = LLVM::ConstantOp::create(rewriter, loc, rewriter.getI32Type(),
                                              rewriter.getI32IntegerAttr(model));
    Value seqArg = LLVM::ConstantOp::create(rewriter, loc, rewriter.getI32Type(),
                                            rewriter.getI32IntegerAttr(sequence));
    auto call = callRuntime(rewriter, loc, abi::kSeqBegin, getPtrType(),
                            {adaptor.getPrompt(), modelArg, seqArg});
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
  ProgramTables &tables;
};

struct MaxTokensOpLowering : ConvertOpToLLVMPattern<MaxTokensOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(MaxTokensOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value fallback = LLVM::ConstantOp::create(rewriter, op.getLoc(), rewriter.getI64Type(),
                                              op.getDefaultValueAttr());
    auto call = callRuntime(rewriter, op.getLoc(), abi::kSeqMaxTokens, rewriter.getI64Type(),
                            {adaptor.getSequence(), fallback});
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};

/// Operations returning a runtime buffer: the runtime fills a memref descriptor
/// (the standard MLIR layout: allocated, aligned, offset, sizes, strides).
template <typename OpTy>
struct BufferOpLowering : ConvertOpToLLVMPattern<OpTy> {
  BufferOpLowering(const LLVMTypeConverter &converter, StringRef function)
      : ConvertOpToLLVMPattern<OpTy>(converter), function(function) {}
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type descriptor = this->getTypeConverter()->convertType(op.getResult().getType());
    if (!descriptor)
      return failure();
    // The schedule's loop body is an alloca scope, so this slot is released
    // every iteration.
    Value one = LLVM::ConstantOp::create(rewriter, loc, rewriter.getI64Type(),
                                         rewriter.getI64IntegerAttr(1));
    Value slot = LLVM::AllocaOp::create(rewriter, loc, this->getPtrType(), descriptor, one);
    callRuntime(rewriter, loc, function, LLVM::LLVMVoidType::get(op.getContext()),
                {adaptor.getSequence(), slot});
    Value loaded = LLVM::LoadOp::create(rewriter, loc, descriptor, slot);
    rewriter.replaceOp(op, loaded);
    return success();
  }
  StringRef function;
};

/// dec.token_bias: `decrt_seq_token_bias(seq, rule, &descriptor)`; the rule
/// itself is in the manifest.
struct TokenBiasOpLowering : ConvertOpToLLVMPattern<TokenBiasOp> {
  TokenBiasOpLowering(const LLVMTypeConverter &converter, ProgramTables &tables)
      : ConvertOpToLLVMPattern(converter), tables(tables) {}
  LogicalResult matchAndRewrite(TokenBiasOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type descriptor = getTypeConverter()->convertType(op.getResult().getType());
    if (!descriptor || !tables.ruleIndex.count(op))
      return failure();
    Value one = LLVM::ConstantOp::create(rewriter, loc, rewriter.getI64Type(),
                                         rewriter.getI64IntegerAttr(1));
    Value slot = LLVM::AllocaOp::create(rewriter, loc, getPtrType(), descriptor, one);
    Value rule = LLVM::ConstantOp::create(rewriter, loc, rewriter.getI32Type(),
                                          rewriter.getI32IntegerAttr(tables.ruleIndex.lookup(op)));
    callRuntime(rewriter, loc, abi::kSeqTokenBias, LLVM::LLVMVoidType::get(op.getContext()),
                {adaptor.getSequence(), rule, slot});
    rewriter.replaceOp(op, LLVM::LoadOp::create(rewriter, loc, descriptor, slot));
    return success();
  }
  ProgramTables &tables;
};

/// dec.capture_logits: the runtime reads the buffer through its descriptor.
struct CaptureLogitsOpLowering : ConvertOpToLLVMPattern<CaptureLogitsOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(CaptureLogitsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value descriptor = adaptor.getLogits();
    Value one = LLVM::ConstantOp::create(rewriter, loc, rewriter.getI64Type(),
                                         rewriter.getI64IntegerAttr(1));
    Value slot = LLVM::AllocaOp::create(rewriter, loc, getPtrType(), descriptor.getType(), one);
    LLVM::StoreOp::create(rewriter, loc, descriptor, slot);
    callRuntime(rewriter, loc, abi::kSeqCaptureLogits, LLVM::LLVMVoidType::get(op.getContext()),
                {adaptor.getSequence(), slot});
    rewriter.eraseOp(op);
    return success();
  }
};

/// The manifest entry of a token rule (docs/abi.md).
llvm::json::Object ruleToJSON(TokenBiasOp op, int32_t model) {
  auto idsOf = [](Attribute attr) {
    llvm::json::Array list;
    for (int32_t t : cast<DenseI32ArrayAttr>(attr).asArrayRef())
      list.push_back(t);
    return list;
  };
  llvm::json::Array sequences, words;
  for (auto [ids, bias] : llvm::zip(op.getSequences(), op.getBiases()))
    sequences.push_back(llvm::json::Object{{"ids", idsOf(ids)}, {"bias", double(bias)}});
  for (Attribute ids : op.getBanned())
    sequences.push_back(llvm::json::Object{{"ids", idsOf(ids)}, {"ban", true}});
  for (auto [word, bias] :
       llvm::zip(op.getWords().getAsValueRange<StringAttr>(), op.getWordBiases()))
    words.push_back(llvm::json::Object{{"text", word.str()}, {"bias", double(bias)}});
  for (StringRef word : op.getBannedWords().getAsValueRange<StringAttr>())
    words.push_back(llvm::json::Object{{"text", word.str()}, {"ban", true}});
  return llvm::json::Object{{"model", model},
                            {"sequences", std::move(sequences)},
                            {"words", std::move(words)},
                            {"ngram", op.getNgram()}};
}

struct ForwardOpLowering : ConvertOpToLLVMPattern<ForwardOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(ForwardOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    callRuntime(rewriter, op.getLoc(), abi::kSeqForward, LLVM::LLVMVoidType::get(getContext()),
                {adaptor.getSequence(), adaptor.getToken()});
    rewriter.eraseOp(op);
    return success();
  }
};

/// dec.emit and dec.check: a runtime call (sequence, token) -> i32, as an i1.
template <typename OpTy>
struct TokenPredicateLowering : ConvertOpToLLVMPattern<OpTy> {
  TokenPredicateLowering(const LLVMTypeConverter &converter, llvm::StringRef function)
      : ConvertOpToLLVMPattern<OpTy>(converter), function(function) {}
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto call = callRuntime(rewriter, loc, function, rewriter.getI32Type(),
                            {adaptor.getSequence(), adaptor.getToken()});
    Value zero = LLVM::ConstantOp::create(rewriter, loc, rewriter.getI32Type(),
                                          rewriter.getI32IntegerAttr(0));
    rewriter.replaceOpWithNewOp<LLVM::ICmpOp>(op, LLVM::ICmpPredicate::ne, call.getResult(),
                                              zero);
    return success();
  }
  llvm::StringRef function;
};

struct FinishOpLowering : ConvertOpToLLVMPattern<FinishOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(FinishOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto call = callRuntime(rewriter, op.getLoc(), abi::kSeqFinish, getPtrType(),
                            {adaptor.getSequence()});
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};

/// dec-expand-schedules makes each decoding step a memref.alloca_scope so the
/// sampler's stack buffers are freed every step. Upstream lowers alloca_scope
/// only after scf is gone, when the body has become several blocks, which the
/// scf.while around it cannot hold. While the body is still one block the
/// lowering is a plain inline between stacksave and stackrestore.
struct StepScopeLowering : ConvertOpToLLVMPattern<memref::AllocaScopeOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(memref::AllocaScopeOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Region &body = op.getBodyRegion();
    if (!body.hasOneBlock())
      return rewriter.notifyMatchFailure(op, "body has more than one block");
    Location loc = op.getLoc();
    Value saved = LLVM::StackSaveOp::create(rewriter, loc, getPtrType());
    Block &block = body.front();
    auto ret = cast<memref::AllocaScopeReturnOp>(block.getTerminator());
    SmallVector<Value> results(ret.getResults());
    rewriter.eraseOp(ret);
    rewriter.inlineBlockBefore(&block, op);
    LLVM::StackRestoreOp::create(rewriter, loc, saved);
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

/// A NUL-terminated constant string global with external linkage.
void defineStringGlobal(ModuleOp module, StringRef name, StringRef value) {
  OpBuilder b(module.getBodyRegion());
  std::string bytes = value.str();
  bytes.push_back('\0');
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), bytes.size());
  LLVM::GlobalOp::create(b, module.getLoc(), type, /*isConstant=*/true,
                         LLVM::Linkage::External, name, b.getStringAttr(bytes));
}

struct ConvertDecToLLVMPass
    : public mlir::dec::impl::ConvertDecToLLVMBase<ConvertDecToLLVMPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();

    bool unexpanded = false;
    module.walk([&](AutoregressiveOp op) {
      op.emitOpError("must be expanded by dec-expand-schedules before convert-dec-to-llvm");
      unexpanded = true;
    });
    if (unexpanded)
      return signalPassFailure();

    ProgramTables tables;
    for (auto model : module.getOps<ModelOp>()) {
      tables.modelIndex[model.getSymName()] = static_cast<int32_t>(tables.models.size());
      tables.models.push_back(llvm::json::Object{{"name", model.getSymName().str()},
                                                 {"kind", model.getKind().str()},
                                                 {"path", model.getPath().str()},
                                                 {"tokenizer", model.getTokenizer().str()}});
    }
    for (auto entry : module.getOps<DecodeOp>())
      tables.entries.push_back(llvm::json::Object{
          {"name", entry.getSymName().str()},
          {"symbol", (abi::kEntryPrefix + entry.getSymName()).str()}});

    // Token rules: each dec.token_bias is one, for the model of its sequence.
    bool badRule = false;
    module.walk([&](TokenBiasOp op) {
      auto begin = op.getSequence().getDefiningOp<BeginOp>();
      if (!begin) {
        op.emitOpError("needs a sequence defined by dec.begin (to know its model)");
        badRule = true;
        return;
      }
      int32_t index = static_cast<int32_t>(tables.rules.size());
      tables.ruleIndex[op] = index;
      tables.rules.push_back(ruleToJSON(op, tables.modelIndex.lookup(begin.getModel())));
    });
    if (badRule)
      return signalPassFailure();

    abi::declareRuntimeFunctions(module);

    LLVMTypeConverter converter(ctx);
    converter.addConversion([ctx](TextType) { return LLVM::LLVMPointerType::get(ctx); });
    converter.addConversion([ctx](SequenceType) { return LLVM::LLVMPointerType::get(ctx); });

    RewritePatternSet patterns(ctx);
    patterns.add<DecodeOpLowering, ReturnOpLowering, ModelOpLowering, MaxTokensOpLowering,
                 ForwardOpLowering, FinishOpLowering, StepScopeLowering>(
        converter);
    patterns.add<BeginOpLowering>(converter, tables);
    patterns.add<TokenPredicateLowering<EmitOp>>(converter, abi::kSeqEmit);
    patterns.add<TokenPredicateLowering<CheckOp>>(converter, abi::kSeqCheck);
    patterns.add<BufferOpLowering<LogitsOp>>(converter, abi::kSeqLogits);
    patterns.add<BufferOpLowering<HistoryOp>>(converter, abi::kSeqHistory);
    patterns.add<BufferOpLowering<EosTokensOp>>(converter, abi::kSeqEosTokens);
    patterns.add<BufferOpLowering<AllowedMaskOp>>(converter, abi::kSeqAllowedMask);
    patterns.add<BufferOpLowering<SeedsOp>>(converter, abi::kSeqSeeds);
    patterns.add<BufferOpLowering<PromptTokensOp>>(converter, abi::kSeqPromptTokens);
    patterns.add<BufferOpLowering<GeneratedTokensOp>>(converter, abi::kSeqGeneratedTokens);
    patterns.add<BufferOpLowering<UnconditionalLogitsOp>>(converter,
                                                          abi::kSeqUnconditionalLogits);
    patterns.add<TokenBiasOpLowering>(converter, tables);
    patterns.add<CaptureLogitsOpLowering>(converter);

    ConversionTarget target(*ctx);
    target.addIllegalDialect<DecDialect>();
    target.addIllegalOp<memref::AllocaScopeOp>();
    target.markUnknownOpDynamicallyLegal([&](Operation *op) {
      // Other dialects stay, but no value of a dec type may survive.
      auto legalType = [](Type t) { return !isa<TextType, SequenceType>(t); };
      if (!llvm::all_of(op->getOperandTypes(), legalType) ||
          !llvm::all_of(op->getResultTypes(), legalType))
        return false;
      for (Region &region : op->getRegions())
        for (Block &block : region)
          if (!llvm::all_of(block.getArgumentTypes(), legalType))
            return false;
      return true;
    });
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();

    llvm::json::Object manifest{{"abi", abi::kVersion},
                                {"models", std::move(tables.models)},
                                {"entries", std::move(tables.entries)},
                                {"sequences", std::move(tables.sequences)}};
    if (!tables.rules.empty())
      manifest["rules"] = std::move(tables.rules);
    std::string text;
    llvm::raw_string_ostream os(text);
    os << llvm::json::Value(std::move(manifest));
    defineStringGlobal(module, abi::kManifestSymbol, text);

    OpBuilder b(module.getBodyRegion());
    LLVM::GlobalOp::create(b, module.getLoc(), b.getI32Type(), /*isConstant=*/true,
                           LLVM::Linkage::External, abi::kVersionSymbol,
                           b.getI32IntegerAttr(abi::kVersion));
  }
};

} // namespace
