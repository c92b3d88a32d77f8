//===- RuleExpr.cpp - Right-hand sides of grammar rules -------------------===//
#include "runtime/constraint/RuleExpr.h"

#include <algorithm>

namespace dec::cons {

namespace {

/// Thompson NFA with epsilon edges.
struct Nfa {
  struct State {
    std::vector<std::pair<Symbol, uint32_t>> edges;
    std::vector<uint32_t> epsilon;
  };
  std::vector<State> states;
  size_t maxStates;
  bool overflow = false;

  uint32_t add() {
    if (states.size() >= maxStates) {
      overflow = true;
      return 0;
    }
    states.emplace_back();
    return static_cast<uint32_t>(states.size() - 1);
  }
  /// Builds `e` between fresh states; returns (entry, exit).
  std::pair<uint32_t, uint32_t> build(const RuleExpr &e) {
    if (overflow)
      return {0, 0};
    switch (e.kind) {
    case RuleExpr::Kind::Symbol: {
      uint32_t a = add(), b = add();
      if (!overflow)
        states[a].edges.push_back({e.symbol, b});
      return {a, b};
    }
    case RuleExpr::Kind::Sequence: {
      uint32_t a = add(), cur = a;
      for (const RuleExpr &item : e.items) {
        auto [in, out] = build(item);
        if (overflow)
          return {0, 0};
        states[cur].epsilon.push_back(in);
        cur = out;
      }
      return {a, cur};
    }
    case RuleExpr::Kind::Choice: {
      uint32_t a = add(), b = add();
      for (const RuleExpr &item : e.items) {
        auto [in, out] = build(item);
        if (overflow)
          return {0, 0};
        states[a].epsilon.push_back(in);
        states[out].epsilon.push_back(b);
      }
      return {a, b};
    }
    case RuleExpr::Kind::Repeat: {
      // min copies, then (max - min) optional copies or a loop.
      uint32_t a = add(), cur = a;
      for (uint32_t i = 0; i < e.min && !overflow; ++i) {
        auto [in, out] = build(e.items[0]);
        if (overflow)
          return {0, 0};
        states[cur].epsilon.push_back(in);
        cur = out;
      }
      if (e.max == kUnbounded) {
        auto [in, out] = build(e.items[0]);
        if (overflow)
          return {0, 0};
        uint32_t end = add();
        states[cur].epsilon.push_back(in);
        states[cur].epsilon.push_back(end);
        states[out].epsilon.push_back(in);
        states[out].epsilon.push_back(end);
        return {a, end};
      }
      uint32_t end = add();
      for (uint32_t i = e.min; i < e.max && !overflow; ++i) {
        auto [in, out] = build(e.items[0]);
        if (overflow)
          return {0, 0};
        states[cur].epsilon.push_back(in);
        states[cur].epsilon.push_back(end);
        cur = out;
      }
      if (!overflow)
        states[cur].epsilon.push_back(end);
      return {a, end};
    }
    }
    return {0, 0};
  }
};

} // namespace

bool toRule(const RuleExpr &e, std::unique_ptr<StaticRule> &out, size_t maxStates) {
  Nfa nfa;
  nfa.maxStates = maxStates;
  auto [entry, exit] = nfa.build(e);
  if (nfa.overflow)
    return false;
  // Epsilon removal: a state gets the symbol edges and acceptance of its
  // epsilon closure. Only states reachable through symbol edges are kept.
  size_t n = nfa.states.size();
  std::vector<std::vector<uint32_t>> closure(n);
  std::vector<uint32_t> mark(n, UINT32_MAX);
  for (uint32_t s = 0; s < n; ++s) {
    std::vector<uint32_t> work{s};
    mark[s] = s;
    while (!work.empty()) {
      uint32_t t = work.back();
      work.pop_back();
      closure[s].push_back(t);
      for (uint32_t u : nfa.states[t].epsilon)
        if (mark[u] != s) {
          mark[u] = s;
          work.push_back(u);
        }
    }
  }
  std::vector<int32_t> renumber(n, -1);
  std::vector<uint32_t> order{entry};
  renumber[entry] = 0;
  std::vector<StaticRule::State> states;
  for (size_t i = 0; i < order.size(); ++i) {
    uint32_t s = order[i];
    StaticRule::State st;
    for (uint32_t t : closure[s]) {
      if (t == exit)
        st.accepting = true;
      for (auto [sym, target] : nfa.states[t].edges) {
        if (renumber[target] < 0) {
          renumber[target] = static_cast<int32_t>(order.size());
          order.push_back(target);
        }
        st.edges.push_back({sym, static_cast<uint32_t>(renumber[target])});
      }
    }
    std::sort(st.edges.begin(), st.edges.end());
    st.edges.erase(std::unique(st.edges.begin(), st.edges.end()), st.edges.end());
    states.push_back(std::move(st));
  }
  out = std::make_unique<StaticRule>(std::move(states));
  return true;
}

} // namespace dec::cons
