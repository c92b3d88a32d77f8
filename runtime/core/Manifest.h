//===- Manifest.h - what a compiled program declares ------------*- C++ -*-===//

#ifndef DEC_RUNTIME_CORE_MANIFEST_H
#define DEC_RUNTIME_CORE_MANIFEST_H

#include <cstdint>
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
    bool guidance = false;                ///< keeps an unconditional sequence (CFG)
    std::optional<std::string> negative;  ///< its prompt; else the prompt's last token
    int64_t logprobs = -1;                ///< >= 0: record log-probabilities, top N
    /// A structured constraint (regex, json_schema, gbnf, lark, choice)
    /// enforced by a full mask or by rejection (docs/abi.md).
    struct Structured {
      std::string kind, spec;
      bool rejection = false;
    };
    std::optional<Structured> constraint;
  };
  /// A token rule (dec.token_bias): token sequences and words with a bias or a
  /// ban, and an optional no-repeat-n-gram size, for one model.
  struct Rule {
    struct Item {
      std::vector<int32_t> ids; ///< a token sequence (-1 alone: the EOS tokens)...
      std::optional<std::string> text; ///< ...or a word the runtime tokenizes
      double bias = 0;
      bool ban = false;
    };
    int model = 0;
    std::vector<Item> items; ///< the manifest's "sequences", then its "words"
    int64_t ngram = 0;
  };

  int abi = 0;
  std::vector<Model> models;
  std::vector<Entry> entries;
  std::vector<SequenceConfig> sequences;
  std::vector<Rule> rules;

  /// Parses and validates (indices in range, known model kinds).
  static std::optional<Manifest> parse(const std::string &json, std::string &error);
};

} // namespace dec::rt

#endif // DEC_RUNTIME_CORE_MANIFEST_H
