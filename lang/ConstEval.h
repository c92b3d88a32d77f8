//===- ConstEval.h - Folding arithmetic, comparisons and logic on constants ------*- C++ -*-===//
//
// The numeric core of compile-time evaluation.  Integers are 64-bit and every overflow
// is an error (never a wrap); an int meeting a float becomes a float; results must stay
// finite; division and remainder by zero are errors.  Integer division truncates toward
// zero, like C.  Sema decides which operand kinds reach these functions and phrases the
// domain errors ("arithmetic on samplers is not supported"); these functions report only
// what goes wrong with valid kinds, through `error`.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_CONSTEVAL_H
#define DEC_LANG_CONSTEVAL_H

#include "lang/AST.h"
#include "lang/Value.h"

#include <optional>
#include <string>

namespace dec::lang {

/// + - * / % on two numbers.
std::optional<Value> foldArithmetic(BinaryOp op, const Value &lhs, const Value &rhs,
                                    llvm::SMRange range, std::string &error);

/// < <= > >= on two numbers; == != on two numbers, two bools, two strings or two tokens.
std::optional<Value> foldComparison(BinaryOp op, const Value &lhs, const Value &rhs,
                                    llvm::SMRange range, std::string &error);

/// && || on two bools.
Value foldLogical(BinaryOp op, const Value &lhs, const Value &rhs, llvm::SMRange range);

/// Unary minus on a number, `!` on a bool.
std::optional<Value> foldUnary(UnaryOp op, const Value &operand, llvm::SMRange range,
                               std::string &error);

bool isArithmetic(BinaryOp op);
bool isComparison(BinaryOp op);
bool isLogical(BinaryOp op);

} // namespace dec::lang

#endif // DEC_LANG_CONSTEVAL_H
