//===- Diagnostics.h - clang-style diagnostics over llvm::SourceMgr -------------*- C++ -*-===//
//
// Every phase of the front end reports problems through a DiagnosticEngine:
//
//   prog.dec:7:24: error: top_p requires 0 < p <= 1 (got 1.5)
//       let s = nucleus(p: 1.5);
//                          ^~~
//   std/samplers.dec:12:9: note: in instantiation of 'nucleus' declared here
//
// A diagnostic is built fluently and printed when the builder goes out of scope, so
// notes can be attached first (the same pattern as mlir::InFlightDiagnostic):
//
//   diags.error(loc, "redefinition of 'x'").note(prevLoc, "previous definition is here");
//
// The engine deduplicates identical diagnostics (a declaration checked on its own and
// again at each use reports its error once) and stops printing after an error limit.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_DIAGNOSTICS_H
#define DEC_LANG_DIAGNOSTICS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"

#include <set>
#include <string>
#include <utility>

namespace llvm {
class SourceMgr;
class raw_ostream;
} // namespace llvm

namespace dec::lang {

class DiagnosticEngine;

enum class Severity { Error, Warning, Note };

/// A diagnostic under construction; printed (with its notes) when destroyed.
class Diagnostic {
public:
  Diagnostic(Diagnostic &&other) noexcept;
  Diagnostic(const Diagnostic &) = delete;
  Diagnostic &operator=(const Diagnostic &) = delete;
  Diagnostic &operator=(Diagnostic &&) = delete;
  ~Diagnostic();

  /// Attaches a note.  An invalid `loc` prints the note without a source line.
  Diagnostic &note(llvm::SMLoc loc, const llvm::Twine &message,
                   llvm::ArrayRef<llvm::SMRange> ranges = {});
  Diagnostic &note(llvm::SMRange range, const llvm::Twine &message) {
    return note(range.Start, message, range);
  }
  /// Underlines `range` (on the diagnostic's line) with `~`.
  Diagnostic &range(llvm::SMRange range);

private:
  friend class DiagnosticEngine;
  struct Part {
    Severity severity;
    llvm::SMLoc loc;
    std::string message;
    llvm::SmallVector<llvm::SMRange, 2> ranges;
  };
  Diagnostic(DiagnosticEngine *engine, Part primary);

  DiagnosticEngine *engine; ///< null once moved from
  Part primary;
  llvm::SmallVector<Part, 2> notes;
};

class DiagnosticEngine {
public:
  /// Prints to `os`, resolving locations with `sourceMgr` (which must outlive the engine).
  DiagnosticEngine(llvm::SourceMgr &sourceMgr, llvm::raw_ostream &os);

  Diagnostic error(llvm::SMLoc loc, const llvm::Twine &message,
                   llvm::ArrayRef<llvm::SMRange> ranges = {});
  Diagnostic error(llvm::SMRange range, const llvm::Twine &message) {
    return error(range.Start, message, range);
  }
  Diagnostic warning(llvm::SMLoc loc, const llvm::Twine &message,
                     llvm::ArrayRef<llvm::SMRange> ranges = {});
  Diagnostic warning(llvm::SMRange range, const llvm::Twine &message) {
    return warning(range.Start, message, range);
  }

  unsigned numErrors() const { return errorCount; }
  unsigned numWarnings() const { return warningCount; }
  bool hasErrors() const { return errorCount != 0; }

  /// After `limit` errors the engine prints a final note and drops everything else;
  /// 0 means no limit.  Long-running phases poll limitReached() to stop early.
  void setErrorLimit(unsigned limit) { errorLimit = limit; }
  bool limitReached() const { return errorLimit != 0 && errorCount >= errorLimit; }

  void setShowColors(bool show) { showColors = show; }
  /// Prefix for diagnostics without a location ("decc: error: ...").
  void setToolName(llvm::StringRef name) { toolName = name.str(); }

  llvm::SourceMgr &getSourceMgr() { return sourceMgr; }

private:
  friend class Diagnostic;
  void emit(const Diagnostic &diag);
  void print(const Diagnostic::Part &part);

  llvm::SourceMgr &sourceMgr;
  llvm::raw_ostream &os;
  unsigned errorCount = 0, warningCount = 0, errorLimit = 20;
  bool showColors = false;
  bool stopped = false;
  std::string toolName;
  /// (location, message) of every printed error/warning, to drop exact repeats.
  std::set<std::pair<const char *, std::string>> printed;
};

} // namespace dec::lang

#endif // DEC_LANG_DIAGNOSTICS_H
