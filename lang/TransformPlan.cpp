//===- TransformPlan.cpp - Printing user-defined transforms --------------------------===//

#include "lang/TransformPlan.h"

#include "lang/Literals.h"

#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace dec::lang;

llvm::StringRef dec::lang::spelling(TransformNode::Op op) {
  using Op = TransformNode::Op;
  switch (op) {
  case Op::Logits:
    return "logits";
  case Op::Constant:
    return "constant";
  case Op::Index:
    return "index";
  case Op::Neg:
    return "neg";
  case Op::Not:
    return "not";
  case Op::Exp:
    return "exp";
  case Op::Log:
    return "log";
  case Op::Sqrt:
    return "sqrt";
  case Op::Abs:
    return "abs";
  case Op::IsNaN:
    return "isnan";
  case Op::ToF32:
    return "to_f32";
  case Op::ExtF64:
    return "ext_f64";
  case Op::TruncF32:
    return "trunc_f32";
  case Op::ExtI64:
    return "ext_i64";
  case Op::Add:
    return "add";
  case Op::Sub:
    return "sub";
  case Op::Mul:
    return "mul";
  case Op::Div:
    return "div";
  case Op::Min:
    return "min";
  case Op::Max:
    return "max";
  case Op::Lt:
    return "lt";
  case Op::Le:
    return "le";
  case Op::Gt:
    return "gt";
  case Op::Ge:
    return "ge";
  case Op::Eq:
    return "eq";
  case Op::Ne:
    return "ne";
  case Op::And:
    return "and";
  case Op::Or:
    return "or";
  case Op::Select:
    return "select";
  case Op::ReduceMax:
    return "reduce_max";
  case Op::ReduceMin:
    return "reduce_min";
  case Op::ReduceSum:
    return "reduce_sum";
  case Op::Argmax:
    return "argmax";
  case Op::Count:
    return "count";
  case Op::KthLargest:
    return "kth_largest";
  case Op::MassBoundary:
    return "mass_boundary";
  case Op::Weights:
    return "weights";
  }
  return "?";
}

llvm::StringRef dec::lang::spelling(ElemType type) {
  switch (type) {
  case ElemType::F32:
    return "f32";
  case ElemType::I32:
    return "i32";
  case ElemType::Bool:
    return "bool";
  case ElemType::F64:
    return "f64";
  case ElemType::I64:
    return "i64";
  }
  return "?";
}

/// The shortest spelling that reads back as the same float ("0.95", not 0.949999988).
static std::string formatFloat(float value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value < 0 ? "-inf" : "inf";
  if (value == 0)
    return std::signbit(value) ? "-0" : "0";
  if (value == std::trunc(value) && std::fabs(value) < 1e9f)
    return std::to_string(int64_t(value));
  char buffer[64];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, double(value));
    if (std::strtof(buffer, nullptr) == value)
      break;
  }
  return buffer;
}

static void writeConstant(llvm::raw_ostream &os, ElemType type, double value) {
  if (type == ElemType::Bool)
    os << (value != 0 ? "true" : "false");
  else if (type == ElemType::F32)
    os << formatFloat(float(value));
  else if (std::isinf(value))
    os << (value < 0 ? "-inf" : "inf");
  else
    os << formatNumber(value);
}

void dec::lang::dumpUserTransform(const UserTransform &transform, llvm::raw_ostream &os,
                                  llvm::StringRef indent) {
  os << indent << "transform " << transform.name << '(';
  for (size_t i = 0; i != transform.params.size(); ++i) {
    const UserTransformParam &param = transform.params[i];
    os << (i ? ", " : "") << param.name << ": ";
    writeConstant(os, param.type, param.value);
  }
  os << ")\n";
  for (size_t i = 0; i != transform.nodes.size(); ++i) {
    const TransformNode &node = transform.nodes[i];
    os << indent << "  %" << i << " = " << spelling(node.op);
    if (node.op == TransformNode::Op::Constant) {
      os << ' ';
      writeConstant(os, node.type, node.number);
      if (node.param >= 0 && size_t(node.param) < transform.params.size())
        os << " (" << transform.params[node.param].name << ')';
    }
    for (size_t j = 0; j != node.operands.size(); ++j)
      os << (j ? ", %" : " %") << node.operands[j];
    os << " : " << spelling(node.type) << (node.row ? "[V]" : "");
    if (node.perRow && node.isElementwise())
      os << " per-row";
    os << '\n';
  }
  os << indent << "  return %" << transform.result << '\n';
}
