//===- AST.cpp - Abstract syntax tree helpers ----------------------------------------===//

#include "lang/AST.h"

using namespace dec::lang;

llvm::StringRef dec::lang::spelling(UnaryOp op) {
  switch (op) {
  case UnaryOp::Neg:
    return "-";
  case UnaryOp::Not:
    return "!";
  }
  return "?";
}

llvm::StringRef dec::lang::spelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Or:
    return "||";
  case BinaryOp::And:
    return "&&";
  case BinaryOp::Pipe:
    return "|";
  case BinaryOp::Conj:
    return "&";
  case BinaryOp::Eq:
    return "==";
  case BinaryOp::Ne:
    return "!=";
  case BinaryOp::Lt:
    return "<";
  case BinaryOp::Le:
    return "<=";
  case BinaryOp::Gt:
    return ">";
  case BinaryOp::Ge:
    return ">=";
  case BinaryOp::Add:
    return "+";
  case BinaryOp::Sub:
    return "-";
  case BinaryOp::Mul:
    return "*";
  case BinaryOp::Div:
    return "/";
  case BinaryOp::Rem:
    return "%";
  }
  return "?";
}

std::string ImportDecl::getDottedName() const {
  std::string result;
  for (const std::string &segment : path) {
    if (!result.empty())
      result += '.';
    result += segment;
  }
  return result;
}
