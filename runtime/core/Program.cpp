//===- Program.cpp - a loaded compiled program ----------------------------===//

#include "runtime/core/Program.h"

#include "dec/program_abi.h"

#include <dlfcn.h>

using namespace dec::rt;

namespace {
/// Compiled programs call decrt_* functions, which they find by symbol lookup
/// in the global scope. A host may have loaded this library with RTLD_LOCAL;
/// promote it once so that programs always resolve against it.
bool exportRuntimeSymbols(std::string &error) {
  static bool done = [] {
    Dl_info info;
    if (!dladdr(reinterpret_cast<void *>(&decrt_seq_begin), &info) || !info.dli_fname)
      return false;
    return dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL) != nullptr;
  }();
  if (!done)
    error = "cannot make the runtime's symbols visible to compiled programs";
  return done;
}
} // namespace

std::unique_ptr<Program> Program::open(const std::string &path, std::string &error) {
  if (!exportRuntimeSymbols(error))
    return nullptr;
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    error = "cannot load program '" + path + "': " + (why ? why : "unknown error");
    return nullptr;
  }
  std::unique_ptr<Program> program(new Program());
  program->handle = handle;
  program->path_ = path;

  auto *version = static_cast<const int32_t *>(dlsym(handle, "__dec_abi_version"));
  auto *manifest = static_cast<const char *>(dlsym(handle, "__dec_manifest"));
  if (!version || !manifest) {
    error = "'" + path + "' is not a dec program (no __dec_manifest / __dec_abi_version)";
    return nullptr;
  }
  if (*version != DEC_PROGRAM_ABI_VERSION) {
    error = "'" + path + "' was compiled for runtime ABI " + std::to_string(*version) +
            ", this runtime implements " + std::to_string(DEC_PROGRAM_ABI_VERSION) +
            "; recompile it with this version's decc";
    return nullptr;
  }
  program->manifestText_ = manifest;
  std::optional<Manifest> parsed = Manifest::parse(program->manifestText_, error);
  if (!parsed) {
    error = "'" + path + "': " + error;
    return nullptr;
  }
  program->manifest_ = std::move(*parsed);
  for (const Manifest::Entry &entry : program->manifest_.entries) {
    void *fn = dlsym(handle, entry.symbol.c_str());
    if (!fn) {
      error = "'" + path + "' lacks the entry function '" + entry.symbol + "'";
      return nullptr;
    }
    program->entries[entry.name] = reinterpret_cast<EntryFunction>(fn);
  }
  return program;
}

Program::~Program() {
  if (handle)
    dlclose(handle);
}

EntryFunction Program::entry(const std::string &name) const {
  auto it = entries.find(name);
  return it == entries.end() ? nullptr : it->second;
}
