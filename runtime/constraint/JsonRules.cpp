//===- JsonRules.cpp - Lazy rule automata for JSON objects/arrays ---------===//
#include "runtime/constraint/JsonRules.h"

#include <algorithm>

namespace dec::cons {

//===----------------------------------------------------------------------===//
// ObjectRule
//===----------------------------------------------------------------------===//

ObjectRule::ObjectRule(ObjectSpec specIn) : spec(std::move(specIn)) {
  // Beyond this many other members, the count no longer matters.
  othersCap = spec.maxProperties != kNoLimit ? spec.maxProperties + 1 : spec.minProperties;
}

uint32_t ObjectRule::intern(const State &s) {
  std::string key(1, static_cast<char>(s.phase));
  key.append(reinterpret_cast<const char *>(&s.key), sizeof s.key);
  key.append(reinterpret_cast<const char *>(&s.others), sizeof s.others);
  key.append(reinterpret_cast<const char *>(s.seen.data()), s.seen.size() * sizeof(uint64_t));
  auto [it, inserted] = index.emplace(std::move(key), static_cast<uint32_t>(states.size()));
  if (inserted)
    states.push_back(s);
  return it->second;
}

uint32_t ObjectRule::start() {
  State s{Start, 0, 0, std::vector<uint64_t>((spec.named.size() + 63) / 64, 0)};
  return intern(s);
}

uint64_t ObjectRule::count(const State &s) const {
  uint64_t n = s.others;
  for (uint64_t w : s.seen)
    n += static_cast<uint64_t>(__builtin_popcountll(w));
  return n;
}

bool ObjectRule::missing(const Grammar &g, const State &s, std::vector<uint32_t> &out) const {
  // Closure of: required properties and dependencies of present or needed ones.
  std::vector<uint8_t> need(spec.named.size(), 0);
  std::vector<uint32_t> work;
  for (uint32_t i = 0; i < spec.named.size(); ++i)
    if (spec.named[i].required || has(s, i))
      work.push_back(i);
  while (!work.empty()) {
    uint32_t i = work.back();
    work.pop_back();
    if (!has(s, i) && !need[i]) {
      need[i] = 1;
      out.push_back(i);
    }
    if (need[i] || has(s, i))
      for (uint32_t d : spec.named[i].dependencies)
        if (!has(s, d) && !need[d])
          work.push_back(d);
  }
  for (uint32_t i : out)
    if (spec.named[i].value == kNoSymbol || !g.productive(spec.named[i].value))
      return false;
  return true;
}

bool ObjectRule::feasible(const Grammar &g, const State &s) const {
  std::vector<uint32_t> need;
  if (!missing(g, s, need))
    return false;
  uint64_t n = count(s) + need.size();
  if (n > spec.maxProperties)
    return false;
  if (n >= spec.minProperties)
    return true;
  // More members are needed: any productive region gives as many as wanted;
  // otherwise count optional named properties whose dependencies are in.
  for (const ObjectSpec::Region &r : spec.regions)
    if (g.productive(r.value) && g.productive(r.keyFirst))
      return spec.minProperties <= spec.maxProperties;
  uint64_t extra = 0;
  for (uint32_t i = 0; i < spec.named.size(); ++i) {
    if (has(s, i) || std::find(need.begin(), need.end(), i) != need.end())
      continue;
    const ObjectSpec::Named &p = spec.named[i];
    if (p.value == kNoSymbol || !g.productive(p.value))
      continue;
    bool depsIn = true;
    for (uint32_t d : p.dependencies)
      depsIn = depsIn && (has(s, d) || std::find(need.begin(), need.end(), d) != need.end());
    if (depsIn)
      ++extra;
  }
  return n + extra >= spec.minProperties && spec.minProperties <= spec.maxProperties;
}

bool ObjectRule::closeable(const Grammar &g, const State &s) const {
  std::vector<uint32_t> need;
  if (!missing(g, s, need) || !need.empty())
    return false;
  uint64_t n = count(s);
  return n >= spec.minProperties && n <= spec.maxProperties;
}

void ObjectRule::expand(const Grammar &g, uint32_t id, std::vector<std::pair<Symbol, uint32_t>> &edges,
                        bool &accepting) {
  State s = states[id];
  accepting = s.phase == Done;
  switch (s.phase) {
  case Start: {
    State open = s;
    open.phase = AfterOpen;
    if (feasible(g, open))
      edges.push_back({spec.open, intern(open)});
    break;
  }
  case AfterOpen:
  case AfterValue: {
    bool first = s.phase == AfterOpen;
    for (uint32_t i = 0; i < spec.named.size(); ++i) {
      const ObjectSpec::Named &p = spec.named[i];
      if (has(s, i) || p.value == kNoSymbol || !g.productive(p.value))
        continue;
      State next = s;
      next.seen[i / 64] |= uint64_t(1) << (i % 64);
      if (!feasible(g, next))
        continue;
      State key = s;
      key.phase = AfterKey;
      key.key = static_cast<int32_t>(i);
      edges.push_back({first ? p.keyFirst : p.keyNext, intern(key)});
    }
    for (uint32_t r = 0; r < spec.regions.size(); ++r) {
      const ObjectSpec::Region &region = spec.regions[r];
      if (!g.productive(region.value) || !g.productive(region.keyFirst))
        continue;
      State next = s;
      next.others = std::min(s.others + 1, othersCap);
      if (!feasible(g, next))
        continue;
      State key = s;
      key.phase = AfterKey;
      key.key = -1 - static_cast<int32_t>(r);
      edges.push_back({first ? region.keyFirst : region.keyNext, intern(key)});
    }
    if (closeable(g, s)) {
      State done{Done, 0, 0, {}};
      edges.push_back({spec.close, intern(done)});
    }
    break;
  }
  case AfterKey: {
    State next = s;
    next.phase = AfterValue;
    next.key = 0;
    Symbol value;
    if (s.key >= 0) {
      next.seen[s.key / 64] |= uint64_t(1) << (s.key % 64);
      value = spec.named[s.key].value;
    } else {
      next.others = std::min(s.others + 1, othersCap);
      value = spec.regions[-1 - s.key].value;
    }
    edges.push_back({value, intern(next)});
    break;
  }
  case Done:
    break;
  }
}

bool ObjectRule::productive(const Grammar &g) {
  State s{AfterOpen, 0, 0, std::vector<uint64_t>((spec.named.size() + 63) / 64, 0)};
  return feasible(g, s);
}

//===----------------------------------------------------------------------===//
// ArrayRule
//===----------------------------------------------------------------------===//

namespace {
enum ArrayPhase { kStart = 0, kDone = 1, kOpen = 2, kAfterItem = 3, kAfterComma = 4 };
}

uint32_t ArrayRule::encode(int phase, uint64_t count) {
  if (phase == kStart)
    return 0;
  if (phase == kDone)
    return 1;
  // Past this count every position behaves alike.
  uint64_t cap = spec.maxItems != kNoLimit ? spec.maxItems + 1 : std::max<uint64_t>(spec.prefix.size(), spec.minItems);
  count = std::min(count, cap);
  uint64_t key = (count << 3) | static_cast<uint64_t>(phase);
  auto [it, inserted] = index.emplace(key, static_cast<uint32_t>(states.size()));
  if (inserted)
    states.push_back({phase, count});
  return it->second;
}

void ArrayRule::decode(uint32_t state, int &phase, uint64_t &count) const {
  phase = states[state].first;
  count = states[state].second;
}

uint64_t ArrayRule::reachableItems(const Grammar &g) const {
  uint64_t n = 0;
  while (n < spec.maxItems) {
    if (n >= spec.prefix.size()) {
      // Every further position uses `rest`.
      if (spec.rest != kNoSymbol && g.productive(spec.rest))
        return spec.maxItems;
      return n;
    }
    if (spec.prefix[n] == kNoSymbol || !g.productive(spec.prefix[n]))
      return n;
    ++n;
  }
  return n;
}

bool ArrayRule::productive(const Grammar &g) {
  return spec.minItems <= spec.maxItems && reachableItems(g) >= spec.minItems;
}

void ArrayRule::expand(const Grammar &g, uint32_t state, std::vector<std::pair<Symbol, uint32_t>> &edges,
                       bool &accepting) {
  int phase;
  uint64_t n;
  decode(state, phase, n);
  accepting = phase == kDone;
  uint64_t reachable = reachableItems(g);
  switch (phase) {
  case kStart:
    edges.push_back({spec.open, encode(kOpen, 0)});
    break;
  case kOpen:
  case kAfterItem:
    if (n < reachable) {
      if (phase == kOpen)
        edges.push_back({item(0), encode(kAfterItem, 1)});
      else
        edges.push_back({spec.comma, encode(kAfterComma, n)});
    }
    if (n >= spec.minItems)
      edges.push_back({spec.close, encode(kDone, 0)});
    break;
  case kAfterComma:
    edges.push_back({item(static_cast<size_t>(std::min<uint64_t>(n, spec.prefix.size()))), encode(kAfterItem, n + 1)});
    break;
  }
}

} // namespace dec::cons
