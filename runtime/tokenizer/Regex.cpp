//===- Regex.cpp - PCRE2 regexes with Hugging Face match semantics --------===//

#include "runtime/tokenizer/Regex.h"

#include "runtime/tokenizer/Utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace dec {
namespace {

/// Per-thread match state: PCRE2 match data and JIT stacks must not be shared
/// between concurrent matches, and allocating them per call is measurable.
struct MatchScratch {
  pcre2_match_data *data = pcre2_match_data_create(1, nullptr);
  pcre2_match_context *context = pcre2_match_context_create(nullptr);
  // The default 32 KiB JIT stack is enough for the patterns HF ships, but a
  // pathological pattern on a long input could need more; when even this is
  // exhausted search() falls back to the interpreter.
  pcre2_jit_stack *jitStack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);

  MatchScratch() {
    if (context && jitStack)
      pcre2_jit_stack_assign(context, nullptr, jitStack);
  }
  ~MatchScratch() {
    pcre2_jit_stack_free(jitStack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
};

MatchScratch &matchScratch() {
  thread_local MatchScratch scratch;
  return scratch;
}

} // namespace

std::unique_ptr<Regex> Regex::compile(std::string_view pattern, std::string &error) {
  int errorCode = 0;
  PCRE2_SIZE errorOffset = 0;
  pcre2_code *code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &errorCode,
                                   &errorOffset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(errorCode, message, sizeof(message));
    error = std::string(reinterpret_cast<const char *>(message)) + " at offset " +
            std::to_string(errorOffset);
    return nullptr;
  }
  // Without JIT (e.g. an unsupported CPU) the interpreter gives the same
  // results, only slower.
  bool jitCompiled = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  return std::unique_ptr<Regex>(new Regex(code, jitCompiled));
}

Regex::~Regex() { pcre2_code_free(code); }

bool Regex::search(std::string_view text, size_t from, unsigned options, Match &match) const {
  MatchScratch &scratch = matchScratch();
  if (!scratch.data)
    return false;
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  int rc = PCRE2_ERROR_NOMATCH;
  // pcre2_jit_match skips option checks; it does not support PCRE2_ANCHORED.
  bool useJit = jitCompiled && !(options & PCRE2_ANCHORED);
  if (useJit)
    rc = pcre2_jit_match(code, subject, text.size(), from, options, scratch.data, scratch.context);
  if (!useJit || (rc < 0 && rc != PCRE2_ERROR_NOMATCH))
    rc = pcre2_match(code, subject, text.size(), from, options | PCRE2_NO_JIT, scratch.data,
                     scratch.context);
  // rc == 0 means "matched, but the ovector has no room for the groups"; only
  // the whole-match pair is wanted.
  if (rc < 0)
    return false;
  PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(scratch.data);
  match = {ovector[0], ovector[1]};
  return match.begin <= match.end && match.end <= text.size();
}

void Regex::findAll(std::string_view text, std::vector<Match> &matches) const {
  size_t searchFrom = 0;
  bool haveMatch = false;
  size_t lastMatchEnd = 0;
  Match match{};
  while (searchFrom <= text.size() && search(text, searchFrom, 0, match)) {
    if (match.begin == match.end && haveMatch && match.end == lastMatchEnd) {
      if (searchFrom >= text.size())
        break;
      searchFrom += utf8::decodeAt(text, searchFrom).length;
      continue;
    }
    matches.push_back(match);
    searchFrom = match.end;
    lastMatchEnd = match.end;
    haveMatch = true;
  }
}

bool Regex::matchesAt(std::string_view text, size_t offset) const {
  Match match{};
  return offset <= text.size() && search(text, offset, PCRE2_ANCHORED, match);
}

std::string escapeRegexLiteral(std::string_view literal) {
  static const char hexDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : literal) {
    bool isAsciiAlnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (isAsciiAlnum || c >= 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x{";
      out.push_back(hexDigits[c >> 4]);
      out.push_back(hexDigits[c & 15]);
      out.push_back('}');
    } else {
      // PCRE2: a backslash before any ASCII non-alphanumeric means the
      // character itself.
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string rewriteWhitespaceEscapes(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 32);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '\\' || i + 1 == pattern.size()) {
      out.push_back(pattern[i]);
      continue;
    }
    char escaped = pattern[i + 1];
    size_t copyLength = 2; // the backslash and the escaped character
    if (escaped == 's') {
      out += "\\p{White_Space}";
      copyLength = 0;
    } else if (escaped == 'S') {
      out += "\\P{White_Space}";
      copyLength = 0;
    } else if (escaped == 'Q') {
      // \Q...\E quotes everything up to \E (or the end) literally.
      size_t quoteEnd = pattern.find("\\E", i + 2);
      copyLength = quoteEnd == std::string_view::npos ? pattern.size() - i : quoteEnd + 2 - i;
    } else if (escaped == 'c' && i + 2 < pattern.size()) {
      copyLength = 3; // \cX: X is taken literally, even a backslash
    }
    out.append(pattern.substr(i, copyLength));
    i += (copyLength ? copyLength : 2) - 1;
  }
  return out;
}

} // namespace dec
