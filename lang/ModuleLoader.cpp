//===- ModuleLoader.cpp - Loading a program's files and resolving imports ------------===//

#include "lang/ModuleLoader.h"

#include "lang/Diagnostics.h"
#include "lang/TypoCorrection.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace dec::lang;

bool ModuleLoader::loadFile(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      path == "-" ? llvm::MemoryBuffer::getSTDIN()
                  : llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                                /*RequiresNullTerminator=*/true);
  if (!buffer) {
    diags.error(llvm::SMLoc(), "cannot open '" + path + "': " + buffer.getError().message());
    return false;
  }
  llvm::sys::fs::UniqueID id;
  if (path != "-" && !llvm::sys::fs::getUniqueID(path, id))
    loaded.insert(id); // a module importing the main file gets the main file
  return addAndLoadImports(std::move(*buffer));
}

bool ModuleLoader::loadBuffer(llvm::StringRef name, llvm::StringRef text) {
  return addAndLoadImports(llvm::MemoryBuffer::getMemBufferCopy(text, name));
}

bool ModuleLoader::addAndLoadImports(std::unique_ptr<llvm::MemoryBuffer> buffer) {
  addModule(std::move(buffer), llvm::SMLoc());
  // Breadth first over a growing list: no recursion, however long the import chain.
  for (size_t i = 0; i < modules.size() && !diags.limitReached(); ++i) {
    const Module &module = *modules[i];
    for (const DeclPtr &decl : module.decls)
      if (const auto *import = llvm::dyn_cast<ImportDecl>(decl.get()))
        loadImport(*import, module);
  }
  return ok;
}

void ModuleLoader::addModule(std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::SMLoc importLoc) {
  auto module = std::make_unique<Module>();
  module->path = buffer->getBufferIdentifier().str();
  module->bufferId = sourceMgr.AddNewSourceBuffer(std::move(buffer), importLoc);
  if (!parseModule(sourceMgr, module->bufferId, diags, *module))
    ok = false;
  modules.push_back(std::move(module));
}

std::vector<std::string> ModuleLoader::candidatePaths(const ImportDecl &import,
                                                      const Module &importer, bool &isStd) const {
  const std::vector<std::string> &segments = import.getPath();
  std::vector<std::string> candidates;
  isStd = segments.front() == "std";
  if (isStd) {
    if (segments.size() == 1 || stdlibDir.empty())
      return candidates;
    llvm::SmallString<256> path(stdlibDir);
    for (size_t i = 1; i != segments.size(); ++i)
      llvm::sys::path::append(path, segments[i]);
    path += ".dec";
    candidates.push_back(std::string(path));
    return candidates;
  }
  llvm::SmallString<128> relative;
  for (const std::string &segment : segments)
    llvm::sys::path::append(relative, segment);
  relative += ".dec";
  llvm::SmallString<256> local = llvm::sys::path::parent_path(importer.path);
  llvm::sys::path::append(local, relative);
  candidates.push_back(std::string(local));
  for (const std::string &dir : includeDirs) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, relative);
    candidates.push_back(std::string(path));
  }
  return candidates;
}

/// Names of the standard library's modules, for suggestions.
static std::vector<std::string> stdlibModules(llvm::StringRef stdlibDir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(stdlibDir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef file = llvm::sys::path::filename(it->path());
    if (file.consume_back(".dec") && names.size() < 1000)
      names.push_back(file.str());
  }
  return names;
}

void ModuleLoader::loadImport(const ImportDecl &import, const Module &importer) {
  std::string name = import.getDottedName();
  llvm::SMRange range = import.getPathRange();
  bool isStd = false;
  std::vector<std::string> candidates = candidatePaths(import, importer, isStd);
  if (isStd && import.getPath().size() == 1) {
    diags.error(range, "'std' is the standard library; import one of its modules, such as "
                       "'std.samplers'");
    ok = false;
    return;
  }
  if (isStd && stdlibDir.empty()) {
    diags.error(range, "cannot import '" + name +
                           "': no standard library directory is set "
                           "(use --stdlib or DEC_STDLIB)");
    ok = false;
    return;
  }

  for (const std::string &path : candidates) {
    llvm::sys::fs::file_status status;
    if (llvm::sys::fs::status(path, status) || !llvm::sys::fs::is_regular_file(status))
      continue;
    if (!loaded.insert(status.getUniqueID()).second)
      return; // already loaded (or being loaded): each file is one module
    if (modules.size() >= kMaxModules) {
      diags.error(range, "too many modules (the limit is " + std::to_string(kMaxModules) + ")");
      ok = false;
      return;
    }
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/true);
    if (!buffer) {
      diags.error(range, "cannot read module '" + name + "' from '" + path +
                             "': " + buffer.getError().message());
      ok = false;
      return;
    }
    addModule(std::move(*buffer), range.Start);
    return;
  }

  std::string suggestion;
  if (isStd && import.getPath().size() == 2) {
    std::vector<std::string> names = stdlibModules(stdlibDir);
    std::vector<llvm::StringRef> refs(names.begin(), names.end());
    if (std::optional<std::string> match = closestName(import.getPath()[1], refs))
      suggestion = "; did you mean 'std." + *match + "'?";
  }
  std::string tried;
  for (const std::string &path : candidates)
    tried += (tried.empty() ? "'" : ", '") + path + "'";
  diags.error(range, "module '" + name + "' not found" + suggestion)
      .note(llvm::SMLoc(), "looked for " + tried);
  ok = false;
}
