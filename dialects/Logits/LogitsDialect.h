//===- LogitsDialect.h - the logits dialect ---------------------*- C++ -*-===//

#ifndef DEC_DIALECT_LOGITS_LOGITSDIALECT_H
#define DEC_DIALECT_LOGITS_LOGITSDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Logits/LogitsDialect.h.inc"
#include "dialects/Logits/LogitsEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Logits/LogitsTypes.h.inc"

#define GET_OP_CLASSES
#include "dialects/Logits/LogitsOps.h.inc"

#endif // DEC_DIALECT_LOGITS_LOGITSDIALECT_H
