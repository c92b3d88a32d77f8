//===- JsonUtil.h - Checked access to tokenizer.json members ----*- C++ -*-===//
//
// Loading reports the first problem as a LoadError whose message names the
// offending member by its path ("model.merges[12]: ..."). The exception never
// leaves the library: Tokenizer::fromJSON catches it and prefixes the file
// name. Nothing on the encode/decode paths throws.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_TOKENIZER_JSONUTIL_H
#define DEC_RUNTIME_TOKENIZER_JSONUTIL_H

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace dec::json_util {

using Json = nlohmann::json;

/// Token ids index dense tables, so a corrupt file naming id 2^31 must not
/// make the loader allocate gigabytes. Real vocabularies stay below a million.
constexpr int64_t kTokenIdLimit = int64_t(1) << 22;

class LoadError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const std::string &message) { throw LoadError(message); }

/// "a string", "an array", ... for messages.
inline std::string describeType(const Json &value) {
  switch (value.type()) {
  case Json::value_t::null:
    return "null";
  case Json::value_t::object:
    return "an object";
  case Json::value_t::array:
    return "an array";
  case Json::value_t::string:
    return "a string";
  case Json::value_t::boolean:
    return "a boolean";
  case Json::value_t::number_integer:
  case Json::value_t::number_unsigned:
    return "an integer";
  case Json::value_t::number_float:
    return "a number";
  default:
    return "an unsupported value";
  }
}

/// nlohmann's exception messages without their "[json.exception.xyz.101] "
/// prefix.
inline std::string withoutExceptionId(std::string_view message) {
  if (!message.empty() && message.front() == '[') {
    size_t close = message.find("] ");
    if (close != std::string_view::npos)
      message.remove_prefix(close + 2);
  }
  return std::string(message);
}

/// `text` in single quotes, shortened and with control bytes escaped, for
/// messages that quote tokens or patterns.
inline std::string quote(std::string_view text) {
  constexpr size_t kMaxQuoted = 80;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kMaxQuoted; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (text.size() > kMaxQuoted)
    out += "...";
  return out + "'";
}

/// The member `key` of `object`, or nullptr when absent. `object` must be an
/// object (callers check with requireObject first).
inline const Json *findMember(const Json &object, const char *key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

/// True when `key` is absent or null.
inline bool isAbsent(const Json &object, const char *key) {
  const Json *member = findMember(object, key);
  return !member || member->is_null();
}

inline const Json &requireObject(const Json &value, const std::string &path) {
  if (!value.is_object())
    fail(path + " must be an object, not " + describeType(value));
  return value;
}

inline const Json &requireArray(const Json &value, const std::string &path) {
  if (!value.is_array())
    fail(path + " must be an array, not " + describeType(value));
  return value;
}

inline const std::string &requireString(const Json &value, const std::string &path) {
  if (!value.is_string())
    fail(path + " must be a string, not " + describeType(value));
  return value.get_ref<const std::string &>();
}

inline const Json &requireMember(const Json &object, const char *key, const std::string &path) {
  const Json *member = findMember(object, key);
  if (!member)
    fail(path + ": missing '" + key + "'");
  return *member;
}

/// Whether `value` is an integer in [0, limit).
inline bool isIdInRange(const Json &value, int64_t limit) {
  if (value.is_number_unsigned())
    return value.get<uint64_t>() < static_cast<uint64_t>(limit);
  return value.is_number_integer() && value.get<int64_t>() >= 0 && value.get<int64_t>() < limit;
}

/// An integer in [0, limit).
inline int32_t requireId(const Json &value, const std::string &path, int64_t limit) {
  if (!value.is_number_integer())
    fail(path + " must be an integer id, not " + describeType(value));
  if (!isIdInRange(value, limit))
    fail(path + ": id " + value.dump() + " is out of range [0, " + std::to_string(limit) + ")");
  return static_cast<int32_t>(value.get<int64_t>());
}

/// The boolean member `key`, or `defaultValue` when it is absent or null.
inline bool optionalBool(const Json &object, const char *key, bool defaultValue,
                         const std::string &path) {
  const Json *member = findMember(object, key);
  if (!member || member->is_null())
    return defaultValue;
  if (!member->is_boolean())
    fail(path + "." + key + " must be a boolean, not " + describeType(*member));
  return member->get<bool>();
}

/// The `type` member of a component object (e.g. "pre_tokenizer").
inline const std::string &componentType(const Json &component, const std::string &path) {
  requireObject(component, path);
  return requireString(requireMember(component, "type", path), path + ".type");
}

} // namespace dec::json_util

#endif // DEC_RUNTIME_TOKENIZER_JSONUTIL_H
