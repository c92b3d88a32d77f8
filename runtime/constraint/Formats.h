//===- Formats.h - JSON Schema `format` values as regexes -------*- C++ -*-===//
//
// Each supported format is a regex that accepts a subset of the valid
// strings (never an invalid one): where a standard allows rare forms that
// validators disagree on (lowercase 't'/'z' in dates, IPv6 with an embedded
// IPv4, IP literals in URIs, leap seconds) the regex leaves them out.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_FORMATS_H
#define DEC_RUNTIME_CONSTRAINT_FORMATS_H

#include "runtime/constraint/JsonTerminals.h"

#include <string>

namespace dec::cons {

enum class FormatSupport {
  Supported,   ///< `out` is the regex of the string body
  Unsupported, ///< a standard format the engine cannot enforce: refuse
  Unknown,     ///< not a format JSON Schema defines: annotation only
};

FormatSupport formatRegex(JsonTerminals &terminals, RegexBuilder &rx, const std::string &format, RegexId &out);

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_FORMATS_H
