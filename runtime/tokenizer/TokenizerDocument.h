//===- TokenizerDocument.h - Parsing tokenizer.json quickly -----*- C++ -*-===//
//
// A tokenizer.json is mostly `model.vocab` (128k+ members for Llama-3) and
// `model.merges`. Parsed into nlohmann's DOM, the vocab becomes an std::map
// whose construction, iteration and destruction took most of the load time.
// So the document is parsed with a SAX handler that builds the DOM for
// everything except the members of model.vocab, which it lists in file order.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_TOKENIZER_TOKENIZERDOCUMENT_H
#define DEC_RUNTIME_TOKENIZER_TOKENIZERDOCUMENT_H

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dec {

/// The members of model.vocab: spelling and (unchecked) id.
using VocabEntries = std::vector<std::pair<std::string, nlohmann::json>>;

struct TokenizerDocument {
  /// The whole document; when model.vocab is an object it is left empty here
  /// and its members are in `vocab`.
  nlohmann::json root;
  VocabEntries vocab;
};

/// Throws json_util::LoadError ("invalid JSON: ...") on malformed input.
TokenizerDocument parseTokenizerDocument(std::string_view text);

} // namespace dec

#endif // DEC_RUNTIME_TOKENIZER_TOKENIZERDOCUMENT_H
