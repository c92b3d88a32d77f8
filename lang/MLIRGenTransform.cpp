//===- MLIRGenTransform.cpp - User-defined transforms as row programs ----------------===//

#include "lang/MLIRGenTransform.h"

#include "dialects/Logits/ProgramBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include "llvm/ADT/DenseMap.h"

#include <functional>

using namespace mlir;
using namespace ::dec::lang;
using NodeOp = TransformNode::Op;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {

Type typeOf(OpBuilder &b, ElemType t) {
  switch (t) {
  case ElemType::F32:
    return b.getF32Type();
  case ElemType::I32:
    return b.getI32Type();
  case ElemType::Bool:
    return b.getI1Type();
  case ElemType::F64:
    return b.getF64Type();
  case ElemType::I64:
    return b.getI64Type();
  }
  return b.getF32Type();
}

bool isFloat(ElemType t) { return t == ElemType::F32 || t == ElemType::F64; }

Value emitConstant(ImplicitLocOpBuilder &b, const TransformNode &node) {
  switch (node.type) {
  case ElemType::F32:
    return arith::ConstantFloatOp::create(b, b.getF32Type(),
                                          APFloat(static_cast<float>(node.number)));
  case ElemType::F64:
    return arith::ConstantFloatOp::create(b, b.getF64Type(), APFloat(node.number));
  case ElemType::I32:
    return arith::ConstantIntOp::create(b, b.getI32Type(), static_cast<int64_t>(node.number));
  case ElemType::Bool:
    return arith::ConstantIntOp::create(b, b.getI1Type(), node.number != 0 ? 1 : 0);
  case ElemType::I64:
    return arith::ConstantIntOp::create(b, b.getI64Type(), static_cast<int64_t>(node.number));
  }
  return Value();
}

class Emitter {
public:
  Emitter(ImplicitLocOpBuilder &outer, const UserTransform &t)
      : outer(outer), t(t), n(t.nodes.size()) {}

  void run(Value logits) {
    classify();
    // Compile-time parameters: inputs of the program, in parameter order.
    SmallVector<Value> inputs;
    SmallVector<Type> argTypes;
    SmallVector<unsigned> paramNodes;
    for (unsigned i = 0; i != n; ++i)
      if (t.nodes[i].op == NodeOp::Constant && t.nodes[i].param >= 0)
        paramNodes.push_back(i);
    llvm::stable_sort(paramNodes,
                      [&](unsigned a, unsigned b) { return t.nodes[a].param < t.nodes[b].param; });
    llvm::DenseMap<unsigned, unsigned> inputOf;
    for (unsigned node : paramNodes) {
      inputOf[node] = inputs.size();
      inputs.push_back(emitConstant(outer, t.nodes[node]));
      argTypes.push_back(typeOf(outer, t.nodes[node].type));
    }

    auto p = logits::ProgramBuilder::transform(outer, logits, inputs, argTypes);
    ImplicitLocOpBuilder &s = p.builder();
    values.assign(n, Value());
    for (unsigned i = 0; i != n; ++i) {
      const TransformNode &node = t.nodes[i];
      s.setLoc(location(node));
      auto operand = [&](unsigned k) { return values[node.operands[k]]; };
      switch (node.op) {
      case NodeOp::Logits:
        values[i] = p.row();
        continue;
      case NodeOp::Constant:
        if (node.param >= 0)
          values[i] = p.input(inputOf.lookup(i));
        else if (neededAtProgram[i])
          values[i] = emitConstant(s, node);
        continue;
      case NodeOp::Index:
        values[i] = logits::IndexOp::create(s, logits::RowType::get(s.getContext(), s.getI32Type()));
        continue;
      case NodeOp::Weights:
        values[i] = p.weights(operand(0), operand(1));
        continue;
      case NodeOp::ReduceMax:
        values[i] = p.reduce(logits::ReduceKind::Max, operand(0), s.getF32Type());
        continue;
      case NodeOp::ReduceMin:
        values[i] = p.reduce(logits::ReduceKind::Min, operand(0), s.getF32Type());
        continue;
      case NodeOp::ReduceSum:
        values[i] = p.reduce(logits::ReduceKind::Sum, operand(0), typeOf(s, node.type));
        continue;
      case NodeOp::Argmax:
        values[i] = p.reduce(logits::ReduceKind::Argmax, operand(0), s.getI32Type());
        continue;
      case NodeOp::Count:
        values[i] = p.reduce(logits::ReduceKind::Count, operand(0), s.getI32Type());
        continue;
      case NodeOp::KthLargest:
        values[i] = p.kthLargest(operand(0), operand(1));
        continue;
      case NodeOp::MassBoundary:
        values[i] = p.massBoundary(operand(0), operand(1), operand(2));
        continue;
      default:
        break;
      }
      // Elementwise.
      if (!node.row) {
        if (!neededAtProgram[i])
          continue; // computed in the maps that use it
        SmallVector<Value> args;
        for (unsigned o : node.operands)
          args.push_back(values[o]);
        values[i] = elementwise(s, node, args);
      } else if (materialized[i]) {
        values[i] = map(p, i);
      }
    }
    p.yieldRow(values[t.result]);
  }

private:
  Location location(const TransformNode &node) {
    if (node.line == 0 || t.file.empty())
      return outer.getLoc();
    return FileLineColLoc::get(outer.getContext(), t.file, node.line, node.col);
  }

  /// Where each node is computed:
  ///   * elementwise rows get their own logits.map when an operation of the program body
  ///     (a reduction, weights, ...) or the result reads them, and are otherwise computed
  ///     inside the maps that use them;
  ///   * elementwise scalars are computed in the program body when marked perRow or read
  ///     there, and otherwise inside the maps that use them;
  ///   * constants are made where they are used (program body, maps, or both).
  void classify() {
    materialized.assign(n, false);
    neededAtProgram.assign(n, false);
    materialized[t.result] = t.nodes[t.result].isElementwise();
    // Users come after their operands: walk backwards so that a node's users are settled.
    for (unsigned i = n; i-- > 0;) {
      const TransformNode &node = t.nodes[i];
      bool scalarOp = node.isElementwise() && !node.row;
      if (scalarOp && node.perRow)
        neededAtProgram[i] = true;
      bool inProgram = !node.isElementwise() || (scalarOp && neededAtProgram[i]);
      if (!inProgram)
        continue;
      for (unsigned o : node.operands) {
        const TransformNode &operand = t.nodes[o];
        if (operand.row && operand.isElementwise())
          materialized[o] = true;
        else if (!operand.row)
          neededAtProgram[o] = true;
      }
    }
  }

  /// Whether `i` is computed inside the map of `root` rather than read from the program
  /// body (a row operand of the map, or a scalar it captures).
  bool inlined(unsigned i, unsigned root) const {
    const TransformNode &node = t.nodes[i];
    if (i == root)
      return true;
    if (!node.isElementwise())
      return false;
    return node.row ? !materialized[i] : !neededAtProgram[i];
  }

  Value map(logits::ProgramBuilder &p, unsigned root) {
    // The rows the map reads, in node order.
    std::vector<bool> seen(n, false);
    SmallVector<unsigned> leaves;
    std::function<void(unsigned)> collect = [&](unsigned i) {
      if (seen[i])
        return;
      seen[i] = true;
      if (inlined(i, root)) {
        for (unsigned o : t.nodes[i].operands)
          collect(o);
        return;
      }
      if (t.nodes[i].row)
        leaves.push_back(i);
    };
    collect(root);
    llvm::sort(leaves);
    SmallVector<Value> rows;
    for (unsigned leaf : leaves)
      rows.push_back(values[leaf]);

    Type elementType = typeOf(p.builder(), t.nodes[root].type);
    return p.map(elementType, rows, [&](ImplicitLocOpBuilder &e, ValueRange args) -> Value {
      llvm::DenseMap<unsigned, Value> local;
      for (auto [leaf, arg] : llvm::zip(leaves, args))
        local[leaf] = arg;
      std::function<Value(unsigned)> get = [&](unsigned i) -> Value {
        if (Value v = local.lookup(i))
          return v;
        const TransformNode &node = t.nodes[i];
        Value v;
        if (node.op == NodeOp::Constant && node.param < 0) {
          e.setLoc(location(node)); // literal constants are made in the map
          v = emitConstant(e, node);
        } else if (!inlined(i, root)) {
          v = values[i]; // from the program body
        } else {
          SmallVector<Value> args;
          for (unsigned o : node.operands)
            args.push_back(get(o));
          e.setLoc(location(node));
          v = elementwise(e, node, args);
        }
        local[i] = v;
        return v;
      };
      return get(root);
    });
  }

  /// The scalar code of an elementwise node on its operands' values.
  Value elementwise(ImplicitLocOpBuilder &e, const TransformNode &node, ArrayRef<Value> a) {
    ElemType operandType = t.nodes[node.operands[0]].type;
    bool f = isFloat(operandType);
    switch (node.op) {
    case NodeOp::Neg:
      if (f)
        return arith::NegFOp::create(e, a[0]);
      return arith::SubIOp::create(e, arith::ConstantIntOp::create(e, e.getI32Type(), 0), a[0]);
    case NodeOp::Not:
      return arith::XOrIOp::create(e, a[0], arith::ConstantIntOp::create(e, e.getI1Type(), 1));
    case NodeOp::Exp:
      return math::ExpOp::create(e, a[0]);
    case NodeOp::Log:
      return math::LogOp::create(e, a[0]);
    case NodeOp::Sqrt:
      return math::SqrtOp::create(e, a[0]);
    case NodeOp::Abs:
      if (f)
        return math::AbsFOp::create(e, a[0]);
      return math::AbsIOp::create(e, a[0]);
    case NodeOp::IsNaN:
      return arith::CmpFOp::create(e, CmpFPredicate::UNO, a[0], a[0]);
    case NodeOp::ToF32:
      return arith::SIToFPOp::create(e, e.getF32Type(), a[0]);
    case NodeOp::ExtF64:
      return arith::ExtFOp::create(e, e.getF64Type(), a[0]);
    case NodeOp::TruncF32:
      return arith::TruncFOp::create(e, e.getF32Type(), a[0]);
    case NodeOp::ExtI64:
      return arith::ExtSIOp::create(e, e.getI64Type(), a[0]);
    case NodeOp::Add:
      return f ? Value(arith::AddFOp::create(e, a[0], a[1])) : arith::AddIOp::create(e, a[0], a[1]);
    case NodeOp::Sub:
      return f ? Value(arith::SubFOp::create(e, a[0], a[1])) : arith::SubIOp::create(e, a[0], a[1]);
    case NodeOp::Mul:
      return f ? Value(arith::MulFOp::create(e, a[0], a[1])) : arith::MulIOp::create(e, a[0], a[1]);
    case NodeOp::Div:
      return arith::DivFOp::create(e, a[0], a[1]);
    case NodeOp::Min:
      return f ? Value(arith::MinNumFOp::create(e, a[0], a[1]))
               : arith::MinSIOp::create(e, a[0], a[1]);
    case NodeOp::Max:
      return f ? Value(arith::MaxNumFOp::create(e, a[0], a[1]))
               : arith::MaxSIOp::create(e, a[0], a[1]);
    case NodeOp::Lt:
    case NodeOp::Le:
    case NodeOp::Gt:
    case NodeOp::Ge:
    case NodeOp::Eq:
    case NodeOp::Ne: {
      if (f) {
        CmpFPredicate pred = node.op == NodeOp::Lt   ? CmpFPredicate::OLT
                             : node.op == NodeOp::Le ? CmpFPredicate::OLE
                             : node.op == NodeOp::Gt ? CmpFPredicate::OGT
                             : node.op == NodeOp::Ge ? CmpFPredicate::OGE
                             : node.op == NodeOp::Eq ? CmpFPredicate::OEQ
                                                 : CmpFPredicate::UNE;
        return arith::CmpFOp::create(e, pred, a[0], a[1]);
      }
      CmpIPredicate pred = node.op == NodeOp::Lt   ? CmpIPredicate::slt
                           : node.op == NodeOp::Le ? CmpIPredicate::sle
                           : node.op == NodeOp::Gt ? CmpIPredicate::sgt
                           : node.op == NodeOp::Ge ? CmpIPredicate::sge
                           : node.op == NodeOp::Eq ? CmpIPredicate::eq
                                               : CmpIPredicate::ne;
      return arith::CmpIOp::create(e, pred, a[0], a[1]);
    }
    case NodeOp::And:
      return arith::AndIOp::create(e, a[0], a[1]);
    case NodeOp::Or:
      return arith::OrIOp::create(e, a[0], a[1]);
    case NodeOp::Select:
      return arith::SelectOp::create(e, a[0], a[1], a[2]);
    default:
      llvm_unreachable("not an elementwise node");
    }
  }

  ImplicitLocOpBuilder &outer;
  const UserTransform &t;
  unsigned n;
  std::vector<bool> materialized, neededAtProgram;
  std::vector<Value> values;
};

} // namespace

void dec::lang::emitUserTransform(ImplicitLocOpBuilder &b, Value logits,
                                  const UserTransform &transform) {
  Emitter(b, transform).run(logits);
}
