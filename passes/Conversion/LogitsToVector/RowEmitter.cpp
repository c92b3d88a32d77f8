//===- RowEmitter.cpp - code for the elements of row values ---------------===//

#include "passes/Conversion/LogitsToVector/RowEmitter.h"

#include "dialects/Logits/LogitsDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

using namespace mlir;
using namespace mlir::dec;
using namespace mlir::logits;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

Type RowEmitter::laneType(Type element, Lanes lanes) {
  return lanes.vector() ? Type(VectorType::get({lanes.width}, element)) : element;
}

Value RowEmitter::constant(Type element, double value, Lanes lanes) {
  TypedAttr attr;
  if (auto f = dyn_cast<FloatType>(element))
    attr = FloatAttr::get(f, value);
  else
    attr = IntegerAttr::get(element, static_cast<int64_t>(value));
  if (!lanes.vector())
    return arith::ConstantOp::create(b, attr);
  auto type = VectorType::get({lanes.width}, element);
  return arith::ConstantOp::create(b, DenseElementsAttr::get(type, attr));
}

Value RowEmitter::broadcast(Value scalar, Lanes lanes) {
  if (!lanes.vector() || isa<VectorType>(scalar.getType()))
    return scalar;
  return vector::BroadcastOp::create(b, VectorType::get({lanes.width}, scalar.getType()), scalar);
}

Value RowEmitter::bufferRow(Value buffer) {
  Value rows = memref::DimOp::create(b, buffer, 0);
  Value single = arith::CmpIOp::create(b, CmpIPredicate::eq, rows, k.index(1));
  return arith::SelectOp::create(b, single, k.index(0), row);
}

Value RowEmitter::inputOf(BlockArgument arg) {
  unsigned first = isa<ChooseOp>(program) ? 2 : 1;
  return program->getOperand(first + arg.getArgNumber() - 1);
}

Value RowEmitter::load(Value buffer, Value bufferRow, Value v, Lanes lanes, double fill) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<Value> indices;
  if (type.getRank() == 2)
    indices.push_back(bufferRow);
  indices.push_back(v);
  if (!lanes.vector())
    return memref::LoadOp::create(b, buffer, indices);
  auto vectorType = VectorType::get({lanes.width}, type.getElementType());
  if (!lanes.mask)
    return vector::LoadOp::create(b, vectorType, buffer, indices);
  Value passThrough = constant(type.getElementType(), fill, lanes);
  return vector::MaskedLoadOp::create(b, vectorType, buffer, indices, lanes.mask, passThrough);
}

Value RowEmitter::element(Value value, Value v, Lanes lanes) {
  const double negInf = -std::numeric_limits<double>::infinity();
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    if (arg.getArgNumber() == 0 && arg.getOwner()->getParentOp() == program)
      return load(program->getOperand(0), row, v, lanes, negInf);
    Value buffer = inputOf(arg); // another [batch, V] f32 row
    return load(buffer, bufferRow(buffer), v, lanes, negInf);
  }
  Operation *def = value.getDefiningOp();
  return llvm::TypeSwitch<Operation *, Value>(def)
      .Case<IndexOp>([&](auto) -> Value {
        if (!lanes.vector())
          return arith::IndexCastUIOp::create(b, b.getI32Type(), v);
        auto indexVector = VectorType::get({lanes.width}, b.getIndexType());
        Value steps = vector::StepOp::create(b, indexVector);
        Value ids = arith::AddIOp::create(b, steps, broadcast(v, lanes));
        return arith::IndexCastUIOp::create(b, laneType(b.getI32Type(), lanes), ids);
      })
      .Case<WeightsOp>([&](WeightsOp op) {
        return k.weight(element(op.getRow(), v, lanes), broadcast(scalars.lookup(op.getMax()), lanes));
      })
      .Case<IdsCountOp>([&](IdsCountOp op) -> Value {
        if (!scratch.count(op)) {
          if (!presence.count(op) || lanes.vector())
            return countByScan(op, v);
          // Only listed tokens (bit set) scan the list.
          Value present = testBits(presence.lookup(op), Value(), v, lanes);
          return k.ifThenElse(
                      present, {b.getI32Type()},
                      [&]() -> SmallVector<Value> { return {countByScan(op, v)}; },
                      [&]() -> SmallVector<Value> { return {k.i32(0)}; })
              .front();
        }
        // Counts were only written for listed tokens; read them under the mask.
        Value counts = scratch.lookup(op);
        Value present = testBits(presence.lookup(op), Value(), v, lanes);
        if (!counts) // only `count > 0` is used: presence is the answer
          return arith::ExtUIOp::create(b, laneType(b.getI32Type(), lanes), present);
        if (!lanes.vector()) {
          return k.ifThenElse(
                      present, {b.getI32Type()},
                      [&]() -> SmallVector<Value> {
                        return {memref::LoadOp::create(b, counts, ValueRange{v})};
                      },
                      [&]() -> SmallVector<Value> { return {k.i32(0)}; })
              .front();
        }
        Value mask = lanes.mask ? arith::AndIOp::create(b, present, lanes.mask).getResult() : present;
        // Most vectors list no token: do not load at all then. (The counts
        // are never written elsewhere, and a masked load whose masked-off
        // lanes hit an untouched page costs a microcode assist on some CPUs.)
        auto type = VectorType::get({lanes.width}, b.getI32Type());
        Value packed = vector::BitCastOp::create(
            b, VectorType::get({1}, b.getIntegerType(lanes.width)), mask);
        Value bits = vector::ExtractOp::create(b, packed, ArrayRef<int64_t>{0});
        Value any = arith::CmpIOp::create(b, CmpIPredicate::ne, bits,
                                          arith::ConstantIntOp::create(b, bits.getType(), 0));
        return k.ifThenElse(
                    any, {type},
                    [&]() -> SmallVector<Value> {
                      return {vector::MaskedLoadOp::create(b, type, counts, ValueRange{v}, mask,
                                                           constant(b.getI32Type(), 0, lanes))};
                    },
                    [&]() -> SmallVector<Value> { return {constant(b.getI32Type(), 0, lanes)}; })
            .front();
      })
      .Case<BitsetTestOp>([&](BitsetTestOp op) -> Value {
        Value words = inputOf(cast<BlockArgument>(op.getBits()));
        return testBits(words, bufferRow(words), v, lanes);
      })
      .Case<MapOp>([&](MapOp op) { return mapElement(op, v, lanes); })
      .Default([&](Operation *) -> Value { llvm_unreachable("not a row value"); });
}

Value RowEmitter::countByScan(Operation *op, Value v) {
  Value ids = inputOf(cast<BlockArgument>(cast<IdsCountOp>(op).getIds()));
  auto type = cast<MemRefType>(ids.getType());
  Value length = memref::DimOp::create(b, ids, type.getRank() - 1);
  Value idsRow = type.getRank() == 2 ? bufferRow(ids) : Value();
  Value token = arith::IndexCastUIOp::create(b, b.getI32Type(), v);
  return k.forRange(k.index(0), length, {k.i32(0)}, [&](Value j, ValueRange acc) {
            Value t = idsRow ? memref::LoadOp::create(b, ids, ValueRange{idsRow, j}).getResult()
                             : memref::LoadOp::create(b, ids, ValueRange{j}).getResult();
            Value same = arith::CmpIOp::create(b, CmpIPredicate::eq, t, token);
            return SmallVector<Value>{
                arith::AddIOp::create(b, acc[0], arith::ExtUIOp::create(b, b.getI32Type(), same))};
          }).front();
}

Value RowEmitter::testBits(Value words, Value wordsRow, Value v, Lanes lanes) {
  // Vector lanes start at a multiple of 16, so they share one word.
  Value w = arith::DivUIOp::create(b, v, k.index(32));
  SmallVector<Value> at;
  if (wordsRow)
    at.push_back(wordsRow);
  at.push_back(w);
  Value word = memref::LoadOp::create(b, words, at);
  Value first = arith::IndexCastUIOp::create(b, b.getI32Type(), arith::RemUIOp::create(b, v, k.index(32)));
  Value shift = first;
  if (lanes.vector()) {
    auto indexVector = VectorType::get({lanes.width}, b.getIndexType());
    Value steps = arith::IndexCastUIOp::create(b, laneType(b.getI32Type(), lanes),
                                               vector::StepOp::create(b, indexVector));
    shift = arith::AddIOp::create(b, steps, broadcast(first, lanes));
  }
  Value bits = arith::ShRUIOp::create(b, broadcast(word, lanes), shift);
  Value bit = arith::AndIOp::create(b, bits, constant(b.getI32Type(), 1, lanes));
  return arith::CmpIOp::create(b, CmpIPredicate::ne, bit, constant(b.getI32Type(), 0, lanes));
}

namespace {

/// Ops whose vector form costs many cycles per lane (division, square roots
/// and the transcendental functions, which expand to polynomials).
bool isExpensive(Operation *op) {
  return isa<arith::DivFOp, arith::RemFOp>(op) || op->getDialect()->getNamespace() == "math";
}

/// The ops of `body` that only the true operand of `select` needs: the
/// backward slice of that operand within the body, when every op in it is
/// used only inside the slice or by the select. Empty otherwise.
llvm::SetVector<Operation *> exclusiveTrueSlice(arith::SelectOp select, Block &body) {
  llvm::SetVector<Operation *> slice;
  SmallVector<Value> work{select.getTrueValue()};
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (!def || def->getBlock() != &body || isa<arith::ConstantOp>(def) || !slice.insert(def))
      continue;
    llvm::append_range(work, def->getOperands());
  }
  for (Value other : {select.getCondition(), select.getFalseValue()})
    if (Operation *def = other.getDefiningOp(); def && slice.contains(def))
      return {};
  for (Operation *op : slice)
    for (Operation *user : op->getUsers())
      if (user != select.getOperation() && !slice.contains(user))
        return {};
  return slice;
}

} // namespace

Value RowEmitter::mapElement(Operation *op, Value v, Lanes lanes) {
  auto map = cast<MapOp>(op);
  Block &body = map.getBody().front();
  IRMapping mapping;
  for (auto [arg, rowValue] : llvm::zip(body.getArguments(), map.getRows()))
    mapping.map(arg, element(rowValue, v, lanes));
  auto operandFor = [&](Value operand) -> Value {
    if (Value mapped = mapping.lookupOrNull(operand))
      return mapped;
    return broadcast(scalars.lookup(operand), lanes); // a scalar of the program
  };
  // An elementwise op: the same op on vectors.
  auto emitVector = [&](Operation &inner) {
    if (auto c = dyn_cast<arith::ConstantOp>(inner)) {
      Value scalar = b.clone(inner)->getResult(0);
      mapping.map(c.getResult(), broadcast(scalar, lanes));
      return;
    }
    OperationState state(inner.getLoc(), inner.getName());
    for (Value operand : inner.getOperands())
      state.addOperands(operandFor(operand));
    for (Type t : inner.getResultTypes())
      state.addTypes(laneType(t, lanes));
    state.addAttributes(inner.getDiscardableAttrDictionary().getValue());
    state.propertiesAttr = inner.getPropertiesAsAttribute();
    Operation *copy = b.create(state);
    mapping.map(inner.getResults(), copy->getResults());
  };
  // A select whose true operand alone needs expensive ops (the repetition
  // penalty: `count > 0 ? (x < 0 ? x * r : x / r) : x`) computes that
  // operand only when some lane selects it: rows are mostly unpenalized, so
  // the division is skipped for nearly every vector. Same values either way.
  DenseSet<Operation *> deferred;
  DenseMap<Operation *, llvm::SetVector<Operation *>> lazySelects;
  if (lanes.vector())
    for (Operation &inner : body.without_terminator())
      if (auto select = dyn_cast<arith::SelectOp>(inner)) {
        llvm::SetVector<Operation *> slice = exclusiveTrueSlice(select, body);
        if (llvm::any_of(slice, isExpensive)) {
          deferred.insert(slice.begin(), slice.end());
          lazySelects[select] = std::move(slice);
        }
      }
  for (Operation &inner : body.without_terminator()) {
    if (!lanes.vector()) {
      IRMapping scalarMapping = scalars;
      for (Value operand : inner.getOperands())
        if (Value mapped = mapping.lookupOrNull(operand))
          scalarMapping.map(operand, mapped);
      Operation *copy = b.clone(inner, scalarMapping);
      mapping.map(inner.getResults(), copy->getResults());
      continue;
    }
    if (deferred.contains(&inner))
      continue;
    auto lazy = lazySelects.find(&inner);
    if (lazy == lazySelects.end()) {
      emitVector(inner);
      continue;
    }
    auto select = cast<arith::SelectOp>(inner);
    Value condition = operandFor(select.getCondition());
    Value otherwise = operandFor(select.getFalseValue());
    Type type = otherwise.getType();
    auto packedType = VectorType::get({1}, b.getIntegerType(lanes.width));
    Value packed = vector::ExtractOp::create(b, vector::BitCastOp::create(b, packedType, condition),
                                             ArrayRef<int64_t>{0});
    Value any = arith::CmpIOp::create(b, CmpIPredicate::ne, packed,
                                      arith::ConstantIntOp::create(b, packed.getType(), 0));
    Value result = k.ifThenElse(
                        any, {type},
                        [&]() -> SmallVector<Value> {
                          // Body order is a topological order of the slice.
                          for (Operation &sliceOp : body.without_terminator())
                            if (lazy->second.contains(&sliceOp))
                              emitVector(sliceOp);
                          return {arith::SelectOp::create(b, condition,
                                                          operandFor(select.getTrueValue()), otherwise)
                                      .getResult()};
                        },
                        [&]() -> SmallVector<Value> { return {otherwise}; })
                       .front();
    mapping.map(select.getResult(), result);
  }
  return operandFor(cast<MapYieldOp>(body.getTerminator()).getValue());
}

bool RowEmitter::vectorizable(Operation *program) {
  bool ok = true;
  program->walk([&](MapOp map) {
    for (Operation &inner : map.getBody().front().without_terminator())
      if (!isa<arith::ConstantOp>(inner) &&
          !(inner.hasTrait<OpTrait::Elementwise>() && inner.hasTrait<OpTrait::Vectorizable>()))
        ok = false;
  });
  return ok;
}
