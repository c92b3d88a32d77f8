//===- LogitsDialect.cpp - the logits dialect -----------------------------===//

#include "dialects/Logits/LogitsDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <sstream>

using namespace mlir;
using namespace mlir::logits;

#include "dialects/Logits/LogitsDialect.cpp.inc"
#include "dialects/Logits/LogitsEnums.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Logits/LogitsTypes.cpp.inc"

void LogitsDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/Logits/LogitsTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/Logits/LogitsOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Verification helpers
//===----------------------------------------------------------------------===//

namespace {
/// Parameters are SSA values so that a request can set them at run time; when
/// one is a constant, its range is checked here instead of at every step.
std::optional<double> constantFloat(Value v) {
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr.getValueAsDouble();
  return std::nullopt;
}

/// Shortest natural rendering ("0.5", "-3", "1e-09") for diagnostics.
std::string str(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::optional<int64_t> constantInt(Value v) {
  IntegerAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr.getInt();
  return std::nullopt;
}

/// Auxiliary buffers are indexed by the logits' row; static sizes must agree.
LogicalResult verifySameBatch(Operation *op, Value logits, Value other,
                              StringRef otherName) {
  auto l = cast<MemRefType>(logits.getType());
  auto o = cast<MemRefType>(other.getType());
  if (!l.isDynamicDim(0) && !o.isDynamicDim(0) && l.getDimSize(0) != o.getDimSize(0))
    return op->emitOpError() << "has " << l.getDimSize(0) << " rows of logits but "
                             << o.getDimSize(0) << " rows in " << otherName;
  return success();
}

/// Erases a transform whose parameter makes it the identity.
template <typename OpTy>
struct EraseIdentityTransform : OpRewritePattern<OpTy> {
  EraseIdentityTransform(MLIRContext *ctx, llvm::function_ref<bool(OpTy)> isIdentity)
      : OpRewritePattern<OpTy>(ctx), isIdentity(isIdentity) {}
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    if (!isIdentity(op))
      return failure();
    rewriter.eraseOp(op);
    return success();
  }
  std::function<bool(OpTy)> isIdentity;
};
} // namespace

//===----------------------------------------------------------------------===//
// Transforms
//===----------------------------------------------------------------------===//

LogicalResult TemperatureOp::verify() {
  if (auto t = constantFloat(getTemperature()); t && !(*t > 0.0))
    return emitOpError() << "temperature must be > 0, got " << str(*t);
  return success();
}

void TemperatureOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                MLIRContext *ctx) {
  results.add<EraseIdentityTransform<TemperatureOp>>(ctx, [](TemperatureOp op) {
    auto t = constantFloat(op.getTemperature());
    return t && *t == 1.0;
  });
}

LogicalResult TopKOp::verify() {
  if (auto k = constantInt(getK()); k && *k < 1)
    return emitOpError() << "k must be >= 1, got " << *k;
  return success();
}

LogicalResult TopPOp::verify() {
  if (auto p = constantFloat(getP()); p && !(*p > 0.0 && *p <= 1.0))
    return emitOpError() << "p must be in (0, 1], got " << str(*p);
  return success();
}

void TopPOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<EraseIdentityTransform<TopPOp>>(ctx, [](TopPOp op) {
    auto p = constantFloat(op.getP());
    return p && *p == 1.0;
  });
}

LogicalResult MinPOp::verify() {
  if (auto p = constantFloat(getP()); p && !(*p >= 0.0 && *p <= 1.0))
    return emitOpError() << "p must be in [0, 1], got " << str(*p);
  return success();
}

void MinPOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<EraseIdentityTransform<MinPOp>>(ctx, [](MinPOp op) {
    auto p = constantFloat(op.getP());
    return p && *p == 0.0;
  });
}

LogicalResult RepetitionPenaltyOp::verify() {
  if (auto r = constantFloat(getPenalty()); r && !(*r > 0.0))
    return emitOpError() << "penalty must be > 0, got " << str(*r);
  return verifySameBatch(*this, getLogits(), getHistory(), "history");
}

void RepetitionPenaltyOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                      MLIRContext *ctx) {
  results.add<EraseIdentityTransform<RepetitionPenaltyOp>>(
      ctx, [](RepetitionPenaltyOp op) {
        auto r = constantFloat(op.getPenalty());
        return r && *r == 1.0;
      });
}

LogicalResult SuppressOp::verify() { return success(); }

LogicalResult MaskOp::verify() {
  if (failed(verifySameBatch(*this, getLogits(), getAllowed(), "the mask")))
    return failure();
  auto l = getLogits().getType();
  auto m = getAllowed().getType();
  if (!l.isDynamicDim(1) && !m.isDynamicDim(1) &&
      m.getDimSize(1) != (l.getDimSize(1) + 31) / 32)
    return emitOpError() << "mask has " << m.getDimSize(1) << " words per row but a vocabulary of "
                         << l.getDimSize(1) << " needs " << (l.getDimSize(1) + 31) / 32;
  return success();
}

LogicalResult SoftmaxOp::verify() { return success(); }

//===----------------------------------------------------------------------===//
// Terminal choices
//===----------------------------------------------------------------------===//

LogicalResult ArgmaxOp::verify() {
  return verifySameBatch(*this, getLogits(), getTokens(), "the token vector");
}

LogicalResult SampleOp::verify() {
  if (failed(verifySameBatch(*this, getLogits(), getTokens(), "the token vector")))
    return failure();
  return verifySameBatch(*this, getLogits(), getSeeds(), "the seed vector");
}

#define GET_OP_CLASSES
#include "dialects/Logits/LogitsOps.cpp.inc"
