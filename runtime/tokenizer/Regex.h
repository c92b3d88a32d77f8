//===- Regex.h - PCRE2 regexes with Hugging Face match semantics -*- C++ -*-===//
//
// Hugging Face `tokenizers` runs pre-tokenizer patterns with Oniguruma. This
// wrapper compiles them with PCRE2 (UTF + UCP, JIT) so that they mean the same:
//  * PCRE2_MATCH_INVALID_UTF: arbitrary bytes are valid input; ill-formed
//    sequences simply match no character class.
//  * `\s`/`\S` are rewritten to the Unicode White_Space property, which is what
//    Oniguruma (and JavaScript, and Rust's `regex`) mean; PCRE2's UCP `\s` also
//    matches U+180E MONGOLIAN VOWEL SEPARATOR, which stopped being a space in
//    Unicode 6.3.
//  * findAll() iterates like the `onig` crate's find_iter(), which HF uses.
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_TOKENIZER_REGEX_H
#define DEC_RUNTIME_TOKENIZER_REGEX_H

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct pcre2_real_code_8;

namespace dec {

class Regex {
public:
  struct Match {
    size_t begin, end; ///< Byte offsets, [begin, end).
  };

  /// Compiles `pattern`; on failure returns nullptr and sets `error` to PCRE2's
  /// message and the offset it points at.
  static std::unique_ptr<Regex> compile(std::string_view pattern, std::string &error);
  ~Regex();
  Regex(const Regex &) = delete;
  Regex &operator=(const Regex &) = delete;

  /// Appends the successive non-overlapping leftmost matches in `text`. Like the
  /// `onig` crate, an empty match that ends where the previous match ended is
  /// dropped and the search resumes one character later. Thread-safe.
  void findAll(std::string_view text, std::vector<Match> &matches) const;

  /// Whether the pattern matches at exactly `offset` (an anchored match).
  bool matchesAt(std::string_view text, size_t offset) const;

private:
  Regex(pcre2_real_code_8 *code, bool jitCompiled) : code(code), jitCompiled(jitCompiled) {}
  /// One leftmost match starting the search at `from`; false when there is none.
  bool search(std::string_view text, size_t from, unsigned options, Match &match) const;

  pcre2_real_code_8 *code;
  bool jitCompiled;
};

/// A pattern that matches `literal` exactly.
std::string escapeRegexLiteral(std::string_view literal);

/// Replaces the escapes `\s` and `\S` (inside and outside classes) by
/// `\p{White_Space}` and `\P{White_Space}`; see the file comment.
std::string rewriteWhitespaceEscapes(std::string_view pattern);

} // namespace dec

#endif // DEC_RUNTIME_TOKENIZER_REGEX_H
