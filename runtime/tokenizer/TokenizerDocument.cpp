//===- TokenizerDocument.cpp - Parsing tokenizer.json quickly -------------===//

#include "runtime/tokenizer/TokenizerDocument.h"

#include "runtime/tokenizer/JsonUtil.h"

namespace dec {

using json_util::Json;

namespace {

/// nlohmann SAX handler. Builds the DOM like nlohmann's json_sax_dom_parser
/// (a stack of open containers), except inside model.vocab.
class DocumentBuilder {
public:
  explicit DocumentBuilder(TokenizerDocument &document) : document(document) {}

  bool null() { return scalar(nullptr); }
  bool boolean(bool value) { return scalar(value); }
  bool number_integer(Json::number_integer_t value) { return scalar(value); }
  bool number_unsigned(Json::number_unsigned_t value) { return scalar(value); }
  bool number_float(Json::number_float_t value, const Json::string_t &) { return scalar(value); }
  bool string(Json::string_t &value) { return scalar(std::move(value)); }
  bool binary(Json::binary_t &value) { return scalar(std::move(value)); }
  bool start_object(std::size_t) { return startContainer(Json::value_t::object); }
  bool start_array(std::size_t) { return startContainer(Json::value_t::array); }
  bool end_object() { return endContainer(); }
  bool end_array() { return endContainer(); }

  bool key(Json::string_t &key) {
    if (skipDepth > 0)
      return true;
    if (inVocab) {
      vocabKey = std::move(key);
      return true;
    }
    memberKeys.back() = key;
    pendingMember = &(*containers.back())[std::move(key)];
    return true;
  }

  bool parse_error(std::size_t, const std::string &, const Json::exception &exception) {
    error = exception.what();
    return false;
  }

  std::string error;

private:
  template <typename Value> bool scalar(Value &&value) {
    if (skipDepth > 0)
      return true;
    if (inVocab)
      document.vocab.emplace_back(std::move(vocabKey), Json(std::forward<Value>(value)));
    else
      place(Json(std::forward<Value>(value)));
    return true;
  }

  /// Puts `value` where the parser is: the root, the next array element, or
  /// the member whose key was just read.
  Json *place(Json &&value) {
    if (containers.empty()) {
      document.root = std::move(value);
      return &document.root;
    }
    Json &parent = *containers.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    *pendingMember = std::move(value);
    return pendingMember;
  }

  bool startContainer(Json::value_t type) {
    if (skipDepth > 0) {
      ++skipDepth;
      return true;
    }
    if (inVocab) {
      // Not an id: record the kind for the error message, skip the contents.
      document.vocab.emplace_back(std::move(vocabKey), Json(type));
      skipDepth = 1;
      return true;
    }
    bool isVocab = type == Json::value_t::object && containers.size() == 2 &&
                   containers[0]->is_object() && memberKeys[0] == "model" &&
                   containers[1]->is_object() && memberKeys[1] == "vocab";
    Json *container = place(Json(type));
    if (isVocab) {
      inVocab = true;
      document.vocab.clear(); // a repeated key replaces the earlier value
      return true;
    }
    containers.push_back(container);
    memberKeys.emplace_back();
    return true;
  }

  bool endContainer() {
    if (skipDepth > 0) {
      --skipDepth;
      return true;
    }
    if (inVocab) {
      inVocab = false;
      return true;
    }
    containers.pop_back();
    memberKeys.pop_back();
    return true;
  }

  TokenizerDocument &document;
  std::vector<Json *> containers;      ///< open arrays/objects, outermost first
  std::vector<std::string> memberKeys; ///< the current key of each open object
  Json *pendingMember = nullptr;
  bool inVocab = false;
  std::string vocabKey;
  int skipDepth = 0; ///< > 0 while skipping a container nested in the vocab
};

} // namespace

TokenizerDocument parseTokenizerDocument(std::string_view text) {
  TokenizerDocument document;
  DocumentBuilder builder(document);
  if (!Json::sax_parse(text.begin(), text.end(), &builder)) {
    json_util::fail("invalid JSON: " + json_util::withoutExceptionId(builder.error));
  }
  return document;
}

} // namespace dec
