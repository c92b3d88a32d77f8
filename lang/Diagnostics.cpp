//===- Diagnostics.cpp - clang-style diagnostics over llvm::SourceMgr -----------------===//

#include "lang/Diagnostics.h"

#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace dec::lang;
using llvm::SMLoc;
using llvm::SMRange;

Diagnostic::Diagnostic(DiagnosticEngine *engine, Part primary)
    : engine(engine), primary(std::move(primary)) {}

Diagnostic::Diagnostic(Diagnostic &&other) noexcept
    : engine(other.engine), primary(std::move(other.primary)), notes(std::move(other.notes)) {
  other.engine = nullptr;
}

Diagnostic::~Diagnostic() {
  if (engine)
    engine->emit(*this);
}

Diagnostic &Diagnostic::note(SMLoc loc, const llvm::Twine &message,
                             llvm::ArrayRef<SMRange> ranges) {
  notes.push_back({Severity::Note, loc, message.str(), {ranges.begin(), ranges.end()}});
  return *this;
}

Diagnostic &Diagnostic::range(SMRange range) {
  primary.ranges.push_back(range);
  return *this;
}

DiagnosticEngine::DiagnosticEngine(llvm::SourceMgr &sourceMgr, llvm::raw_ostream &os)
    : sourceMgr(sourceMgr), os(os) {}

Diagnostic DiagnosticEngine::error(SMLoc loc, const llvm::Twine &message,
                                   llvm::ArrayRef<SMRange> ranges) {
  return Diagnostic(this, {Severity::Error, loc, message.str(), {ranges.begin(), ranges.end()}});
}

Diagnostic DiagnosticEngine::warning(SMLoc loc, const llvm::Twine &message,
                                     llvm::ArrayRef<SMRange> ranges) {
  return Diagnostic(this, {Severity::Warning, loc, message.str(), {ranges.begin(), ranges.end()}});
}

void DiagnosticEngine::emit(const Diagnostic &diag) {
  if (stopped)
    return;
  const Diagnostic::Part &primary = diag.primary;
  if (!printed.insert({primary.loc.getPointer(), primary.message}).second)
    return; // Already reported (e.g. a declaration checked alone and again at a use).

  if (primary.severity == Severity::Error)
    ++errorCount;
  else if (primary.severity == Severity::Warning)
    ++warningCount;

  print(primary);
  for (const Diagnostic::Part &note : diag.notes)
    print(note);

  if (limitReached()) {
    stopped = true;
    print({Severity::Note,
           SMLoc(),
           "too many errors emitted, stopping now (the limit is " + std::to_string(errorLimit) +
               "; see --error-limit)",
           {}});
  }
  os.flush();
}

/// The echoed source line made fit for a terminal:
///  * every byte that is not printable text (control characters other than tab, bytes of
///    malformed UTF-8) becomes '?', one byte for one byte, so columns stay in place;
///  * a line longer than kMaxShownColumns is cut to a window around the column, with
///    "..." at the cut ends (a generated or minified file may be one huge line).
static llvm::SMDiagnostic printable(const llvm::SMDiagnostic &diag, bool &windowed) {
  static constexpr size_t kMaxShownColumns = 160;
  llvm::StringRef line = diag.getLineContents();
  int column = diag.getColumnNo();

  std::string clean;
  clean.reserve(line.size());
  bool changed = false;
  const auto *bytes = reinterpret_cast<const llvm::UTF8 *>(line.data());
  for (size_t i = 0; i < line.size();) {
    unsigned char c = bytes[i];
    if (c < 0x80) {
      bool ok = c >= 0x20 ? c != 0x7f : c == '\t';
      clean += ok ? char(c) : '?';
      changed |= !ok;
      ++i;
      continue;
    }
    unsigned length = llvm::getNumBytesForUTF8(c);
    if (length >= 2 && length <= 4 && i + length <= line.size() &&
        llvm::isLegalUTF8Sequence(bytes + i, bytes + i + length)) {
      clean.append(line.data() + i, length);
      i += length;
      continue;
    }
    clean += '?';
    changed = true;
    ++i;
  }

  std::vector<std::pair<unsigned, unsigned>> ranges(diag.getRanges().begin(),
                                                    diag.getRanges().end());
  if (clean.size() > kMaxShownColumns && column >= 0) {
    // A window of kMaxShownColumns bytes around the column, on character boundaries.
    size_t begin =
        size_t(column) > kMaxShownColumns / 2 ? size_t(column) - kMaxShownColumns / 2 : 0;
    size_t end = std::min(clean.size(), begin + kMaxShownColumns);
    auto isContinuation = [&](size_t i) {
      return i < clean.size() && (static_cast<unsigned char>(clean[i]) & 0xC0) == 0x80;
    };
    while (begin > 0 && isContinuation(begin))
      --begin;
    while (end < clean.size() && isContinuation(end))
      ++end;
    std::string prefix = begin > 0 ? "..." : "", suffix = end < clean.size() ? "..." : "";
    int shift = int(prefix.size()) - int(begin);
    clean = prefix + clean.substr(begin, end - begin) + suffix;
    column += shift;
    std::vector<std::pair<unsigned, unsigned>> clipped;
    for (auto [from, to] : ranges) {
      long newFrom = std::max<long>(long(from) + shift, long(prefix.size()));
      long newTo = std::min<long>(long(to) + shift, long(clean.size() - suffix.size()));
      if (newFrom < newTo)
        clipped.push_back({unsigned(newFrom), unsigned(newTo)});
    }
    ranges = std::move(clipped);
    changed = windowed = true;
  }
  if (!changed)
    return diag;
  return llvm::SMDiagnostic(*diag.getSourceMgr(), diag.getLoc(), diag.getFilename(),
                            diag.getLineNo(), column, diag.getKind(), diag.getMessage(), clean,
                            ranges, diag.getFixIts());
}

void DiagnosticEngine::print(const Diagnostic::Part &part) {
  llvm::SourceMgr::DiagKind kind = part.severity == Severity::Error ? llvm::SourceMgr::DK_Error
                                   : part.severity == Severity::Warning
                                       ? llvm::SourceMgr::DK_Warning
                                       : llvm::SourceMgr::DK_Note;
  if (part.loc.isValid() && sourceMgr.FindBufferContainingLoc(part.loc) != 0) {
    // SourceMgr only underlines ranges on the diagnostic's line; drop ranges that do not
    // start in the same buffer, which it cannot handle.
    unsigned buffer = sourceMgr.FindBufferContainingLoc(part.loc);
    llvm::SmallVector<SMRange, 2> ranges;
    for (SMRange range : part.ranges)
      if (range.isValid() && sourceMgr.FindBufferContainingLoc(range.Start) == buffer &&
          sourceMgr.FindBufferContainingLoc(range.End) == buffer &&
          range.Start.getPointer() <= range.End.getPointer())
        ranges.push_back(range);
    llvm::SMDiagnostic diag = sourceMgr.GetMessage(part.loc, kind, part.message, ranges);
    bool windowed = false;
    llvm::SMDiagnostic shown = printable(diag, windowed);
    // A note belongs to the diagnostic above it: no "Included from" lines.
    if (part.severity != Severity::Note)
      sourceMgr.PrintIncludeStack(sourceMgr.getBufferInfo(buffer).IncludeLoc, os);
    if (windowed) {
      // The caret column is the window's, not the file's: print the real location.
      os << diag.getFilename() << ':' << diag.getLineNo() << ':' << diag.getColumnNo() + 1 << ": ";
      shown.print(nullptr, os, showColors, /*ShowKindLabel=*/true, /*ShowLocation=*/false);
    } else {
      shown.print(nullptr, os, showColors);
    }
    return;
  }
  // Notes without a location belong to the diagnostic above them: no tool prefix.
  llvm::SMDiagnostic diag(/*filename=*/"", kind, part.message);
  bool prefix = part.severity != Severity::Note && !toolName.empty();
  diag.print(prefix ? toolName.c_str() : nullptr, os, showColors);
}
