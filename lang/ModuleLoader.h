//===- ModuleLoader.h - Loading a program's files and resolving imports ----------*- C++ -*-===//
//
// A program is its main file plus everything it imports, transitively.  Each file is
// parsed once (identified by device and inode, so two spellings of one path are one
// module and import cycles are harmless) and registered in the SourceMgr with the import
// that first loaded it, so diagnostics in imported files show where they came from.
//
// Resolution:  `import std.a.b;` -> <stdlib>/a/b.dec
//              `import a.b;`     -> a/b.dec next to the importing file, then in each -I dir
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_MODULELOADER_H
#define DEC_LANG_MODULELOADER_H

#include "lang/AST.h"
#include "lang/Parser.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem/UniqueID.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace llvm {
class MemoryBuffer;
class SourceMgr;
} // namespace llvm

namespace dec::lang {

class DiagnosticEngine;

class ModuleLoader {
public:
  ModuleLoader(llvm::SourceMgr &sourceMgr, DiagnosticEngine &diags, std::string stdlibDir,
               std::vector<std::string> includeDirs)
      : sourceMgr(sourceMgr), diags(diags), stdlibDir(std::move(stdlibDir)),
        includeDirs(std::move(includeDirs)) {}

  /// Loads the main file ("-" reads standard input) and its imports.  Returns false if
  /// any error was reported.
  bool loadFile(llvm::StringRef path);
  /// Loads an in-memory main file; `name` is its path for diagnostics and for resolving
  /// relative imports and model paths.
  bool loadBuffer(llvm::StringRef name, llvm::StringRef text);

  /// The main module first, then imports in the order they were loaded.
  std::vector<std::unique_ptr<Module>> &getModules() { return modules; }

  static constexpr size_t kMaxModules = 1024;

private:
  bool loadMain(std::unique_ptr<llvm::MemoryBuffer> buffer);
  /// Parses `buffer` as a new module, then loads its imports (breadth first).
  bool addAndLoadImports(std::unique_ptr<llvm::MemoryBuffer> buffer);
  void addModule(std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::SMLoc importLoc);
  void loadImport(const ImportDecl &import, const Module &importer);
  std::vector<std::string> candidatePaths(const ImportDecl &import, const Module &importer,
                                          bool &isStd) const;

  llvm::SourceMgr &sourceMgr;
  DiagnosticEngine &diags;
  std::string stdlibDir;
  std::vector<std::string> includeDirs;
  std::vector<std::unique_ptr<Module>> modules;
  std::set<llvm::sys::fs::UniqueID> loaded;
  bool ok = true;
};

} // namespace dec::lang

#endif // DEC_LANG_MODULELOADER_H
