//===- lang-fuzzer.cpp - libFuzzer target for the dec front end ------------------------===//
//
// Runs the whole front end (parse, imports, Sema, plan, both dumps) on the input as an
// in-memory main file.  Besides crashes and sanitizer reports it checks the front end's
// contract:
//   * a plan comes back exactly when no error was reported;
//   * a failed parse always says why (at least one error);
//   * no raw ANTLR message ever reaches the user.
// `import std.X;` resolves to the real standard library; the main file pretends to live
// in a directory that does not exist, so relative imports and model paths resolve to
// nothing on the machine running the fuzzer.
//
//===--------------------------------------------------------------------------------------===//

#include "lang/Frontend.h"
#include "lang/PlanDump.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

static const char kBufferName[] = "/nonexistent-dec-fuzz-dir/input.dec";

static void check(bool condition, const char *what, const std::string &diagnostics) {
  if (condition)
    return;
  std::fprintf(stderr, "lang-fuzzer: contract violated: %s\ndiagnostics:\n%s\n", what,
               diagnostics.c_str());
  std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dec::lang::FrontendOptions options;
  options.stdlibDir = DEC_DEFAULT_STDLIB_DIR;
  options.toolName = "lang-fuzzer";

  std::string diagnostics;
  llvm::raw_string_ostream diagnosticStream(diagnostics);
  dec::lang::Frontend frontend(options, diagnosticStream);

  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  bool parsed = frontend.parseBuffer(kBufferName, text);
  frontend.dumpAST(llvm::nulls());
  if (!parsed)
    check(frontend.numErrors() > 0, "parse failed without an error", diagnostics);

  std::optional<dec::lang::ProgramPlan> plan = frontend.plan();
  check(plan.has_value() == (frontend.numErrors() == 0),
        "a plan must come back exactly when there are no errors", diagnostics);
  if (plan) {
    for (const dec::lang::DecodeEntry &entry : plan->entries)
      check(entry.schedule.modelIndex >= 0 &&
                size_t(entry.schedule.modelIndex) < plan->models.size(),
            "schedule refers to a model that is not in the plan", diagnostics);
    dec::lang::dumpPlan(*plan, llvm::nulls());
  }

  // ANTLR's own messages start with these phrases.  Only the message text is checked:
  // diagnostics also echo source lines, which may contain anything.
  diagnosticStream.flush();
  llvm::SmallVector<llvm::StringRef, 16> lines;
  llvm::StringRef(diagnostics).split(lines, '\n');
  for (llvm::StringRef line : lines) {
    if (!line.starts_with(kBufferName) && !line.starts_with(DEC_DEFAULT_STDLIB_DIR) &&
        !line.starts_with("lang-fuzzer: "))
      continue; // an echoed source line
    size_t at = line.find("error: ");
    if (at == llvm::StringRef::npos)
      continue;
    llvm::StringRef message = line.drop_front(at + 7);
    for (const char *antlrPhrase : {"mismatched input", "extraneous input", "no viable alternative",
                                    "token recognition error", "missing '"})
      check(!message.starts_with(antlrPhrase), "an ANTLR message leaked into the diagnostics",
            diagnostics);
  }
  return 0;
}
