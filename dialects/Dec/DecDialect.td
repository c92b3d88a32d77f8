//===- DecDialect.td - the program-level dec dialect --------*- tablegen -*-===//
//
// The `dec` dialect describes a decoding program at the level of the source
// language: model bindings, decoding entry points and schedules, and the
// primitive steps a schedule expands into (open a sequence, read the logits of
// the next position, run the model forward on a token, emit a token).
//
//===----------------------------------------------------------------------===//

#ifndef DEC_DIALECT_DEC_DECDIALECT_TD
#define DEC_DIALECT_DEC_DECDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Dec_Dialect : Dialect {
  let name = "dec";
  let cppNamespace = "::mlir::dec";
  let summary = "Program-level operations of dec decoding programs";
  let description = [{
    A decoding program binds models, declares entry points (`dec.decode`) and
    runs schedules inside them. Schedules such as `dec.autoregressive` are high
    level: `dec-expand-schedules` rewrites them into loops over the primitive
    operations `dec.begin`, `dec.logits`, `dec.emit`, `dec.forward` and
    `dec.finish`, which `convert-dec-to-llvm` turns into calls of the runtime's
    C ABI (docs/abi.md). Logits themselves are transformed by the `logits`
    dialect.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::logits::LogitsDialect"
  ];
  let useDefaultTypePrinterParser = 1;
}

class Dec_Op<string mnemonic, list<Trait> traits = []>
    : Op<Dec_Dialect, mnemonic, traits>;

class Dec_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Dec_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

#endif // DEC_DIALECT_DEC_DECDIALECT_TD
