//===- RegexEmptiness.cpp - Deciding emptiness without a product search ---===//
//
// With & and ~ a derivative can denote the empty language without being the
// Nothing node, and the lexer must know (a lexeme that cannot complete must
// not keep a token alive). A plain search over derivatives decides it, but the
// most common intersection, "a string of lo..hi characters that matches this
// pattern", makes that search explore (position, count) pairs — hundreds of
// thousands of derivatives for a date-time with maxLength 255.
//
// So the count is taken out of the search: for the pattern part P we explore
// only P's own derivatives at character boundaries and compute, for each, the
// set of completion lengths (in characters, as a bitset up to kHorizon) by a
// backward fixpoint. Then And(C{lo,hi}, P') is non-empty exactly when the set
// of P' meets [lo, hi] — one lookup for every later query on any derivative.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/Regex.h"

#include <algorithm>
#include <cstring>

namespace dec::cons {

RegexBuilder::Emptiness RegexBuilder::quickEmptiness(RegexId r) {
  if (r == kNothing)
    return Emptiness::Empty;
  if (!usesBooleanOps(r) || nullable(r))
    return Emptiness::NonEmpty;
  auto cached = emptinessCache.find(r);
  if (cached != emptinessCache.end())
    return cached->second ? Emptiness::Empty : Emptiness::NonEmpty;
  const Node n = nodes[r];
  Emptiness result = Emptiness::Unknown;
  switch (n.kind) {
  case RxKind::Concat: {
    // L(ab) is empty iff L(a) or L(b) is.
    Emptiness a = quickEmptiness(n.a), b = quickEmptiness(n.b);
    if (a == Emptiness::Empty || b == Emptiness::Empty)
      result = Emptiness::Empty;
    else if (a == Emptiness::NonEmpty && b == Emptiness::NonEmpty)
      result = Emptiness::NonEmpty;
    break;
  }
  case RxKind::Or: {
    bool allEmpty = true;
    for (uint32_t i = 0; i < n.b && result == Emptiness::Unknown; ++i) {
      Emptiness e = quickEmptiness(listPool[n.a + i]);
      if (e == Emptiness::NonEmpty)
        result = Emptiness::NonEmpty;
      allEmpty = allEmpty && e == Emptiness::Empty;
    }
    if (result == Emptiness::Unknown && allEmpty)
      result = Emptiness::Empty;
    break;
  }
  case RxKind::And: {
    // Counted repetitions of one class next to other constraints: the
    // repetitions combine into one window (a subset of their intersection,
    // equal to it when the class is a prefix code such as UTF-8 characters),
    // and the rest is decided by its length table.
    std::vector<RegexId> items = listItems(r), rest;
    RegexId cls = kNothing;
    uint32_t lo = 0, hi = kUnbounded;
    for (RegexId it : items) {
      if (nodes[it].kind == RxKind::Repeat && !usesBooleanOps(it) &&
          (cls == kNothing || nodes[it].a == cls)) {
        cls = nodes[it].a;
        lo = std::max(lo, nodes[it].b);
        hi = std::min(hi, nodes[it].c);
      } else {
        rest.push_back(it);
      }
    }
    // A window [0, unbounded] says nothing about length: search instead.
    if (cls == kNothing || (lo == 0 && hi == kUnbounded))
      break;
    if (lo > hi)
      result = Emptiness::Empty;
    else if (rest.empty())
      result = Emptiness::NonEmpty; // never: a lone repeat has no boolean ops
    else {
      Emptiness w = lengthWindow(cls, lo, hi, intersect(rest));
      // Only "non-empty" is exact when the repeats were merged.
      if (w == Emptiness::NonEmpty || countedItems(items, cls) == 1)
        result = w;
    }
    break;
  }
  default:
    break;
  }
  if (result != Emptiness::Unknown)
    emptinessCache[r] = result == Emptiness::Empty;
  return result;
}

size_t RegexBuilder::countedItems(const std::vector<RegexId> &items, RegexId cls) const {
  size_t n = 0;
  for (RegexId it : items)
    n += nodes[it].kind == RxKind::Repeat && nodes[it].a == cls;
  return n;
}

void RegexBuilder::wordSuccessors(RegexId charClass, RegexId s, std::vector<RegexId> &out) {
  // Walk (s, class) together over one word of the class.
  const std::vector<uint8_t> &reps = byteClasses().representative;
  std::vector<std::pair<RegexId, RegexId>> stack{{s, charClass}};
  size_t steps = 0;
  while (!stack.empty() && ++steps < 100000) {
    auto [p, c] = stack.back();
    stack.pop_back();
    for (uint8_t b : reps) {
      RegexId c2 = derivative(c, b);
      if (c2 == kNothing)
        continue;
      RegexId p2 = derivative(p, b);
      if (p2 == kNothing)
        continue;
      if (nullable(c2))
        out.push_back(p2);
      if (c2 != kEmpty)
        stack.push_back({p2, c2});
    }
  }
  if (out.size() > 1) {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
}

bool RegexBuilder::buildLengthTables(RegexId charClass, RegexId root) {
  constexpr size_t kMaxStates = 4000;
  constexpr size_t words = kHorizon / 64;
  std::vector<RegexId> states{root};
  std::unordered_map<RegexId, uint32_t> index{{root, 0}};
  std::vector<std::vector<uint32_t>> preds(1);
  std::vector<RegexId> succ;
  for (size_t i = 0; i < states.size(); ++i) {
    if (states.size() > kMaxStates) {
      // Too large: remember, so that neither this regex nor the derivatives
      // met on the way are tried again.
      for (RegexId st : states)
        lengthFailed.insert((uint64_t(charClass) << 32) | st);
      return false;
    }
    succ.clear();
    wordSuccessors(charClass, states[i], succ);
    for (RegexId t : succ) {
      auto [it, inserted] = index.emplace(t, static_cast<uint32_t>(states.size()));
      if (inserted) {
        states.push_back(t);
        preds.emplace_back();
      }
      preds[it->second].push_back(static_cast<uint32_t>(i));
    }
  }
  // bits[s] = {0 if nullable} | (bits[t] << 1 for every successor t).
  size_t n = states.size();
  std::vector<uint64_t> bits(n * words, 0);
  std::vector<uint32_t> work;
  for (uint32_t s = 0; s < n; ++s)
    if (nullable(states[s])) {
      bits[s * words] |= 1;
      work.push_back(s);
    }
  while (!work.empty()) {
    uint32_t t = work.back();
    work.pop_back();
    for (uint32_t s : preds[t]) {
      bool changed = false;
      uint64_t carry = 0;
      for (size_t w = 0; w < words; ++w) {
        uint64_t shifted = (bits[t * words + w] << 1) | carry;
        carry = bits[t * words + w] >> 63;
        uint64_t merged = bits[s * words + w] | shifted;
        if (merged != bits[s * words + w]) {
          bits[s * words + w] = merged;
          changed = true;
        }
      }
      if (changed)
        work.push_back(s);
    }
  }
  for (uint32_t s = 0; s < n; ++s) {
    uint64_t key = (uint64_t(charClass) << 32) | states[s];
    if (lengthIndex.count(key))
      continue;
    LengthTable t;
    std::memcpy(t.bits, &bits[s * words], sizeof t.bits);
    t.pumpLimit = static_cast<uint32_t>(n);
    lengthIndex.emplace(key, static_cast<uint32_t>(lengthTables.size()));
    lengthTables.push_back(t);
  }
  return true;
}

RegexBuilder::Emptiness RegexBuilder::lengthWindow(RegexId charClass, uint32_t lo, uint32_t hi, RegexId rest) {
  if (rest == kNothing)
    return Emptiness::Empty;
  uint64_t key = (uint64_t(charClass) << 32) | rest;
  auto it = lengthIndex.find(key);
  if (it == lengthIndex.end()) {
    if (lengthFailed.count(key))
      return Emptiness::Unknown;
    if (!buildLengthTables(charClass, rest))
      return Emptiness::Unknown;
    it = lengthIndex.find(key);
  }
  const LengthTable &t = lengthTables[it->second];
  auto bit = [&](uint32_t i) { return (t.bits[i / 64] >> (i % 64)) & 1; };
  uint32_t top = std::min(hi, kHorizon - 1);
  for (uint32_t i = lo; i <= top; ++i)
    if (bit(i))
      return Emptiness::NonEmpty;
  if (hi < kHorizon)
    return Emptiness::Empty;
  // Lengths beyond the horizon: with n states explored, the language is
  // infinite iff it has a word of length in [n, 2n) (pumping), and then it
  // has words of unbounded length.
  uint32_t n = t.pumpLimit;
  if (2 * n <= kHorizon) {
    bool infinite = false;
    for (uint32_t i = n; i < 2 * n && !infinite; ++i)
      infinite = bit(i);
    if (!infinite)
      return Emptiness::Empty; // every completion is shorter than n <= horizon
    if (hi == kUnbounded)
      return Emptiness::NonEmpty;
  }
  return Emptiness::Unknown;
}

} // namespace dec::cons
