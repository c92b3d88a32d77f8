//===- Frontend.h - The dec front end: source files -> ProgramPlan ---------------*- C++ -*-===//
//
// The one entry point tools use (decc, the fuzzer, later dec-run's on-the-fly compile):
//
//   dec::lang::Frontend frontend(options);
//   if (!frontend.parseFile("prog.dec"))      // parse + imports; diagnostics printed
//     return 1;
//   std::optional<ProgramPlan> plan = frontend.plan(); // Sema; nullopt on errors
//
// Diagnostics go to the stream given at construction, formatted like clang's.  No input
// makes the front end crash or throw: malformed bytes, deep nesting and huge files are
// reported as errors.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_FRONTEND_H
#define DEC_LANG_FRONTEND_H

#include "lang/Plan.h"

#include "llvm/ADT/StringRef.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class SourceMgr;
class raw_ostream;
} // namespace llvm

namespace dec::lang {

struct Module;

struct FrontendOptions {
  /// Where `import std.X;` looks for X.dec.
  std::string stdlibDir;
  /// Searched, in order, for `import a.b;` after the importing file's directory.
  std::vector<std::string> includeDirs;
  /// Stop reporting after this many errors (0: no limit).
  unsigned errorLimit = 20;
  bool showColors = false;
  /// Prefix of diagnostics that have no source location ("decc: error: ...").
  std::string toolName;
};

class Frontend {
public:
  explicit Frontend(FrontendOptions options, llvm::raw_ostream &diagnosticStream);
  ~Frontend();
  Frontend(const Frontend &) = delete;
  Frontend &operator=(const Frontend &) = delete;

  /// Parses the main file ("-" for standard input) and everything it imports.  Returns
  /// false if any error was reported.  Call once, before plan().
  bool parseFile(llvm::StringRef path);
  /// Like parseFile for an in-memory main file named `name`.
  bool parseBuffer(llvm::StringRef name, llvm::StringRef text);

  /// Prints the AST of every loaded module (main file first).
  void dumpAST(llvm::raw_ostream &os) const;

  /// Runs Sema (once) and returns the plan; nullopt if parsing or Sema reported errors.
  std::optional<ProgramPlan> plan();

  unsigned numErrors() const;
  unsigned numWarnings() const;
  const std::vector<std::unique_ptr<Module>> &getModules() const;
  llvm::SourceMgr &getSourceMgr();

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace dec::lang

#endif // DEC_LANG_FRONTEND_H
