//===- NumberRegex.cpp - JSON numbers with exact bounds and divisors ------===//
#include "runtime/constraint/NumberRegex.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>
#include <vector>

namespace dec::cons {

//===----------------------------------------------------------------------===//
// Decimal
//===----------------------------------------------------------------------===//

bool Decimal::parse(const std::string &text, Decimal &out) {
  size_t i = 0, n = text.size();
  Decimal d;
  if (i < n && text[i] == '-') {
    d.negative = true;
    ++i;
  }
  std::string digits;
  long pointPos;
  size_t start = i;
  while (i < n && isdigit(static_cast<unsigned char>(text[i])))
    digits += text[i++];
  if (i == start)
    return false;
  pointPos = static_cast<long>(digits.size());
  if (i < n && text[i] == '.') {
    ++i;
    size_t fs = i;
    while (i < n && isdigit(static_cast<unsigned char>(text[i])))
      digits += text[i++];
    if (i == fs)
      return false;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negExp = false;
    if (i < n && (text[i] == '+' || text[i] == '-'))
      negExp = text[i++] == '-';
    size_t es = i;
    long e = 0;
    while (i < n && isdigit(static_cast<unsigned char>(text[i]))) {
      e = e * 10 + (text[i++] - '0');
      if (e > 100000)
        return false;
    }
    if (i == es)
      return false;
    pointPos += negExp ? -e : e;
  }
  if (i != n)
    return false;
  // Place the point; pad with zeros on either side.
  if (pointPos < 0) {
    digits.insert(0, static_cast<size_t>(-pointPos), '0');
    pointPos = 0;
  }
  if (static_cast<size_t>(pointPos) > digits.size())
    digits.append(static_cast<size_t>(pointPos) - digits.size(), '0');
  if (digits.size() > 100000)
    return false;
  std::string intPart = digits.substr(0, static_cast<size_t>(pointPos));
  std::string frac = digits.substr(static_cast<size_t>(pointPos));
  size_t nz = intPart.find_first_not_of('0');
  d.intDigits = nz == std::string::npos ? "0" : intPart.substr(nz);
  size_t last = frac.find_last_not_of('0');
  d.fracDigits = last == std::string::npos ? "" : frac.substr(0, last + 1);
  if (d.isZero())
    d.negative = false;
  out = d;
  return true;
}

std::string Decimal::toString() const {
  std::string s = negative ? "-" : "";
  s += intDigits;
  if (!fracDigits.empty())
    s += "." + fracDigits;
  return s;
}

namespace {
/// Compares magnitudes.
int compareMagnitude(const Decimal &a, const Decimal &b) {
  if (a.intDigits.size() != b.intDigits.size())
    return a.intDigits.size() < b.intDigits.size() ? -1 : 1;
  int c = a.intDigits.compare(b.intDigits);
  if (c)
    return c < 0 ? -1 : 1;
  c = a.fracDigits.compare(b.fracDigits); // no trailing zeros: lexicographic is numeric
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}
} // namespace

int compareDecimal(const Decimal &a, const Decimal &b) {
  if (a.negative != b.negative)
    return a.negative ? -1 : 1;
  int m = compareMagnitude(a, b);
  return a.negative ? -m : m;
}

//===----------------------------------------------------------------------===//
// DFA construction helpers
//===----------------------------------------------------------------------===//

namespace {

/// Builds an explicit DFA whose states are identified by small integer
/// tuples, discovered breadth-first from the start state.
class DfaBuilder {
public:
  using Key = std::vector<long>;
  int32_t state(const Key &key) {
    auto it = ids.find(key);
    if (it != ids.end())
      return it->second;
    int32_t id = static_cast<int32_t>(keys.size());
    ids.emplace(key, id);
    keys.push_back(key);
    table.next.insert(table.next.end(), 256, -1);
    table.accepting.push_back(0);
    return id;
  }
  /// Runs `expand(key, id)` on every state until none is new.
  template <typename Expand> bool run(Expand expand, size_t maxStates) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys.size() > maxStates)
        return false;
      Key k = keys[i];
      expand(k, static_cast<int32_t>(i));
    }
    return true;
  }
  void edge(int32_t from, uint8_t byte, int32_t to) { table.next[static_cast<size_t>(from) * 256 + byte] = to; }
  void accept(int32_t s) { table.accepting[s] = 1; }
  DfaTable take() { return std::move(table); }

private:
  std::map<Key, int32_t> ids;
  std::vector<Key> keys;
  DfaTable table;
};

enum class Cmp { Ge, Gt, Le, Lt };

bool satisfies(int r, Cmp op) {
  switch (op) {
  case Cmp::Ge:
    return r >= 0;
  case Cmp::Gt:
    return r > 0;
  case Cmp::Le:
    return r <= 0;
  case Cmp::Lt:
    return r < 0;
  }
  return false;
}

int sign(int c) { return c < 0 ? -1 : c > 0 ? 1 : 0; }

/// DFA over magnitude spellings (0|[1-9][0-9]*)(\.[0-9]+)? whose value `op`s
/// the non-negative constant `c`. With `integerOnly` the fraction must be
/// zeros.
DfaTable magnitudeCompare(const Decimal &c, Cmp op, bool integerOnly) {
  const std::string &ci = c.intDigits, &cf = c.fracDigits;
  const long L = static_cast<long>(ci.size()), F = static_cast<long>(cf.size());
  // The comparison of a value equal to c's integer part but without fraction.
  auto finalCmp = [&](int intCmp) { return intCmp != 0 ? intCmp : (F > 0 ? -1 : 0); };
  enum Phase { Start, IntZero, Int, Dot, FracDone, FracEq };
  DfaBuilder b;
  b.state({Start, 0, 0});
  b.run(
      [&](const DfaBuilder::Key &k, int32_t id) {
        long phase = k[0], a = k[1], s = k[2];
        auto intCmpOf = [&](long digits, long prefix) -> int {
          return digits < L ? -1 : digits == L ? static_cast<int>(prefix) : 1;
        };
        auto gotoDot = [&](int intCmp) { b.edge(id, '.', b.state({Dot, intCmp, 0})); };
        switch (phase) {
        case Start:
          b.edge(id, '0', b.state({IntZero, 0, 0}));
          for (int d = 1; d <= 9; ++d)
            b.edge(id, static_cast<uint8_t>('0' + d), b.state({Int, 1, sign(('0' + d) - ci[0])}));
          break;
        case IntZero: {
          int intCmp = ci == "0" ? 0 : -1;
          if (satisfies(finalCmp(intCmp), op))
            b.accept(id);
          gotoDot(intCmp);
          break;
        }
        case Int: {
          int intCmp = intCmpOf(a, s);
          if (satisfies(finalCmp(intCmp), op))
            b.accept(id);
          for (int d = 0; d <= 9; ++d) {
            long na = a < L ? a + 1 : L + 1;
            long ns = a < L ? (s != 0 ? s : sign(('0' + d) - ci[a])) : 0;
            b.edge(id, static_cast<uint8_t>('0' + d), b.state({Int, na, ns}));
          }
          gotoDot(intCmp);
          break;
        }
        case Dot: // a = comparison of the integer part; a digit must follow
        case FracDone: {
          if (phase == FracDone && satisfies(finalCmp(static_cast<int>(a)), op))
            b.accept(id);
          for (int d = 0; d <= 9; ++d) {
            if (integerOnly && d != 0)
              continue;
            if (a != 0 || integerOnly)
              b.edge(id, static_cast<uint8_t>('0' + d), b.state({FracDone, a, 0}));
            else // equal integer parts: compare the fraction
              b.edge(id, static_cast<uint8_t>('0' + d),
                     b.state({FracEq, std::min(1L, F), sign(('0' + d) - (F > 0 ? cf[0] : '0'))}));
          }
          break;
        }
        case FracEq: { // a = fraction digits read (capped at F), s = status
          int r = s != 0 ? static_cast<int>(s) : (a < F ? -1 : 0);
          if (satisfies(r, op))
            b.accept(id);
          for (int d = 0; d <= 9; ++d) {
            long ns = s != 0 ? s : sign(('0' + d) - (a < F ? cf[a] : '0'));
            b.edge(id, static_cast<uint8_t>('0' + d), b.state({FracEq, std::min(a + 1, F), ns}));
          }
          break;
        }
        }
      },
      SIZE_MAX);
  return b.take();
}

/// DFA over magnitude spellings whose value is a multiple of a / 10^scale.
bool multipleOfDfa(uint64_t a, long scale, bool integerOnly, DfaTable &out) {
  enum Phase { Start, IntZero, Int, Dot, Frac, Beyond };
  auto pow10mod = [&](long e) {
    uint64_t p = 1 % a;
    for (long i = 0; i < e; ++i)
      p = (p * 10) % a;
    return p;
  };
  DfaBuilder b;
  b.state({Start, 0, 0});
  bool ok = b.run(
      [&](const DfaBuilder::Key &k, int32_t id) {
        long phase = k[0];
        uint64_t r = static_cast<uint64_t>(k[1]);
        long j = k[2];
        auto digitEdges = [&](auto target) {
          for (int d = 0; d <= 9; ++d) {
            if (integerOnly && phase >= Dot && d != 0)
              continue;
            DfaBuilder::Key t = target(d);
            if (!t.empty())
              b.edge(id, static_cast<uint8_t>('0' + d), b.state(t));
          }
        };
        switch (phase) {
        case Start:
          b.edge(id, '0', b.state({IntZero, 0, 0}));
          for (int d = 1; d <= 9; ++d)
            b.edge(id, static_cast<uint8_t>('0' + d), b.state({Int, static_cast<long>(d % a), 0}));
          break;
        case IntZero:
        case Int:
          if ((r * pow10mod(scale)) % a == 0)
            b.accept(id);
          if (phase == Int)
            digitEdges([&](int d) { return DfaBuilder::Key{Int, static_cast<long>((r * 10 + d) % a), 0}; });
          b.edge(id, '.', b.state({Dot, static_cast<long>(r), 0}));
          break;
        case Dot:
        case Frac:
          if (phase == Frac && (r * pow10mod(scale - j)) % a == 0)
            b.accept(id);
          digitEdges([&](int d) -> DfaBuilder::Key {
            if (j < scale)
              return {Frac, static_cast<long>((r * 10 + d) % a), j + 1};
            if (d == 0)
              return {Beyond, static_cast<long>(r), 0};
            return {};
          });
          break;
        case Beyond:
          if (r % a == 0)
            b.accept(id);
          b.edge(id, '0', id);
          break;
        }
      },
      200000);
  if (!ok)
    return false;
  out = b.take();
  return true;
}

/// DFA of magnitude spellings (0|[1-9][0-9]*)(\.[0-9]+)?: with `integerOnly`
/// the fraction digits are zeros, with `noFraction` there is no fraction.
DfaTable magnitudeSyntax(bool integerOnly, bool noFraction) {
  enum Phase { Start, Zero, Int, Dot, Frac };
  DfaBuilder b;
  b.state({Start});
  b.run(
      [&](const DfaBuilder::Key &k, int32_t id) {
        auto fraction = [&](Phase to) {
          for (int d = 0; d <= 9; ++d)
            if (!integerOnly || d == 0)
              b.edge(id, static_cast<uint8_t>('0' + d), b.state({to}));
        };
        switch (k[0]) {
        case Start:
          b.edge(id, '0', b.state({Zero}));
          for (int d = 1; d <= 9; ++d)
            b.edge(id, static_cast<uint8_t>('0' + d), b.state({Int}));
          break;
        case Zero:
        case Int:
          b.accept(id);
          if (k[0] == Int)
            for (int d = 0; d <= 9; ++d)
              b.edge(id, static_cast<uint8_t>('0' + d), b.state({Int}));
          if (!noFraction)
            b.edge(id, '.', b.state({Dot}));
          break;
        case Dot:
          fraction(Frac);
          break;
        case Frac:
          b.accept(id);
          fraction(Frac);
          break;
        }
      },
      SIZE_MAX);
  return b.take();
}

/// The product of DFAs (their intersection) from their start states, with
/// only its live states (those from which an accepting state is reachable):
/// a range with a divisor keeps a few states per admissible prefix. The
/// search runs over the bytes the first table uses (the magnitude syntax:
/// digits and the point) and gives up beyond `maxStates` reachable states.
bool productDfa(const std::vector<DfaTable> &tables, size_t maxStates, DfaTable &out) {
  std::vector<std::vector<uint8_t>> live;
  for (const DfaTable &t : tables)
    live.push_back(liveStates(t));
  std::vector<uint8_t> alphabet;
  for (int byte = 0; byte < 256; ++byte)
    for (int32_t s = 0; s < tables[0].numStates(); ++s)
      if (tables[0].next[static_cast<size_t>(s) * 256 + byte] >= 0) {
        alphabet.push_back(static_cast<uint8_t>(byte));
        break;
      }
  const size_t k = tables.size(), width = alphabet.size();
  std::unordered_map<std::string, int32_t> ids;
  std::vector<std::string> keys;
  std::vector<int32_t> next;     // states x alphabet, -1: none
  std::vector<uint8_t> accepting;
  auto stateOf = [&](const std::string &key) {
    auto [it, inserted] = ids.emplace(key, static_cast<int32_t>(keys.size()));
    if (inserted) {
      keys.push_back(key);
      next.insert(next.end(), width, -1);
      accepting.push_back(0);
    }
    return it->second;
  };
  auto component = [&](const std::string &key, size_t i) {
    int32_t v;
    std::memcpy(&v, key.data() + i * 4, 4);
    return v;
  };
  for (size_t i = 0; i < k; ++i)
    if (!live[i][0]) {
      out = DfaTable{};
      out.next.assign(256, -1);
      out.accepting.assign(1, 0);
      return true;
    }
  stateOf(std::string(k * 4, '\0'));
  std::string key(k * 4, '\0');
  for (size_t s = 0; s < keys.size(); ++s) {
    if (keys.size() > maxStates)
      return false;
    const std::string cur = keys[s];
    bool acc = true;
    for (size_t i = 0; i < k; ++i)
      acc = acc && tables[i].accepting[component(cur, i)];
    accepting[s] = acc;
    for (size_t c = 0; c < width; ++c) {
      bool alive = true;
      for (size_t i = 0; i < k && alive; ++i) {
        int32_t x = tables[i].next[static_cast<size_t>(component(cur, i)) * 256 + alphabet[c]];
        alive = x >= 0 && live[i][x];
        std::memcpy(key.data() + i * 4, &x, 4);
      }
      if (alive) {
        int32_t t = stateOf(key);
        next[s * width + c] = t;
      }
    }
  }
  // Keep the live states, renumbered in discovery order (the start first);
  // liveness by a backward search over the narrow table.
  const size_t n = keys.size();
  std::vector<std::vector<int32_t>> preds(n);
  for (size_t s = 0; s < n; ++s)
    for (size_t c = 0; c < width; ++c)
      if (int32_t t = next[s * width + c]; t >= 0 && (preds[t].empty() || preds[t].back() != static_cast<int32_t>(s)))
        preds[t].push_back(static_cast<int32_t>(s));
  std::vector<uint8_t> alive(accepting.begin(), accepting.end());
  std::vector<int32_t> work;
  for (size_t s = 0; s < n; ++s)
    if (alive[s])
      work.push_back(static_cast<int32_t>(s));
  while (!work.empty()) {
    int32_t t = work.back();
    work.pop_back();
    for (int32_t p : preds[t])
      if (!alive[p]) {
        alive[p] = 1;
        work.push_back(p);
      }
  }
  std::vector<int32_t> renumber(n, -1);
  int32_t count = 0;
  for (size_t s = 0; s < n; ++s)
    if (alive[s] || s == 0)
      renumber[s] = count++;
  out = DfaTable{};
  out.next.assign(static_cast<size_t>(count) * 256, -1);
  out.accepting.assign(static_cast<size_t>(count), 0);
  for (size_t s = 0; s < n; ++s) {
    if (renumber[s] < 0)
      continue;
    out.accepting[renumber[s]] = accepting[s];
    for (size_t c = 0; c < width; ++c) {
      int32_t t = next[s * width + c];
      if (t >= 0 && renumber[t] >= 0 && alive[t])
        out.next[static_cast<size_t>(renumber[s]) * 256 + alphabet[c]] = renumber[t];
    }
  }
  return true;
}

/// The largest product automaton built for one sign of a number (beyond it
/// the components stay separate, intersected lazily).
constexpr size_t kMaxProductStates = 200000;

RegexId digits(RegexBuilder &rx) { return rx.bytes(ByteSet::range('0', '9')); }

/// (0|[1-9][0-9]*)
RegexId integerPart(RegexBuilder &rx) {
  return rx.alt(rx.byte('0'), rx.concat(rx.bytes(ByteSet::range('1', '9')), rx.star(digits(rx))));
}

} // namespace

namespace {
bool numberRegexUncached(RegexBuilder &rx, const NumberSpec &spec, RegexId &out, std::string &error) {
  RegexId fraction = spec.integerOnly ? rx.concat(rx.byte('.'), rx.plus(rx.byte('0')))
                                      : rx.concat(rx.byte('.'), rx.plus(digits(rx)));
  bool noFraction = spec.integerOnly && !spec.zeroFractionInteger;
  RegexId magnitude = rx.concat(integerPart(rx), noFraction ? kEmpty : rx.optional(fraction));
  // Exponent notation is accepted where no digit-level check is needed: in
  // a sign branch whose bounds hold for every value of that sign (e.g. the
  // positive branch of "minimum": 0), and never for integers (1e2 is one,
  // 1.5e0 is not: deciding needs arithmetic on the exponent).
  RegexId exponent = rx.concat({rx.bytes(ByteSet::single('e') | ByteSet::single('E')),
                                rx.optional(rx.bytes(ByteSet::single('+') | ByteSet::single('-'))),
                                rx.plus(digits(rx))});
  RegexId withExponent = spec.integerOnly ? magnitude : rx.concat(magnitude, rx.optional(exponent));
  // Each divisor as a / 10^scale.
  std::vector<std::pair<uint64_t, long>> ratios;
  for (const Decimal &m : spec.multipleOf) {
    std::string all = m.intDigits + m.fracDigits;
    size_t nz = all.find_first_not_of('0');
    std::string aDigits = nz == std::string::npos ? "0" : all.substr(nz);
    if (aDigits.size() > 12) {
      error = "multipleOf " + m.toString() + " has too many digits";
      return false;
    }
    uint64_t a = std::stoull(aDigits);
    if (a == 0) {
      error = "multipleOf must be positive";
      return false;
    }
    ratios.emplace_back(a, static_cast<long>(m.fracDigits.size()));
  }
  // Several divisors: a value is a multiple of each exactly when it is a
  // multiple of their least common multiple, one automaton instead of a
  // product (kept separate when the lcm would be too large).
  if (ratios.size() > 1) {
    long scale = 0;
    for (const auto &r : ratios)
      scale = std::max(scale, r.second);
    const unsigned __int128 limit = 1000000000000ull; // 12 digits, as above
    unsigned __int128 lcm = 1;
    bool fits = true;
    for (const auto &r : ratios) {
      unsigned __int128 a = r.first;
      for (long i = r.second; i < scale && fits; ++i)
        fits = (a *= 10) < limit * 1000000;
      if (!fits)
        break;
      unsigned __int128 x = lcm, y = a;
      while (y) {
        unsigned __int128 t = x % y;
        x = y;
        y = t;
      }
      lcm = lcm / x * a;
      fits = lcm < limit * 1000000;
      if (!fits)
        break;
    }
    while (fits && scale > 0 && lcm % 10 == 0) {
      lcm /= 10;
      --scale;
    }
    if (fits && lcm < limit)
      ratios = {{static_cast<uint64_t>(lcm), scale}};
  }
  std::vector<DfaTable> divisors;
  for (size_t i = 0; i < ratios.size(); ++i) {
    DfaTable d;
    if (!multipleOfDfa(ratios[i].first, ratios[i].second, spec.integerOnly, d)) {
      error = "multipleOf " + (ratios.size() == spec.multipleOf.size() ? spec.multipleOf[i].toString()
                                                                       : std::to_string(ratios[i].first) + "e-" +
                                                                             std::to_string(ratios[i].second)) +
              " needs too large an automaton";
      return false;
    }
    divisors.push_back(std::move(d));
  }

  // Value = +m or -m: turn the bounds on the value into bounds on m.
  auto branch = [&](bool negative) -> RegexId {
    std::vector<DfaTable> parts = divisors;
    auto bound = [&](const NumberBound &bd, bool isLower) -> bool {
      // Constraint on the value: v >= c (isLower) or v <= c, strict if exclusive.
      // With v = s*m: for s = -1 the inequality flips and c is negated.
      Decimal c = negative ? bd.value.negated() : bd.value;
      bool lowerOnM = negative ? !isLower : isLower;
      if (c.negative) {
        // m >= negative or m > negative: always; m <= / < negative: never.
        return lowerOnM;
      }
      Cmp op = lowerOnM ? (bd.exclusive ? Cmp::Gt : Cmp::Ge) : (bd.exclusive ? Cmp::Lt : Cmp::Le);
      if (lowerOnM && c.isZero() && !bd.exclusive)
        return true; // m >= 0
      parts.push_back(magnitudeCompare(c, op, spec.integerOnly));
      return true;
    };
    if (spec.lower && !bound(*spec.lower, true))
      return kNothing;
    if (spec.upper && !bound(*spec.upper, false))
      return kNothing;
    if (parts.empty())
      return withExponent;
    // One explicit DFA for the whole branch: its dead states are known up
    // front, so the lexer never has to search a product of automata to learn
    // that a prefix can still complete (with a divisor of thousands of
    // states that search would give up and wrongly reject the prefix).
    parts.insert(parts.begin(), magnitudeSyntax(spec.integerOnly, noFraction));
    DfaTable product;
    if (productDfa(parts, kMaxProductStates, product))
      return rx.dfa(rx.addDfa(std::move(product)), 0);
    std::vector<RegexId> ids{magnitude};
    for (size_t i = 1; i < parts.size(); ++i)
      ids.push_back(rx.dfa(rx.addDfa(std::move(parts[i])), 0));
    return rx.intersect(ids);
  };
  RegexId positive = branch(false);
  RegexId negative = rx.concat(rx.byte('-'), branch(true));
  out = rx.alt(positive, negative);
  return true;
}

} // namespace

bool numberRegex(RegexBuilder &rx, const NumberSpec &spec, RegexId &out, std::string &error) {
  // The same spec recurs (the narrow and wide parts of a scalar, every
  // conjunction that shares a numeric subschema): build it once.
  std::string key = std::string("number:") + (spec.integerOnly ? "i" : "n") + (spec.zeroFractionInteger ? "z" : "-");
  auto bound = [&](const std::optional<NumberBound> &b) {
    key += b ? (b->exclusive ? "(" : "[") + b->value.toString() : std::string("*");
  };
  bound(spec.lower);
  bound(spec.upper);
  for (const Decimal &m : spec.multipleOf)
    key += "%" + m.toString();
  if (const RegexId *known = rx.memoized(key)) {
    out = *known;
    return true;
  }
  if (!numberRegexUncached(rx, spec, out, error))
    return false;
  rx.memoize(key, out);
  return true;
}

} // namespace dec::cons
