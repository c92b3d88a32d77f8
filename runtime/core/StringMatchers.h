//===- StringMatchers.h - stop strings and banned strings -------*- C++ -*-===//
//
// Text-level constraints on a sequence, evaluated over the bytes of its
// tokens (byte-level BPE: the text is the concatenation of token bytes).
//
//===----------------------------------------------------------------------===//

#ifndef DEC_RUNTIME_CORE_STRINGMATCHERS_H
#define DEC_RUNTIME_CORE_STRINGMATCHERS_H

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dec {
class Tokenizer;
}

namespace dec::rt {

/// Aho-Corasick automaton over bytes, as a complete DFA (one row of 256
/// transitions per state): state = the longest suffix of the input that is a
/// prefix of some pattern.
class PatternAutomaton {
public:
  explicit PatternAutomaton(const std::vector<std::string> &patterns);
  int32_t step(int32_t state, uint8_t byte) const { return next[state * 256 + byte]; }
  /// Whether some pattern ends at this state.
  bool matches(int32_t state) const { return accepting[state]; }
  int32_t numStates() const { return static_cast<int32_t>(accepting.size()); }

private:
  std::vector<int32_t> next;
  std::vector<bool> accepting;
};

/// Banned strings: which tokens may come next so that the output bytes never
/// contain a banned string. Special tokens add no text and are always allowed.
/// Masks are computed once per automaton state, on first use.
class BanFilter {
public:
  BanFilter(const std::vector<std::string> &banned, const Tokenizer &tokenizer,
            int64_t modelVocab);
  int32_t initialState() const { return 0; }
  int32_t advance(int32_t state, int32_t token) const;
  /// Bitset of ceil(vocab / 32) words, bit t % 32 of word t / 32 set when
  /// token t is allowed in `state`.
  const std::vector<uint32_t> &allowedMask(int32_t state);

private:
  PatternAutomaton automaton;
  const Tokenizer &tokenizer;
  int64_t vocab;
  std::mutex mutex;
  std::vector<std::unique_ptr<std::vector<uint32_t>>> masks; // per state
};

/// Stop strings: finds the first occurrence in generated text, and how much
/// of the text's end could still become one (held back from streaming).
class StopMatcher {
public:
  explicit StopMatcher(std::vector<std::string> stops);
  bool empty() const { return stops.empty(); }
  /// Position of the earliest stop string in `text` that ends at or after
  /// `newFrom` (text before it was already checked), or npos.
  size_t find(std::string_view text, size_t newFrom) const;
  /// Length of the longest suffix of `text` that is a proper prefix of a stop string.
  size_t pendingSuffix(std::string_view text) const;

private:
  std::vector<std::string> stops;
  size_t longest = 0;
};

} // namespace dec::rt

#endif // DEC_RUNTIME_CORE_STRINGMATCHERS_H
