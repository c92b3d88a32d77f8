//===- Program.h - a loaded compiled program --------------------*- C++ -*-===//

#ifndef DEC_RUNTIME_CORE_PROGRAM_H
#define DEC_RUNTIME_CORE_PROGRAM_H

#include "runtime/core/Manifest.h"

#include <map>
#include <memory>
#include <string>

struct decrt_text;

namespace dec::rt {

using EntryFunction = decrt_text *(*)(decrt_text *prompt);

/// A shared library made by decc, opened with dlopen, its manifest parsed and
/// its entry points resolved.
class Program {
public:
  static std::unique_ptr<Program> open(const std::string &path, std::string &error);
  ~Program();
  const Manifest &manifest() const { return manifest_; }
  const std::string &manifestText() const { return manifestText_; }
  const std::string &path() const { return path_; }
  /// nullptr when there is no such entry.
  EntryFunction entry(const std::string &name) const;

private:
  Program() = default;
  void *handle = nullptr;
  std::string path_, manifestText_;
  Manifest manifest_;
  std::map<std::string, EntryFunction> entries;
};

} // namespace dec::rt

#endif // DEC_RUNTIME_CORE_PROGRAM_H
