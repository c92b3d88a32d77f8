//===- LogitsProcessorOps.cpp - verifiers of the decomposed processors ----===//
//
// The operations of LogitsProcessorOps.td are defined by their decomposition
// (passes/Transforms/LogitsDecompose.cpp); here only their operands are
// checked: constant parameters in range, static shapes that agree.
//
//===----------------------------------------------------------------------===//

#include "dialects/Logits/LogitsDialect.h"

#include "mlir/IR/Matchers.h"

#include <cmath>
#include <sstream>

using namespace mlir;
using namespace mlir::logits;

namespace {

std::optional<double> constantFloatParam(Value v) {
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr.getValueAsDouble();
  return std::nullopt;
}

std::string show(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

/// A `[rows, ...]` operand read per row: static row counts must be the
/// logits' (or 1 when `broadcast` allows a single shared row).
LogicalResult verifyRows(Operation *op, Value logits, Value other, StringRef name,
                         bool broadcast) {
  auto l = cast<MemRefType>(logits.getType());
  auto o = dyn_cast<MemRefType>(other.getType());
  if (!o || o.getRank() == 0 || l.isDynamicDim(0) || o.isDynamicDim(0))
    return success();
  int64_t rows = o.getDimSize(0);
  if (rows == l.getDimSize(0) || (broadcast && rows == 1))
    return success();
  return op->emitOpError() << "has " << l.getDimSize(0) << " rows of logits but " << rows
                           << " rows in " << name;
}

/// A per-row parameter (`memref<?xT>`) has one value per row.
LogicalResult verifyParam(Operation *op, Value logits, Value param, StringRef name) {
  if (!isa<MemRefType>(param.getType()))
    return success();
  return verifyRows(op, logits, param, name, /*broadcast=*/false);
}

/// A per-row token list ([batch, n]) has one row per logits row (or one).
LogicalResult verifyTokens(Operation *op, Value logits, ValueRange lists) {
  for (Value tokens : lists) {
    auto t = cast<MemRefType>(tokens.getType());
    if (t.getRank() == 2 &&
        failed(verifyRows(op, logits, tokens, "the token lists", /*broadcast=*/true)))
      return failure();
  }
  return success();
}

LogicalResult verifyFinite(Operation *op, Value param, StringRef name) {
  if (auto v = constantFloatParam(param); v && !std::isfinite(*v))
    return op->emitOpError() << name << " must be finite, got " << show(*v);
  return success();
}

/// A second [batch or 1, vocab] buffer: static vocabularies must agree.
LogicalResult verifyRowBuffer(Operation *op, Value logits, Value other, StringRef name) {
  if (failed(verifyRows(op, logits, other, name, /*broadcast=*/true)))
    return failure();
  auto l = cast<MemRefType>(logits.getType());
  auto o = cast<MemRefType>(other.getType());
  if (!l.isDynamicDim(1) && !o.isDynamicDim(1) && l.getDimSize(1) != o.getDimSize(1))
    return op->emitOpError() << "has a vocabulary of " << l.getDimSize(1) << " but " << name
                             << " has " << o.getDimSize(1) << " entries per row";
  return success();
}

} // namespace

LogicalResult FrequencyPenaltyOp::verify() {
  if (failed(verifyFinite(*this, getPenalty(), "penalty")))
    return failure();
  if (failed(verifyParam(*this, getLogits(), getPenalty(), "the penalties")))
    return failure();
  return verifyTokens(*this, getLogits(), getTokens());
}

LogicalResult PresencePenaltyOp::verify() {
  if (failed(verifyFinite(*this, getPenalty(), "penalty")))
    return failure();
  if (failed(verifyParam(*this, getLogits(), getPenalty(), "the penalties")))
    return failure();
  return verifyTokens(*this, getLogits(), getTokens());
}

LogicalResult AddBiasOp::verify() {
  return verifyRowBuffer(*this, getLogits(), getBias(), "the bias");
}

LogicalResult AllowOp::verify() { return verifyTokens(*this, getLogits(), getTokens()); }

LogicalResult SuppressIfOp::verify() {
  if (failed(verifyParam(*this, getLogits(), getCondition(), "the conditions")))
    return failure();
  return verifyTokens(*this, getLogits(), getTokens());
}

LogicalResult ForceOp::verify() {
  if (failed(verifyParam(*this, getLogits(), getCondition(), "the conditions")))
    return failure();
  return verifyTokens(*this, getLogits(), getTokens());
}

LogicalResult RemoveInfNanOp::verify() { return success(); }

LogicalResult LogSoftmaxOp::verify() { return success(); }

LogicalResult GuidanceOp::verify() {
  if (auto s = constantFloatParam(getScale()); s && !(std::isfinite(*s) && *s > 0))
    return emitOpError() << "scale must be finite and > 0, got " << show(*s);
  if (failed(verifyParam(*this, getLogits(), getScale(), "the scales")))
    return failure();
  return verifyRowBuffer(*this, getLogits(), getUnconditional(), "the unconditional logits");
}
