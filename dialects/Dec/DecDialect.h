//===- DecDialect.h - the dec dialect ---------------------------*- C++ -*-===//

#ifndef DEC_DIALECT_DEC_DECDIALECT_H
#define DEC_DIALECT_DEC_DECDIALECT_H

#include "dialects/Logits/LogitsDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Dec/DecDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Dec/DecTypes.h.inc"

#define GET_OP_CLASSES
#include "dialects/Dec/DecOps.h.inc"

#endif // DEC_DIALECT_DEC_DECDIALECT_H
