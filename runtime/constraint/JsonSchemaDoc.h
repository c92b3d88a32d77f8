//===- JsonSchemaDoc.h - A schema document and its references ---*- C++ -*-===//
//
// Gives every (sub)schema of a document a small id, remembers its JSON pointer
// (for error messages) and its base URI, and resolves `$ref`: JSON pointers,
// `$anchor`s and `$id`s inside the document (draft-04 `id` too). References
// to other documents are refused; nothing is fetched.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_JSONSCHEMADOC_H
#define DEC_RUNTIME_CONSTRAINT_JSONSCHEMADOC_H

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dec::cons {

/// Schema documents keep their objects' key order (enum/const values, and
/// error messages, follow the document).
using SchemaJson = nlohmann::ordered_json;
using SchemaId = uint32_t;

class SchemaDoc {
public:
  /// Parses the document; false with a message on malformed JSON.
  bool load(std::string_view text, std::string &error);
  SchemaId root() const { return 0; }
  const SchemaJson &node(SchemaId id) const { return *nodes[id].value; }
  const std::string &pointer(SchemaId id) const { return nodes[id].pointer; }
  /// The subschema at `key` (and `index`/`name` below it) of `parent`.
  SchemaId child(SchemaId parent, const std::string &key);
  SchemaId child(SchemaId parent, const std::string &key, size_t index);
  SchemaId child(SchemaId parent, const std::string &key, const std::string &name);
  /// Resolves `node(from)["$ref"]`; false with a message when it names
  /// another document or nothing.
  bool resolveRef(SchemaId from, SchemaId &out, std::string &error);
  /// Whether the document declares draft 4 or earlier (older keyword forms).
  bool legacyDraft() const { return legacy; }
  /// Whether `$ref` replaces its sibling keywords (drafts 3 to 7) rather
  /// than adding to them (2019-09 and later, and documents without $schema).
  bool refOverridesSiblings() const { return refAlone; }

private:
  struct Node {
    const SchemaJson *value;
    std::string pointer;
    std::string base; ///< absolute or relative base URI (without fragment)
  };
  SchemaId intern(const SchemaJson *value, std::string pointer, const std::string &parentBase);
  void index(SchemaId id);
  bool resolvePointer(SchemaId from, const std::string &pointer, SchemaId &out);

  SchemaJson doc;
  std::vector<Node> nodes;
  std::unordered_map<const SchemaJson *, SchemaId> ids;
  std::unordered_map<std::string, SchemaId> resources; ///< base URI -> schema
  std::unordered_map<std::string, SchemaId> anchors;   ///< base URI + "#" + name -> schema
  bool legacy = false;
  bool refAlone = false;
};

/// RFC 3986 reference resolution (enough for `$id` and `$ref`).
std::string resolveUri(const std::string &base, const std::string &ref);
/// Escapes a name for use as a JSON pointer token.
std::string pointerToken(const std::string &name);

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_JSONSCHEMADOC_H
