//===- Regex.cpp - Byte regexes with lazy Brzozowski derivatives ----------===//
//
// Node fields by kind:
//   Bytes    a = index into byteSets
//   Concat   a = head, b = tail (right-nested: heads are never Concat)
//   Or, And  a = offset into listPool, b = count (sorted, no duplicates)
//   Not      a = operand
//   Repeat   a = body, b = min, c = max (kUnbounded for no maximum)
//   Dfa      a = table, b = state
//
// The simplifications below (flattening, sorting and de-duplicating | and &,
// merging byte sets, absorbing Nothing/Empty) are what keep the number of
// distinct derivatives of a regex finite (Brzozowski's similarity rules).
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/Regex.h"

#include <algorithm>
#include <deque>
#include <unordered_set>

namespace dec::cons {

namespace {
void appendU32(std::string &key, uint32_t v) { key.append(reinterpret_cast<const char *>(&v), 4); }
} // namespace

RegexBuilder::RegexBuilder() {
  nodes.push_back({RxKind::Nothing, 0});
  nodes.push_back({RxKind::Empty, kNullable});
  internTable.emplace(std::string(1, char(RxKind::Nothing)), kNothing);
  internTable.emplace(std::string(1, char(RxKind::Empty)), kEmpty);
  anything_ = complement(kNothing);
}

RegexId RegexBuilder::intern(RxKind kind, uint32_t a, uint32_t b, uint32_t c, uint8_t flags,
                             const RegexId *list, uint32_t listLen) {
  std::string key(1, char(kind));
  if (list) {
    for (uint32_t i = 0; i < listLen; ++i)
      appendU32(key, list[i]);
  } else {
    appendU32(key, a);
    appendU32(key, b);
    appendU32(key, c);
  }
  auto it = internTable.find(key);
  if (it != internTable.end())
    return it->second;
  if (list) {
    a = static_cast<uint32_t>(listPool.size());
    b = listLen;
    listPool.insert(listPool.end(), list, list + listLen);
  }
  RegexId id = static_cast<RegexId>(nodes.size());
  nodes.push_back({kind, flags, a, b, c});
  internTable.emplace(std::move(key), id);
  return id;
}

RegexId RegexBuilder::bytes(const ByteSet &set) {
  if (set.empty())
    return kNothing;
  std::string key(reinterpret_cast<const char *>(set.words), sizeof set.words);
  auto it = byteSetIndex.find(key);
  uint32_t index;
  if (it == byteSetIndex.end()) {
    index = static_cast<uint32_t>(byteSets.size());
    byteSets.push_back(set);
    byteSetIndex.emplace(std::move(key), index);
    // A union or intersection of existing sets (all that derivatives create)
    // is a union of classes and leaves the partition as it is.
    for (int b = 0; b < 256 && classesValid; ++b)
      if (set.contains(static_cast<uint8_t>(b)) !=
          set.contains(classes.representative[classes.classOf[b]]))
        classesValid = false;
  } else {
    index = it->second;
  }
  return intern(RxKind::Bytes, index, 0, 0, 0);
}

RegexId RegexBuilder::literal(std::string_view text) {
  RegexId r = kEmpty;
  for (size_t i = text.size(); i-- > 0;)
    r = concat(byte(static_cast<uint8_t>(text[i])), r);
  return r;
}

RegexId RegexBuilder::concat(RegexId head, RegexId tail) {
  if (head == kNothing || tail == kNothing)
    return kNothing;
  if (head == kEmpty)
    return tail;
  if (tail == kEmpty)
    return head;
  if (nodes[head].kind == RxKind::Concat)
    return concat(nodes[head].a, concat(nodes[head].b, tail));
  uint8_t flags = (nodes[head].flags & nodes[tail].flags & kNullable) |
                  ((nodes[head].flags | nodes[tail].flags) & kBoolOps);
  return intern(RxKind::Concat, head, tail, 0, flags);
}

RegexId RegexBuilder::concat(const std::vector<RegexId> &parts) {
  RegexId r = kEmpty;
  for (size_t i = parts.size(); i-- > 0;)
    r = concat(parts[i], r);
  return r;
}

RegexId RegexBuilder::makeList(RxKind kind, std::vector<RegexId> &parts) {
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  if (parts.size() == 1)
    return parts[0];
  uint8_t flags = kind == RxKind::And ? kNullable | kBoolOps : 0;
  for (RegexId p : parts) {
    if (kind == RxKind::Or)
      flags |= nodes[p].flags;
    else
      flags &= nodes[p].flags | kBoolOps;
  }
  return intern(kind, 0, 0, 0, flags, parts.data(), static_cast<uint32_t>(parts.size()));
}

RegexId RegexBuilder::alt(std::vector<RegexId> parts) {
  std::vector<RegexId> flat;
  ByteSet merged;
  bool haveBytes = false, haveEmpty = false, anyNullable = false;
  std::vector<RegexId> stack(parts.rbegin(), parts.rend());
  while (!stack.empty()) {
    RegexId p = stack.back();
    stack.pop_back();
    const Node &n = nodes[p];
    if (p == anything_)
      return anything_;
    switch (n.kind) {
    case RxKind::Nothing:
      break;
    case RxKind::Empty:
      haveEmpty = true;
      break;
    case RxKind::Bytes:
      merged = merged | byteSets[n.a];
      haveBytes = true;
      break;
    case RxKind::Or:
      for (uint32_t i = 0; i < n.b; ++i)
        stack.push_back(listPool[n.a + i]);
      break;
    default:
      if (n.flags & kNullable)
        anyNullable = true;
      flat.push_back(p);
    }
  }
  if (haveBytes)
    flat.push_back(bytes(merged));
  if (haveEmpty && !anyNullable)
    flat.push_back(kEmpty);
  if (flat.empty())
    return kNothing;
  return makeList(RxKind::Or, flat);
}

RegexId RegexBuilder::intersect(std::vector<RegexId> parts) {
  std::vector<RegexId> flat;
  ByteSet merged = ByteSet::all();
  bool haveBytes = false, haveEmpty = false, allNullable = true;
  std::vector<RegexId> stack(parts.rbegin(), parts.rend());
  while (!stack.empty()) {
    RegexId p = stack.back();
    stack.pop_back();
    const Node &n = nodes[p];
    if (p == anything_)
      continue;
    if (!(n.flags & kNullable))
      allNullable = false;
    switch (n.kind) {
    case RxKind::Nothing:
      return kNothing;
    case RxKind::Empty:
      haveEmpty = true;
      break;
    case RxKind::Bytes:
      merged = merged & byteSets[n.a];
      haveBytes = true;
      break;
    case RxKind::And:
      for (uint32_t i = 0; i < n.b; ++i)
        stack.push_back(listPool[n.a + i]);
      break;
    default:
      flat.push_back(p);
    }
  }
  if (haveEmpty)
    return allNullable ? kEmpty : kNothing;
  if (haveBytes) {
    // A byte set only matches one-byte strings: intersect it with each other
    // operand's one-byte strings right away.
    for (RegexId p : flat) {
      ByteSet keep;
      for (int b = 0; b < 256; ++b)
        if (merged.contains(static_cast<uint8_t>(b)) && nullable(derivative(p, static_cast<uint8_t>(b))))
          keep.add(static_cast<uint8_t>(b));
      merged = keep;
    }
    return bytes(merged);
  }
  if (flat.empty())
    return anything_;
  return makeList(RxKind::And, flat);
}

RegexId RegexBuilder::complement(RegexId r) {
  if (nodes.size() > 2 && nodes[r].kind == RxKind::Not)
    return nodes[r].a;
  uint8_t flags = (nodes[r].flags & kNullable) ? 0 : kNullable;
  if (r != kNothing)
    flags |= kBoolOps;
  return intern(RxKind::Not, r, 0, 0, flags);
}

RegexId RegexBuilder::repeat(RegexId r, uint32_t min, uint32_t max) {
  if (max < min)
    return kNothing;
  if (max == 0)
    return kEmpty;
  if (r == kNothing)
    return min == 0 ? kEmpty : kNothing;
  if (r == kEmpty)
    return kEmpty;
  if (min == 1 && max == 1)
    return r;
  const Node &n = nodes[r];
  if (n.kind == RxKind::Repeat && n.b == 0 && n.c == kUnbounded && min <= 1 && max == kUnbounded)
    return r; // (x*)* = (x*)+ = x*
  uint8_t flags = (n.flags & kBoolOps) | ((min == 0 || (n.flags & kNullable)) ? kNullable : 0);
  return intern(RxKind::Repeat, r, min, max, flags);
}

std::vector<uint8_t> liveStates(const DfaTable &table) {
  // A backward search from the accepting states over reversed edges (each
  // distinct edge once: many bytes usually lead to the same state).
  int32_t n = table.numStates();
  std::vector<std::pair<uint32_t, uint32_t>> edges; // (to, from)
  std::vector<int32_t> targets;
  for (int32_t s = 0; s < n; ++s) {
    targets.clear();
    for (int b = 0; b < 256; ++b)
      if (int32_t t = table.next[static_cast<size_t>(s) * 256 + b]; t >= 0)
        targets.push_back(t);
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    for (int32_t t : targets)
      edges.emplace_back(static_cast<uint32_t>(t), static_cast<uint32_t>(s));
  }
  std::sort(edges.begin(), edges.end());
  std::vector<uint32_t> predStart(static_cast<size_t>(n) + 1, 0);
  for (const auto &e : edges)
    ++predStart[e.first + 1];
  for (int32_t s = 0; s < n; ++s)
    predStart[static_cast<size_t>(s) + 1] += predStart[static_cast<size_t>(s)];
  std::vector<uint8_t> live(n, 0);
  std::vector<uint32_t> work;
  for (int32_t s = 0; s < n; ++s)
    if (table.accepting[s]) {
      live[s] = 1;
      work.push_back(static_cast<uint32_t>(s));
    }
  while (!work.empty()) {
    uint32_t t = work.back();
    work.pop_back();
    for (uint32_t i = predStart[t]; i < predStart[t + 1]; ++i)
      if (uint32_t p = edges[i].second; !live[p]) {
        live[p] = 1;
        work.push_back(p);
      }
  }
  return live;
}

uint32_t RegexBuilder::addDfa(DfaTable table) {
  // Equal tables (the same bound or divisor compiled twice) share an index.
  uint64_t hash = 1469598103934665603ull;
  auto mix = [&](uint64_t v) { hash = (hash ^ v) * 1099511628211ull; };
  for (int32_t t : table.next)
    mix(static_cast<uint32_t>(t));
  for (uint8_t a : table.accepting)
    mix(a + 0x100u);
  std::vector<uint32_t> &sameHash = dfaByHash[hash];
  for (uint32_t i : sameHash)
    if (dfas[i].next == table.next && dfas[i].accepting == table.accepting)
      return i;
  int32_t n = table.numStates();
  std::vector<uint8_t> live = liveStates(table);
  // The byte partition of this table, for byteClasses().
  std::array<uint32_t, 256> columnId{};
  {
    std::unordered_map<std::string, uint32_t> columns;
    for (int b = 0; b < 256; ++b) {
      std::string col;
      col.reserve(static_cast<size_t>(n) * 4);
      for (int32_t s = 0; s < n; ++s)
        appendU32(col, static_cast<uint32_t>(table.next[static_cast<size_t>(s) * 256 + b]));
      columnId[b] = columns.emplace(std::move(col), static_cast<uint32_t>(columns.size())).first->second;
    }
  }
  dfas.push_back(std::move(table));
  dfaLive.push_back(std::move(live));
  dfaColumns.push_back(columnId);
  uint32_t index = static_cast<uint32_t>(dfas.size() - 1);
  sameHash.push_back(index);
  classesValid = false;
  return index;
}

RegexId RegexBuilder::dfa(uint32_t table, int32_t state) {
  if (state < 0 || !dfaLive[table][state])
    return kNothing;
  return intern(RxKind::Dfa, table, static_cast<uint32_t>(state), 0,
                dfas[table].accepting[state] ? kNullable : 0);
}

RegexId RegexBuilder::derivative(RegexId r, uint8_t b) {
  if (r <= kEmpty)
    return kNothing;
  uint64_t key = (uint64_t(r) << 8) | b;
  auto it = derivativeCache.find(key);
  if (it != derivativeCache.end())
    return it->second;
  RegexId d = computeDerivative(r, b);
  derivativeCache.emplace(key, d);
  return d;
}

RegexId RegexBuilder::computeDerivative(RegexId r, uint8_t b) {
  Node n = nodes[r]; // copy: construction below may reallocate `nodes`
  switch (n.kind) {
  case RxKind::Nothing:
  case RxKind::Empty:
    return kNothing;
  case RxKind::Bytes:
    return byteSets[n.a].contains(b) ? kEmpty : kNothing;
  case RxKind::Concat: {
    RegexId first = concat(derivative(n.a, b), n.b);
    if (!(nodes[n.a].flags & kNullable))
      return first;
    return alt(first, derivative(n.b, b));
  }
  case RxKind::Or:
  case RxKind::And: {
    std::vector<RegexId> parts;
    parts.reserve(n.b);
    for (uint32_t i = 0; i < n.b; ++i)
      parts.push_back(derivative(listPool[n.a + i], b));
    return n.kind == RxKind::Or ? alt(std::move(parts)) : intersect(std::move(parts));
  }
  case RxKind::Not:
    return complement(derivative(n.a, b));
  case RxKind::Repeat: {
    uint32_t min = n.b > 0 ? n.b - 1 : 0;
    uint32_t max = n.c == kUnbounded ? kUnbounded : n.c - 1;
    return concat(derivative(n.a, b), repeat(n.a, min, max));
  }
  case RxKind::Dfa:
    return dfa(n.a, dfas[n.a].next[n.b * 256 + b]);
  }
  return kNothing;
}

RegexId RegexBuilder::derivative(RegexId r, std::string_view s) {
  for (char c : s) {
    if (r == kNothing)
      break;
    r = derivative(r, static_cast<uint8_t>(c));
  }
  return r;
}

bool RegexBuilder::matches(RegexId r, std::string_view text) { return nullable(derivative(r, text)); }

const ByteClasses &RegexBuilder::byteClasses() {
  if (classesValid)
    return classes;
  // Refine the one-class partition by every byte set and every DFA column.
  uint32_t cls[256] = {};
  uint32_t numClasses = 1;
  auto refine = [&](auto &&sameSide) {
    std::unordered_map<uint64_t, uint32_t> renumber;
    uint32_t next = 0;
    for (int b = 0; b < 256; ++b) {
      uint64_t key = (uint64_t(cls[b]) << 32) | sameSide(b);
      auto [it, inserted] = renumber.emplace(key, next);
      if (inserted)
        ++next;
      cls[b] = it->second;
    }
    numClasses = next;
  };
  for (const ByteSet &set : byteSets)
    refine([&](int b) -> uint32_t { return set.contains(static_cast<uint8_t>(b)); });
  for (const std::array<uint32_t, 256> &columnId : dfaColumns)
    refine([&](int b) -> uint32_t { return columnId[b]; });
  classes.representative.assign(numClasses, 0);
  std::vector<bool> seen(numClasses, false);
  for (int b = 0; b < 256; ++b) {
    classes.classOf[b] = static_cast<uint8_t>(cls[b]);
    if (!seen[cls[b]]) {
      seen[cls[b]] = true;
      classes.representative[cls[b]] = static_cast<uint8_t>(b);
    }
  }
  classesValid = true;
  return classes;
}

RegexBuilder::Emptiness RegexBuilder::emptiness(RegexId r, size_t budget) {
  Emptiness quick = quickEmptiness(r);
  if (quick != Emptiness::Unknown)
    return quick;
  // Breadth-first search for a nullable derivative. Bytes of one class have
  // equal derivatives, so one representative per class suffices.
  std::vector<uint8_t> reps = byteClasses().representative;
  std::unordered_set<RegexId> visited{r};
  std::deque<RegexId> queue{r};
  while (!queue.empty()) {
    RegexId s = queue.front();
    queue.pop_front();
    for (uint8_t b : reps) {
      RegexId d = derivative(s, b);
      if (d == kNothing || visited.count(d))
        continue;
      Emptiness known = quickEmptiness(d);
      if (known == Emptiness::NonEmpty) {
        emptinessCache[r] = false;
        return Emptiness::NonEmpty;
      }
      if (known == Emptiness::Empty)
        continue;
      if (visited.size() >= budget)
        return Emptiness::Unknown;
      visited.insert(d);
      queue.push_back(d);
    }
  }
  // Every reachable derivative is empty.
  for (RegexId s : visited)
    emptinessCache[s] = true;
  return Emptiness::Empty;
}

void RegexBuilder::print(RegexId r, std::string &out, int depth) const {
  if (depth > 40) {
    out += "...";
    return;
  }
  const Node &n = nodes[r];
  switch (n.kind) {
  case RxKind::Nothing:
    out += "[]";
    return;
  case RxKind::Empty:
    out += "()";
    return;
  case RxKind::Bytes: {
    const ByteSet &s = byteSets[n.a];
    if (s.count() == 1 && s.first() >= 0x20 && s.first() < 0x7f &&
        std::string_view("\\[]().*+?|&~{}").find(char(s.first())) == std::string_view::npos) {
      out += char(s.first());
      return;
    }
    if (s.isAll()) {
      out += "\\C";
      return;
    }
    out += '[';
    for (int b = 0; b < 256;) {
      if (!s.contains(static_cast<uint8_t>(b))) {
        ++b;
        continue;
      }
      int e = b;
      while (e + 1 < 256 && s.contains(static_cast<uint8_t>(e + 1)))
        ++e;
      auto hex = [&](int v) {
        static const char *digits = "0123456789abcdef";
        if (v >= 0x20 && v < 0x7f && v != '\\' && v != ']' && v != '-' && v != '^')
          out += char(v);
        else {
          out += "\\x";
          out += digits[v >> 4];
          out += digits[v & 15];
        }
      };
      hex(b);
      if (e > b) {
        out += '-';
        hex(e);
      }
      b = e + 1;
    }
    out += ']';
    return;
  }
  case RxKind::Concat:
    print(n.a, out, depth + 1);
    print(n.b, out, depth + 1);
    return;
  case RxKind::Or:
  case RxKind::And:
    out += '(';
    for (uint32_t i = 0; i < n.b; ++i) {
      if (i)
        out += n.kind == RxKind::Or ? "|" : "&";
      print(listPool[n.a + i], out, depth + 1);
    }
    out += ')';
    return;
  case RxKind::Not:
    out += "~(";
    print(n.a, out, depth + 1);
    out += ')';
    return;
  case RxKind::Repeat:
    out += '(';
    print(n.a, out, depth + 1);
    out += "){" + std::to_string(n.b) + "," + (n.c == kUnbounded ? std::string() : std::to_string(n.c)) + "}";
    return;
  case RxKind::Dfa:
    out += "dfa" + std::to_string(n.a) + ":" + std::to_string(n.b);
    return;
  }
}

std::string RegexBuilder::toString(RegexId r) const {
  std::string out;
  print(r, out, 0);
  return out;
}

} // namespace dec::cons
