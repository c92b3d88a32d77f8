//===- DecDialect.cpp - the dec dialect and its types ---------------------===//

#include "dialects/Dec/DecDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::dec;

#include "dialects/Dec/DecDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Dec/DecTypes.cpp.inc"

void DecDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/Dec/DecTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/Dec/DecOps.cpp.inc"
      >();
}
