//===- StringMatchers.cpp - stop strings and banned strings ---------------===//

#include "runtime/core/StringMatchers.h"

#include "runtime/tokenizer/Tokenizer.h"

#include <algorithm>
#include <deque>

using namespace dec::rt;

PatternAutomaton::PatternAutomaton(const std::vector<std::string> &patterns) {
  // Trie first (-1 = no edge), then failure links by BFS fill the DFA.
  std::vector<int32_t> trie(256, -1);
  accepting.push_back(false);
  for (const std::string &pattern : patterns) {
    int32_t state = 0;
    for (unsigned char c : pattern) {
      int32_t &edge = trie[state * 256 + c];
      if (edge < 0) {
        edge = static_cast<int32_t>(accepting.size());
        accepting.push_back(false);
        trie.resize(trie.size() + 256, -1);
      }
      state = trie[state * 256 + c];
    }
    accepting[state] = true;
  }
  next.assign(trie.size(), 0);
  std::vector<int32_t> fail(accepting.size(), 0);
  std::deque<int32_t> queue;
  for (int c = 0; c < 256; ++c) {
    int32_t child = trie[c];
    next[c] = child < 0 ? 0 : child;
    if (child > 0)
      queue.push_back(child);
  }
  while (!queue.empty()) {
    int32_t state = queue.front();
    queue.pop_front();
    // A state also matches when a pattern ends at its longest proper suffix.
    accepting[state] = accepting[state] || accepting[fail[state]];
    for (int c = 0; c < 256; ++c) {
      int32_t child = trie[state * 256 + c];
      if (child < 0) {
        next[state * 256 + c] = next[fail[state] * 256 + c];
      } else {
        fail[child] = next[fail[state] * 256 + c];
        next[state * 256 + c] = child;
        queue.push_back(child);
      }
    }
  }
}

BanFilter::BanFilter(const std::vector<std::string> &banned, const Tokenizer &tokenizer,
                     int64_t modelVocab)
    : automaton(banned), tokenizer(tokenizer), vocab(modelVocab) {
  masks.resize(automaton.numStates());
}

int32_t BanFilter::advance(int32_t state, int32_t token) const {
  if (token < 0 || tokenizer.isSpecial(token))
    return state;
  for (unsigned char c : tokenizer.tokenBytes(token))
    state = automaton.step(state, c);
  return state;
}

const std::vector<uint32_t> &BanFilter::allowedMask(int32_t state) {
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<std::vector<uint32_t>> &mask = masks[state];
  if (mask)
    return *mask;
  mask = std::make_unique<std::vector<uint32_t>>((vocab + 31) / 32, 0xFFFFFFFFu);
  if (vocab % 32)
    mask->back() = (1u << (vocab % 32)) - 1;
  int64_t limit = std::min<int64_t>(vocab, tokenizer.vocabSize());
  for (int32_t t = 0; t < limit; ++t) {
    if (tokenizer.isSpecial(t))
      continue;
    int32_t s = state;
    for (unsigned char c : tokenizer.tokenBytes(t)) {
      s = automaton.step(s, c);
      if (automaton.matches(s)) {
        (*mask)[t / 32] &= ~(1u << (t % 32));
        break;
      }
    }
  }
  return *mask;
}

StopMatcher::StopMatcher(std::vector<std::string> stops) : stops(std::move(stops)) {
  for (const std::string &s : this->stops)
    longest = std::max(longest, s.size());
}

size_t StopMatcher::find(std::string_view text, size_t newFrom) const {
  size_t best = std::string_view::npos;
  for (const std::string &stop : stops) {
    // An occurrence ending at or after newFrom starts at or after this.
    size_t from = newFrom >= stop.size() - 1 ? newFrom - (stop.size() - 1) : 0;
    size_t at = text.find(stop, from);
    if (at != std::string_view::npos && at < best)
      best = at;
  }
  return best;
}

size_t StopMatcher::pendingSuffix(std::string_view text) const {
  size_t best = 0;
  for (const std::string &stop : stops)
    for (size_t len = std::min(stop.size() - 1, text.size()); len > best; --len)
      if (text.compare(text.size() - len, len, stop, 0, len) == 0) {
        best = len;
        break;
      }
  return best;
}
