//===- Frontend.cpp - The dec front end: source files -> ProgramPlan -----------------===//

#include "lang/Frontend.h"

#include "lang/ASTDump.h"
#include "lang/Diagnostics.h"
#include "lang/ModuleLoader.h"
#include "lang/Sema.h"

#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/thread.h"

#include <exception>
#include <new>

using namespace dec::lang;

struct Frontend::Impl {
  Impl(FrontendOptions options, llvm::raw_ostream &os)
      : diags(sourceMgr, os), loader(sourceMgr, diags, options.stdlibDir, options.includeDirs) {
    diags.setErrorLimit(options.errorLimit);
    diags.setShowColors(options.showColors);
    diags.setToolName(options.toolName);
  }

  /// Runs `step` on a thread with a large stack, turning any exception (ANTLR's,
  /// std::bad_alloc) into a diagnostic: the front end must not take its host down.
  ///
  /// The parser and the tree walks recurse once per nesting level.  The parser bounds
  /// nesting (ParseLimits, ASTBuilder::kMaxExprHeight, Sema::kMaxEvaluationDepth) so that
  /// the deepest accepted program needs a few MB of stack (more under sanitizers), but
  /// the caller's thread may have much less (a server's worker threads often do).
  template <typename Step> bool guarded(Step step) {
    bool result = false;
    auto body = [&] {
      try {
        result = step();
      } catch (const std::bad_alloc &) {
        diags.error(llvm::SMLoc(), "out of memory");
      } catch (const std::exception &e) {
        diags.error(llvm::SMLoc(), llvm::Twine("internal error: ") + e.what());
      } catch (...) {
        diags.error(llvm::SMLoc(), "internal error: unknown exception");
      }
    };
    llvm::thread worker(std::optional<unsigned>(kStackBytes), body);
    worker.join();
    return result;
  }
  static constexpr unsigned kStackBytes = 64u << 20;

  llvm::SourceMgr sourceMgr;
  DiagnosticEngine diags;
  ModuleLoader loader;
  bool parsed = false, parseOk = false, analyzed = false;
  std::optional<ProgramPlan> plan;
};

Frontend::Frontend(FrontendOptions options, llvm::raw_ostream &diagnosticStream)
    : impl(std::make_unique<Impl>(std::move(options), diagnosticStream)) {}

Frontend::~Frontend() = default;

bool Frontend::parseFile(llvm::StringRef path) {
  impl->parsed = true;
  impl->parseOk = impl->guarded([&] { return impl->loader.loadFile(path); });
  return impl->parseOk;
}

bool Frontend::parseBuffer(llvm::StringRef name, llvm::StringRef text) {
  impl->parsed = true;
  impl->parseOk = impl->guarded([&] { return impl->loader.loadBuffer(name, text); });
  return impl->parseOk;
}

void Frontend::dumpAST(llvm::raw_ostream &os) const {
  impl->guarded([&] {
    for (const auto &module : impl->loader.getModules())
      dumpModule(*module, impl->sourceMgr, os);
    return true;
  });
}

std::optional<ProgramPlan> Frontend::plan() {
  // Sema runs only on a program that parsed cleanly: after a syntax error its view of the
  // program is partial and its errors would mostly be noise.
  if (!impl->parsed || !impl->parseOk)
    return std::nullopt;
  if (!impl->analyzed) {
    impl->analyzed = true;
    impl->guarded([&] {
      impl->plan = analyze(impl->loader.getModules(), impl->diags);
      return impl->plan.has_value();
    });
  }
  return impl->plan;
}

unsigned Frontend::numErrors() const { return impl->diags.numErrors(); }
unsigned Frontend::numWarnings() const { return impl->diags.numWarnings(); }

const std::vector<std::unique_ptr<Module>> &Frontend::getModules() const {
  return impl->loader.getModules();
}

llvm::SourceMgr &Frontend::getSourceMgr() { return impl->sourceMgr; }
