//===- ConstEval.cpp - Folding arithmetic, comparisons and logic on constants --------===//

#include "lang/ConstEval.h"

#include <cmath>

using namespace dec::lang;

bool dec::lang::isArithmetic(BinaryOp op) {
  return op == BinaryOp::Add || op == BinaryOp::Sub || op == BinaryOp::Mul || op == BinaryOp::Div ||
         op == BinaryOp::Rem;
}

bool dec::lang::isComparison(BinaryOp op) {
  return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt || op == BinaryOp::Le ||
         op == BinaryOp::Gt || op == BinaryOp::Ge;
}

bool dec::lang::isLogical(BinaryOp op) { return op == BinaryOp::And || op == BinaryOp::Or; }

static std::optional<Value> foldIntegers(BinaryOp op, int64_t a, int64_t b, llvm::SMRange range,
                                         std::string &error) {
  int64_t result = 0;
  bool overflow = false;
  switch (op) {
  case BinaryOp::Add:
    overflow = __builtin_add_overflow(a, b, &result);
    break;
  case BinaryOp::Sub:
    overflow = __builtin_sub_overflow(a, b, &result);
    break;
  case BinaryOp::Mul:
    overflow = __builtin_mul_overflow(a, b, &result);
    break;
  case BinaryOp::Div:
  case BinaryOp::Rem:
    if (b == 0) {
      error = op == BinaryOp::Div ? "division by zero in constant expression"
                                  : "remainder by zero in constant expression";
      return std::nullopt;
    }
    if (a == INT64_MIN && b == -1) {
      overflow = true;
      break;
    }
    result = op == BinaryOp::Div ? a / b : a % b;
    break;
  default:
    error = "internal error: not an arithmetic operator";
    return std::nullopt;
  }
  if (overflow) {
    error = "integer overflow in constant expression";
    return std::nullopt;
  }
  return Value::integer(result, range);
}

std::optional<Value> dec::lang::foldArithmetic(BinaryOp op, const Value &lhs, const Value &rhs,
                                               llvm::SMRange range, std::string &error) {
  if (lhs.is(Value::Kind::Int) && rhs.is(Value::Kind::Int))
    return foldIntegers(op, lhs.getInt(), rhs.getInt(), range, error);
  if (op == BinaryOp::Rem) {
    error =
        "'%' requires integer operands, got '" + lhs.typeName() + "' and '" + rhs.typeName() + "'";
    return std::nullopt;
  }
  double a = lhs.getNumber(), b = rhs.getNumber(), result = 0;
  switch (op) {
  case BinaryOp::Add:
    result = a + b;
    break;
  case BinaryOp::Sub:
    result = a - b;
    break;
  case BinaryOp::Mul:
    result = a * b;
    break;
  case BinaryOp::Div:
    if (b == 0) {
      error = "division by zero in constant expression";
      return std::nullopt;
    }
    result = a / b;
    break;
  default:
    error = "internal error: not an arithmetic operator";
    return std::nullopt;
  }
  if (!std::isfinite(result)) {
    error = "floating-point overflow in constant expression";
    return std::nullopt;
  }
  return Value::floating(result, range);
}

std::optional<Value> dec::lang::foldComparison(BinaryOp op, const Value &lhs, const Value &rhs,
                                               llvm::SMRange range, std::string &error) {
  int order = 0; // <0, 0, >0
  if (lhs.isNumber() && rhs.isNumber()) {
    if (lhs.is(Value::Kind::Int) && rhs.is(Value::Kind::Int)) {
      order = lhs.getInt() < rhs.getInt() ? -1 : lhs.getInt() > rhs.getInt() ? 1 : 0;
    } else {
      double a = lhs.getNumber(), b = rhs.getNumber();
      order = a < b ? -1 : a > b ? 1 : 0;
    }
  } else if (op == BinaryOp::Eq || op == BinaryOp::Ne) {
    bool equal = false;
    if (lhs.is(Value::Kind::Bool) && rhs.is(Value::Kind::Bool))
      equal = lhs.getBool() == rhs.getBool();
    else if (lhs.is(Value::Kind::String) && rhs.is(Value::Kind::String))
      equal = lhs.getString() == rhs.getString();
    else if (lhs.is(Value::Kind::Token) && rhs.is(Value::Kind::Token))
      equal =
          lhs.getToken().isEos == rhs.getToken().isEos && lhs.getToken().id == rhs.getToken().id;
    else {
      error = "invalid operands to '" + spelling(op).str() + "' ('" + lhs.typeName() + "' and '" +
              rhs.typeName() + "')";
      return std::nullopt;
    }
    order = equal ? 0 : 1;
  } else {
    error = "invalid operands to '" + spelling(op).str() + "' ('" + lhs.typeName() + "' and '" +
            rhs.typeName() + "')";
    return std::nullopt;
  }
  bool result = false;
  switch (op) {
  case BinaryOp::Eq:
    result = order == 0;
    break;
  case BinaryOp::Ne:
    result = order != 0;
    break;
  case BinaryOp::Lt:
    result = order < 0;
    break;
  case BinaryOp::Le:
    result = order <= 0;
    break;
  case BinaryOp::Gt:
    result = order > 0;
    break;
  case BinaryOp::Ge:
    result = order >= 0;
    break;
  default:
    break;
  }
  return Value::boolean(result, range);
}

Value dec::lang::foldLogical(BinaryOp op, const Value &lhs, const Value &rhs, llvm::SMRange range) {
  bool a = lhs.getBool(), b = rhs.getBool();
  return Value::boolean(op == BinaryOp::And ? (a && b) : (a || b), range);
}

std::optional<Value> dec::lang::foldUnary(UnaryOp op, const Value &operand, llvm::SMRange range,
                                          std::string &error) {
  if (op == UnaryOp::Not) {
    if (!operand.is(Value::Kind::Bool)) {
      error = "invalid operand to '!' ('" + operand.typeName() + "')";
      return std::nullopt;
    }
    return Value::boolean(!operand.getBool(), range);
  }
  if (operand.is(Value::Kind::Int)) {
    if (operand.getInt() == INT64_MIN) {
      error = "integer overflow in constant expression";
      return std::nullopt;
    }
    return Value::integer(-operand.getInt(), range);
  }
  if (operand.is(Value::Kind::Float))
    return Value::floating(-operand.getFloat(), range);
  error = "invalid operand to unary '-' ('" + operand.typeName() + "')";
  return std::nullopt;
}
