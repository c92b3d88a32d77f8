//===- ASTDump.h - Printing the AST as an indented tree --------------------------*- C++ -*-===//
//
// `decc --emit=ast` output, in the style of `clang -Xclang -ast-dump`:
//
//   Module "prog.dec"
//   |-ImportDecl <prog.dec:1:1> std.samplers
//   `-SamplerDecl <line:3:9> story
//     `-BinaryExpr <col:30> '|'
//       |-CallExpr <col:17>
//       ...
//
// A location prints the file only when it changes and the line only when it changes.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_ASTDUMP_H
#define DEC_LANG_ASTDUMP_H

namespace llvm {
class SourceMgr;
class raw_ostream;
} // namespace llvm

namespace dec::lang {
struct Module;

void dumpModule(const Module &module, const llvm::SourceMgr &sourceMgr, llvm::raw_ostream &os);

} // namespace dec::lang

#endif // DEC_LANG_ASTDUMP_H
