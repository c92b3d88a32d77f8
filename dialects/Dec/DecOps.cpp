//===- DecOps.cpp - operations of the dec dialect -------------------------===//

#include "dialects/Dec/DecDialect.h"

#include <cmath>
#include <limits>

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/FunctionImplementation.h"

using namespace mlir;
using namespace mlir::dec;

//===----------------------------------------------------------------------===//
// ModelOp
//===----------------------------------------------------------------------===//

LogicalResult ModelOp::verify() {
  if (getKind() != "causal")
    return emitOpError() << "has unknown model kind '" << getKind()
                         << "' (supported: \"causal\")";
  if (getPath().empty() || getTokenizer().empty())
    return emitOpError() << "needs a model path and a tokenizer path";
  return success();
}

/// Resolves `symbol` to a dec.model visible from `op`.
static LogicalResult verifyModelSymbol(Operation *op, FlatSymbolRefAttr symbol,
                                       SymbolTableCollection &symbolTable) {
  auto model = symbolTable.lookupNearestSymbolFrom<ModelOp>(op, symbol);
  if (!model)
    return op->emitOpError() << "refers to " << symbol << ", which is not a dec.model";
  return success();
}

//===----------------------------------------------------------------------===//
// DecodeOp
//===----------------------------------------------------------------------===//

void DecodeOp::build(OpBuilder &builder, OperationState &state, StringRef name) {
  Type text = TextType::get(builder.getContext());
  state.addAttribute(SymbolTable::getSymbolAttrName(), builder.getStringAttr(name));
  state.addAttribute(getFunctionTypeAttrName(state.name),
                     TypeAttr::get(builder.getFunctionType({text}, {text})));
  Region *body = state.addRegion();
  Block *entry = new Block();
  entry->addArgument(text, state.location);
  body->push_back(entry);
}

ParseResult DecodeOp::parse(OpAsmParser &parser, OperationState &result) {
  auto buildFuncType = [](Builder &builder, ArrayRef<Type> argTypes, ArrayRef<Type> results,
                          function_interface_impl::VariadicFlag,
                          std::string &) { return builder.getFunctionType(argTypes, results); };
  return function_interface_impl::parseFunctionOp(
      parser, result, /*allowVariadic=*/false, getFunctionTypeAttrName(result.name),
      buildFuncType, getArgAttrsAttrName(result.name), getResAttrsAttrName(result.name));
}

void DecodeOp::print(OpAsmPrinter &p) {
  function_interface_impl::printFunctionOp(p, *this, /*isVariadic=*/false,
                                           getFunctionTypeAttrName(), getArgAttrsAttrName(),
                                           getResAttrsAttrName());
}

LogicalResult DecodeOp::verify() {
  // The runtime calls every entry the same way (docs/abi.md): prompt in, text out.
  FunctionType type = getFunctionType();
  auto isText = [](Type t) { return isa<TextType>(t); };
  if (type.getNumInputs() != 1 || !isText(type.getInput(0)) || type.getNumResults() != 1 ||
      !isText(type.getResult(0)))
    return emitOpError() << "must have type (!dec.text) -> !dec.text, got " << type;
  if (getBody().empty() || getBody().front().getNumArguments() != 1)
    return emitOpError() << "body must take the prompt as its only argument";
  return success();
}

//===----------------------------------------------------------------------===//
// AutoregressiveOp
//===----------------------------------------------------------------------===//

void AutoregressiveOp::build(OpBuilder &builder, OperationState &state, StringRef model,
                             Value prompt, int64_t maxTokens) {
  MLIRContext *ctx = builder.getContext();
  state.addOperands(prompt);
  state.getOrAddProperties<Properties>().model = FlatSymbolRefAttr::get(ctx, model);
  state.getOrAddProperties<Properties>().max_tokens = builder.getI64IntegerAttr(maxTokens);
  state.addTypes(TextType::get(ctx));
  Region *region = state.addRegion();
  Block *block = new Block();
  Location loc = state.location;
  block->addArgument(MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                                     builder.getF32Type()),
                     loc);
  block->addArgument(SequenceType::get(ctx), loc);
  block->addArgument(builder.getI64Type(), loc);
  region->push_back(block);
}

/// `constraint KIND = SPEC` names a kind the runtime compiles and comes with
/// its source; `rejection` needs a constraint to enforce.
static LogicalResult verifyStructuredConstraint(Operation *op, StringAttr kind, StringAttr spec,
                                                bool rejection) {
  if (kind) {
    static const llvm::StringRef kinds[] = {"regex", "json_schema", "gbnf", "lark", "choice"};
    if (!llvm::is_contained(kinds, kind.getValue()))
      return op->emitOpError() << "unknown constraint kind '" << kind.getValue()
                               << "' (expected regex, json_schema, gbnf, lark or choice)";
    if (!spec)
      return op->emitOpError() << "constraint '" << kind.getValue() << "' has no source";
  } else if (spec) {
    return op->emitOpError() << "has a constraint source but no constraint kind";
  }
  if (rejection && !kind)
    return op->emitOpError() << "'rejection' needs a structured constraint";
  return success();
}

LogicalResult BeginOp::verify() {
  return verifyStructuredConstraint(*this, getConstraintKindAttr(), getConstraintSpecAttr(),
                                    getRejection());
}

LogicalResult AutoregressiveOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  return verifyModelSymbol(*this, getModelAttr(), symbolTable);
}

LogicalResult AutoregressiveOp::verifyRegions() {
  if (getMaxTokens() < 1)
    return emitOpError() << "max_tokens must be >= 1, got " << getMaxTokens();
  for (auto s : getStop().getAsValueRange<StringAttr>())
    if (s.empty())
      return emitOpError() << "has an empty stop string";
  for (auto s : getBan().getAsValueRange<StringAttr>())
    if (s.empty())
      return emitOpError() << "has an empty banned string";
  for (int32_t t : getBanTokens())
    if (t < 0)
      return emitOpError() << "bans the negative token id " << t;
  if (auto scale = getGuidance()) {
    double s = scale->convertToDouble();
    if (!(s > 0) || std::isinf(s))
      return emitOpError() << "guidance scale must be finite and > 0, got " << s;
  } else if (getNegative()) {
    return emitOpError() << "has a negative prompt but no guidance scale";
  }
  if (auto n = getLogprobs(); n && *n < 0)
    return emitOpError() << "logprobs must be >= 0, got " << *n;
  if (getLogprobsProcessed() && !getLogprobs())
    return emitOpError() << "'processed' needs 'logprobs N'";
  if (failed(verifyStructuredConstraint(*this, getConstraintKindAttr(), getConstraintSpecAttr(),
                                        getRejection())))
    return failure();

  Block &body = getSampler().front();
  auto logitsType = dyn_cast<MemRefType>(body.getNumArguments() > 0
                                             ? body.getArgument(0).getType()
                                             : Type());
  if (body.getNumArguments() != 3 || !logitsType || logitsType.getRank() != 2 ||
      !logitsType.getElementType().isF32() ||
      !isa<SequenceType>(body.getArgument(1).getType()) ||
      !body.getArgument(2).getType().isInteger(64))
    return emitOpError() << "sampler region must take (memref<?x?xf32>, !dec.sequence, i64): "
                            "the logits, the sequence and the step";
  if (!isa<YieldOp>(body.getTerminator()))
    return emitOpError() << "sampler region must end with dec.yield of the chosen token";
  return success();
}

//===----------------------------------------------------------------------===//
// BeginOp
//===----------------------------------------------------------------------===//

LogicalResult BeginOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  return verifyModelSymbol(*this, getModelAttr(), symbolTable);
}

//===----------------------------------------------------------------------===//
// TokenBiasOp
//===----------------------------------------------------------------------===//

LogicalResult TokenBiasOp::verify() {
  if (getSequences().size() != getBiases().size())
    return emitOpError() << "has " << getSequences().size() << " sequences but "
                         << getBiases().size() << " biases";
  if (getWords().size() != getWordBiases().size())
    return emitOpError() << "has " << getWords().size() << " words but "
                         << getWordBiases().size() << " word biases";
  auto checkSequences = [&](ArrayAttr sequences, StringRef what) -> LogicalResult {
    for (auto [i, attr] : llvm::enumerate(sequences)) {
      ArrayRef<int32_t> ids = cast<DenseI32ArrayAttr>(attr).asArrayRef();
      if (ids.empty())
        return emitOpError() << what << " #" << i << " is empty";
      for (int32_t t : ids)
        if (t < -1 || (t == -1 && ids.size() != 1))
          return emitOpError() << what << " #" << i << " has the token id " << t
                               << " (-1, the end-of-sequence tokens, only alone)";
    }
    return success();
  };
  if (failed(checkSequences(getSequences(), "sequence")) ||
      failed(checkSequences(getBanned(), "banned sequence")))
    return failure();
  for (StringRef word : llvm::concat<StringRef>(
           llvm::to_vector(getWords().getAsValueRange<StringAttr>()),
           llvm::to_vector(getBannedWords().getAsValueRange<StringAttr>())))
    if (word.empty())
      return emitOpError() << "has an empty word";
  for (float b : llvm::concat<const float>(getBiases(), getWordBiases()))
    if (!std::isfinite(b))
      return emitOpError() << "biases must be finite (ban with 'banned'), got " << b;
  if (getNgram() < 0)
    return emitOpError() << "ngram must be >= 0, got " << getNgram();
  return success();
}

#define GET_OP_CLASSES
#include "dialects/Dec/DecOps.cpp.inc"
