//===- Formats.cpp - JSON Schema `format` values as regexes ---------------===//
#include "runtime/constraint/Formats.h"

#include "runtime/constraint/RegexParser.h"

#include <map>

namespace dec::cons {

namespace {

// RFC 3339 full-date with real calendar days (leap years included); year
// 0000 is left out (Python's date type starts at year 1).
const char *const kYear = "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])";
const char *const kLeapYear = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)";

std::string datePattern() {
  return std::string("(?:") + kYear +
         "-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|" +
         kLeapYear + "-02-29)";
}

// RFC 3339 full-time; uppercase Z only, no leap second.
const char *const kTime = "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])";

// RFC 3986 pieces (IP-literal hosts left out).
const char *const kUnreserved = "A-Za-z0-9._~\\-";
const char *const kSubDelims = "!$&'()*+,;=";

std::string uriPatterns(bool reference) {
  std::string pct = "%[0-9A-Fa-f]{2}";
  std::string pchar = std::string("(?:[") + kUnreserved + kSubDelims + ":@]|" + pct + ")";
  std::string pcharNoColon = std::string("(?:[") + kUnreserved + kSubDelims + "@]|" + pct + ")";
  std::string userinfo = std::string("(?:(?:[") + kUnreserved + kSubDelims + ":]|" + pct + ")*@)?";
  std::string host = std::string("(?:[") + kUnreserved + kSubDelims + "]|" + pct + ")*";
  std::string authority = userinfo + host + "(?::[0-9]*)?";
  std::string abempty = "(?:/" + pchar + "*)*";
  std::string absolute = "/(?:" + pchar + "+" + abempty + ")?";
  std::string rootless = pchar + "+" + abempty;
  std::string noscheme = pcharNoColon + "+" + abempty;
  std::string tail = "(?:\\?(?:" + pchar + "|[/?])*)?(?:#(?:" + pchar + "|[/?])*)?";
  std::string hier = "(?://" + authority + abempty + "|" + absolute + "|" + rootless + "|)";
  std::string uri = "[A-Za-z][A-Za-z0-9+.\\-]*:" + hier + tail;
  if (!reference)
    return uri;
  std::string relative = "(?://" + authority + abempty + "|" + absolute + "|" + noscheme + "|)" + tail;
  return "(?:" + uri + "|" + relative + ")";
}

std::string hostnamePattern(bool lowercaseOnly) {
  std::string c = lowercaseOnly ? "a-z0-9" : "A-Za-z0-9";
  std::string letter = lowercaseOnly ? "a-z" : "A-Za-z";
  std::string label = "[" + c + "](?:[" + c + "\\-]{0,61}[" + c + "])?";
  // The last label starts with a letter: all-numeric top-level labels are
  // rejected by common validators.
  std::string last = "[" + letter + "](?:[" + c + "\\-]{0,61}[" + c + "])?";
  return "(?:" + label + "\\.)*" + last;
}

const char *const kEmailLocal = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-]+)*";

const char *const kIpv4 =
    "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}";

std::string ipv6Pattern() {
  std::string h = "[0-9a-fA-F]{1,4}";
  return "(?:(?:" + h + ":){7}" + h + "|(?:" + h + ":){1,7}:|(?:" + h + ":){1,6}:" + h + "|(?:" + h +
         ":){1,5}(?::" + h + "){1,2}|(?:" + h + ":){1,4}(?::" + h + "){1,3}|(?:" + h + ":){1,3}(?::" + h +
         "){1,4}|(?:" + h + ":){1,2}(?::" + h + "){1,5}|" + h + ":(?::" + h + "){1,6}|:(?:(?::" + h +
         "){1,7}|:))";
}

const char *const kDuration =
    "P(?:(?:[0-9]+D|[0-9]+M(?:[0-9]+D)?|[0-9]+Y(?:[0-9]+M(?:[0-9]+D)?)?)"
    "(?:T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S))?"
    "|T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S)|[0-9]+W)";

const char *const kJsonPointer = "(?:/(?:[^~/]|~[01])*)*";

} // namespace

FormatSupport formatRegex(JsonTerminals &terminals, RegexBuilder &rx, const std::string &format, RegexId &out) {
  static const std::map<std::string, std::string> patterns = [] {
    std::map<std::string, std::string> m;
    m["date"] = datePattern();
    m["time"] = kTime;
    m["date-time"] = datePattern() + "T" + kTime;
    m["email"] = std::string(kEmailLocal) + "@" + hostnamePattern(false);
    m["idn-email"] = m["email"];
    m["hostname"] = hostnamePattern(false);
    m["idn-hostname"] = hostnamePattern(true);
    m["ipv4"] = kIpv4;
    m["ipv6"] = ipv6Pattern();
    m["uuid"] = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
    m["uri"] = uriPatterns(false);
    m["iri"] = m["uri"];
    m["uri-reference"] = uriPatterns(true);
    m["iri-reference"] = m["uri-reference"];
    m["duration"] = kDuration;
    m["json-pointer"] = kJsonPointer;
    m["relative-json-pointer"] = std::string("(?:0|[1-9][0-9]*)(?:#|") + kJsonPointer + ")";
    return m;
  }();
  // Formats JSON Schema defines (or that validators check) but that have no
  // regex here.
  static const char *const unsupported[] = {"regex", "uri-template", "color"};
  auto it = patterns.find(format);
  if (it == patterns.end()) {
    for (const char *u : unsupported)
      if (format == u)
        return FormatSupport::Unsupported;
    return FormatSupport::Unknown;
  }
  std::string error;
  CharEncoder encoder = [&](RegexBuilder &, const CharSet &set) { return terminals.chars(set); };
  bool ok = compilePattern(rx, it->second, RegexSyntaxOptions{}, encoder, out, error);
  (void)ok; // the patterns above are fixed and known to compile
  // Hostnames are at most 253 characters.
  if (format == "hostname" || format == "idn-hostname")
    out = rx.intersect(out, rx.repeat(terminals.anyChar(), 1, 253));
  return FormatSupport::Supported;
}

} // namespace dec::cons
