//===- PyJson.h - JSON as Python's json module reads and writes it -*- C++ -*-===//
//
// MaskBench serialises each test instance with Python's
// json.dumps(data, ensure_ascii=False): ", " and ": " separators, floats in
// repr() form (1e-05, 1e+16, 100.0), integers exactly as written however
// large, strings escaped only where needed. Reproducing that byte for byte
// needs the numbers' original text, which a general JSON library discards, so
// the harness reads files with this small parser that keeps it.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_TOOLS_MASKBENCH_PYJSON_H
#define DEC_TOOLS_MASKBENCH_PYJSON_H

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dec::maskbench {

struct PyValue {
  enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
  bool boolean = false;
  std::string text; ///< a number's source text, or a string's decoded bytes
  std::vector<PyValue> items;
  std::vector<std::pair<std::string, PyValue>> members; ///< in file order

  const PyValue *get(std::string_view key) const {
    for (const auto &m : members)
      if (m.first == key)
        return &m.second;
    return nullptr;
  }
};

/// Parses `text`; false with a message on malformed JSON.
bool parsePyJson(std::string_view text, PyValue &out, std::string &error);
/// json.dumps(value, ensure_ascii=False).
std::string pythonDumps(const PyValue &value);
/// The value as JSON with numbers exactly as written (to hand a schema to a
/// JSON library without losing its numbers' spelling).
std::string rawDumps(const PyValue &value);
/// repr() of a Python float.
std::string pythonFloatRepr(double value);

} // namespace dec::maskbench

#endif // DEC_TOOLS_MASKBENCH_PYJSON_H
