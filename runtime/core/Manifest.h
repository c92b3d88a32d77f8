//===- Manifest.h - what a compiled program declares ------------*- C++ -*-===//

#ifndef DEC_RUNTIME_CORE_MANIFEST_H
#define DEC_RUNTIME_CORE_MANIFEST_H

#include <optional>
#include <string>
#include <vector>

namespace dec::rt {

/// The `__dec_manifest` JSON that convert-dec-to-llvm embeds in every library.
struct Manifest {
  struct Model {
    std::string name, kind, path, tokenizer;
  };
  struct Entry {
    std::string name, symbol;
  };
  /// Per `dec.begin`: the model and the sequence's string constraints.
  struct SequenceConfig {
    int model = 0;
    std::vector<std::string> stop, ban;
  };

  int abi = 0;
  std::vector<Model> models;
  std::vector<Entry> entries;
  std::vector<SequenceConfig> sequences;

  /// Parses and validates (indices in range, known model kinds).
  static std::optional<Manifest> parse(const std::string &json, std::string &error);
};

} // namespace dec::rt

#endif // DEC_RUNTIME_CORE_MANIFEST_H
