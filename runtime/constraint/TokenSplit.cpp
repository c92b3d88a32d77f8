//===- TokenSplit.cpp - Per-lexer-state precomputed masks -----------------===//
#include "runtime/constraint/TokenSplit.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_set>

namespace dec::cons {

void TokenSplit::fillInside(uint32_t *words, size_t numWords) const {
  if (sharedInside)
    std::memcpy(words, sharedInside->data(), numWords * 4);
  else if (!denseInside.empty())
    std::memcpy(words, denseInside.data(), numWords * 4);
  else
    std::memset(words, 0, numWords * 4);
  for (int32_t t : sparseInside)
    words[t >> 5] |= 1u << (t & 31);
}

void TokenSplitCache::walk(const TokenTrie &trie, LexState q, TokenSplit &split, std::vector<int32_t> &inside) {
  const std::vector<TrieNode> &nodes = trie.nodes();
  stack.assign(trie.maxDepth() + 1, kDeadLex);
  stack[0] = q;
  uint32_t n = static_cast<uint32_t>(nodes.size());
  for (uint32_t i = 1; i < n;) {
    const TrieNode &node = nodes[i];
    LexState parent = stack[node.depth - 1];
    LexState s = lexer.next(parent, node.byte);
    if (s != kDeadLex && !lexer.mustEnd(s)) {
      stack[node.depth] = s;
      if (node.token >= 0)
        inside.push_back(node.token);
      ++i;
      continue;
    }
    if (s != kDeadLex || lexer.accepting(parent))
      split.boundaries.push_back({i, parent});
    i = node.end;
  }
  for (auto [node, id] : trie.duplicates())
    if (std::find(inside.begin(), inside.end(), nodes[node].token) != inside.end())
      inside.push_back(id);
}

namespace {
/// A UTF-8 decoder restricted to plain string characters (no '"', '\\' or
/// control character): state 0 is a character boundary, 1..3 the number of
/// continuation bytes due, 4..7 after the lead bytes E0, ED, F0 and F4 (whose
/// second byte has a narrower range). -1: not a plain character.
int nextUtf8(int u, uint8_t b) {
  bool cont = b >= 0x80 && b <= 0xBF;
  switch (u) {
  case 0:
    if (b >= 0x20 && b < 0x80)
      return b == '"' || b == '\\' ? -1 : 0;
    if (b >= 0xC2 && b <= 0xDF)
      return 1;
    if (b == 0xE0)
      return 4;
    if (b == 0xED)
      return 5;
    if (b >= 0xE1 && b <= 0xEF)
      return 2;
    if (b == 0xF0)
      return 6;
    if (b >= 0xF1 && b <= 0xF3)
      return 3;
    if (b == 0xF4)
      return 7;
    return -1;
  case 1:
    return cont ? 0 : -1;
  case 2:
    return cont ? 1 : -1;
  case 3:
    return cont ? 2 : -1;
  case 4:
    return b >= 0xA0 && b <= 0xBF ? 1 : -1;
  case 5:
    return b >= 0x80 && b <= 0x9F ? 1 : -1;
  case 6:
    return b >= 0x90 && b <= 0xBF ? 2 : -1;
  case 7:
    return b >= 0x80 && b <= 0x8F ? 2 : -1;
  }
  return -1;
}

/// Whether L(r) is finite (no unbounded repetition, no complement).
bool isFinite(const RegexBuilder &rx, RegexId r) {
  switch (rx.kind(r)) {
  case RxKind::Nothing:
  case RxKind::Empty:
  case RxKind::Bytes:
    return true;
  case RxKind::Concat:
    return isFinite(rx, rx.concatHead(r)) && isFinite(rx, rx.concatTail(r));
  case RxKind::Or:
    for (RegexId p : rx.listItems(r))
      if (!isFinite(rx, p))
        return false;
    return true;
  case RxKind::Repeat:
    return rx.repeatMax(r) != kUnbounded && isFinite(rx, rx.repeatBody(r));
  default:
    return false;
  }
}
} // namespace

int64_t TokenSplitCache::bodyCapacity(RegexId body) {
  RegexBuilder &rx = lexer.regexes();
  if (rx.kind(body) == RxKind::Repeat && stringCharClasses.count(rx.repeatBody(body))) {
    uint32_t hi = rx.repeatMax(body);
    return hi == kUnbounded ? INT64_MAX : hi;
  }
  if (rx.kind(body) != RxKind::And)
    return -1;
  // An intersection keeps the capacity of its counted part when every other
  // part accepts any run of plain characters from any state it can reach,
  // e.g. "at most 80 characters" & "contains an @" once the @ is there. A
  // complement of a finite set (key regions) leaves it alive too, but only
  // without a count: "ab" may be excluded exactly when the count runs out.
  int64_t capacity = INT64_MAX;
  bool complement = false;
  for (RegexId p : rx.listItems(body)) {
    if (rx.kind(p) == RxKind::Not && isFinite(rx, rx.notOperand(p))) {
      complement = true;
      continue;
    }
    if (rx.kind(p) == RxKind::Repeat && stringCharClasses.count(rx.repeatBody(p))) {
      if (rx.repeatMax(p) != kUnbounded)
        capacity = std::min<int64_t>(capacity, rx.repeatMax(p));
      continue;
    }
    if (!absorbsAll(p))
      return -1;
  }
  if (complement && capacity != INT64_MAX)
    return -1;
  return capacity;
}

bool TokenSplitCache::absorbsAll(RegexId r) {
  auto known = absorbing.find(r);
  if (known != absorbing.end())
    return known->second;
  // Every state reachable by plain characters accepts (at character
  // boundaries) or is alive (inside a character).
  RegexBuilder &rx = lexer.regexes();
  std::vector<std::pair<RegexId, int>> work{{r, 0}};
  std::unordered_set<uint64_t> seen{uint64_t(r) << 8};
  bool ok = true;
  while (!work.empty() && ok) {
    auto [s, u] = work.back();
    work.pop_back();
    if (u == 0 ? !rx.nullable(s) : s == kNothing) {
      ok = false;
      break;
    }
    for (int b = 0; b < 256 && ok; ++b) {
      int u2 = nextUtf8(u, static_cast<uint8_t>(b));
      if (u2 < 0)
        continue;
      RegexId d = rx.derivative(s, static_cast<uint8_t>(b));
      if (seen.insert((uint64_t(d) << 8) | static_cast<uint64_t>(u2)).second) {
        if (seen.size() > 256)
          ok = false;
        work.push_back({d, u2});
      }
    }
  }
  absorbing.emplace(r, ok);
  return ok;
}

int64_t TokenSplitCache::stringBodyCapacity(LexState q, bool &allEntries) {
  allEntries = true;
  if (stringCharClasses.empty())
    return -1;
  RegexBuilder &rx = lexer.regexes();
  int64_t capacity = -1;
  for (auto [lexeme, r] : lexer.entries(q)) {
    // Expect a string body followed by a tail whose first byte no string
    // character uses (the closing quote).
    int64_t c = -1;
    if (rx.kind(r) == RxKind::Concat) {
      RegexId tail = rx.concatTail(r);
      RegexId first = rx.kind(tail) == RxKind::Concat ? rx.concatHead(tail) : tail;
      bool delimited = rx.kind(first) == RxKind::Bytes;
      if (delimited) {
        const ByteSet &s = rx.byteSet(first);
        for (int b = 0x20; b < 0x100 && delimited; ++b)
          if (s.contains(static_cast<uint8_t>(b)) && b != '"' && b != '\\')
            delimited = false;
      }
      if (delimited)
        c = bodyCapacity(rx.concatHead(r));
    }
    if (c < 0)
      allEntries = false;
    capacity = std::max(capacity, c);
  }
  return capacity;
}

bool TokenSplitCache::absorbsStringCharacters(LexState q) {
  std::vector<std::pair<LexState, int>> work{{q, 0}};
  std::unordered_set<uint64_t> seen{uint64_t(q) << 8};
  while (!work.empty()) {
    auto [s, u] = work.back();
    work.pop_back();
    for (int b = 0; b < 256; ++b) {
      int u2 = nextUtf8(u, static_cast<uint8_t>(b));
      if (u2 < 0)
        continue;
      LexState s2 = lexer.next(s, static_cast<uint8_t>(b));
      if (s2 == kDeadLex || lexer.mustEnd(s2))
        return false;
      if (seen.insert((uint64_t(s2) << 8) | static_cast<uint64_t>(u2)).second) {
        if (seen.size() > 256)
          return false;
        work.push_back({s2, u2});
      }
    }
  }
  return true;
}

const TokenSplit &TokenSplitCache::compute(LexState q) {
  if (static_cast<size_t>(q) >= splits.size())
    splits.resize(q + 1);
  // Bound the cache: a schema that visits many states would otherwise keep a
  // bitset per state. Dropping everything is simple and rare.
  if (totalBytes > (size_t(512) << 20)) {
    for (auto &s : splits)
      s.reset();
    totalBytes = 0;
  }
  auto split = std::make_unique<TokenSplit>();
  std::vector<int32_t> inside;
  bool allEntries;
  int64_t capacity = stringBodyCapacity(q, allEntries);
  // Every string-character token is inside when the eligible entries take
  // any of them, or when all entries are eligible (then the capacity bound
  // is exact for them).
  const JsonStringSlices *slicesPtr = capacity >= 0 ? &vocab.jsonStringSlices() : nullptr;
  if (slicesPtr && !allEntries && capacity < slicesPtr->maxLength)
    slicesPtr = nullptr;
  if (!slicesPtr && !stringCharClasses.empty() && absorbsStringCharacters(q)) {
    slicesPtr = &vocab.jsonStringSlices();
    capacity = INT64_MAX;
  }
  if (getenv("DEC_CONS_DEBUG")) {
    fprintf(stderr, "split q=%d capacity=%lld all=%d\n", q, (long long)capacity, allEntries);
    for (auto [lexeme, r] : lexer.entries(q))
      fprintf(stderr, "  lexeme %u: %s\n", lexeme, lexer.regexes().toString(r).substr(0, 300).c_str());
  }
  if (slicesPtr) {
    const JsonStringSlices &slices = *slicesPtr;
    split->sharedInside = &slices.upTo[static_cast<size_t>(std::min<int64_t>(capacity, slices.maxLength))];
    split->trie = &slices.others;
    walk(slices.others, q, *split, inside);
  } else {
    split->trie = &vocab.trie();
    walk(vocab.trie(), q, *split, inside);
  }
  size_t words = vocab.maskWords();
  if (!split->sharedInside && inside.size() > words) {
    split->denseInside.assign(words, 0);
    for (int32_t t : inside)
      split->denseInside[t >> 5] |= 1u << (t & 31);
  } else {
    split->sparseInside = std::move(inside);
  }
  split->boundaries.shrink_to_fit();
  totalBytes += split->bytes() + sizeof(TokenSplit);
  splits[q] = std::move(split);
  return *splits[q];
}

} // namespace dec::cons
