//===- Grammar.cpp - Context-free grammars over lexemes -------------------===//
#include "runtime/constraint/Grammar.h"

namespace dec::cons {

//===----------------------------------------------------------------------===//
// StaticRule
//===----------------------------------------------------------------------===//

std::unique_ptr<StaticRule> StaticRule::choice(const std::vector<Symbol> &alternatives) {
  std::vector<State> states(2);
  for (Symbol s : alternatives)
    states[0].edges.push_back({s, 1});
  states[1].accepting = true;
  return std::make_unique<StaticRule>(std::move(states));
}

std::unique_ptr<StaticRule> StaticRule::sequence(const std::vector<Symbol> &symbols) {
  std::vector<State> states(symbols.size() + 1);
  for (size_t i = 0; i < symbols.size(); ++i)
    states[i].edges.push_back({symbols[i], static_cast<uint32_t>(i + 1)});
  states.back().accepting = true;
  return std::make_unique<StaticRule>(std::move(states));
}

namespace {
/// Backward reachability of accepting states over edges that `usable` allows.
template <typename Usable>
std::vector<uint8_t> coReachable(const std::vector<StaticRule::State> &states, Usable usable) {
  std::vector<uint8_t> live(states.size(), 0);
  for (size_t s = 0; s < states.size(); ++s)
    live[s] = states[s].accepting;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t s = 0; s < states.size(); ++s) {
      if (live[s])
        continue;
      for (auto [sym, target] : states[s].edges)
        if (target < states.size() && live[target] && usable(sym)) {
          live[s] = 1;
          changed = true;
          break;
        }
    }
  }
  return live;
}
} // namespace

bool StaticRule::productive(const Grammar &g) {
  return coReachable(states, [&](Symbol s) { return g.productive(s); })[start_];
}

bool StaticRule::nullable(const Grammar &g) {
  return coReachable(states, [&](Symbol s) { return g.nullable(s); })[start_];
}

void StaticRule::computeLive(const Grammar &g) {
  live = coReachable(states, [&](Symbol s) { return g.productive(s); });
}

void StaticRule::expand(const Grammar &g, uint32_t state, std::vector<std::pair<Symbol, uint32_t>> &edges,
                        bool &accepting) {
  if (live.empty())
    computeLive(g);
  accepting = states[state].accepting;
  for (auto [sym, target] : states[state].edges)
    if (live[target] && g.productive(sym))
      edges.push_back({sym, target});
}

//===----------------------------------------------------------------------===//
// Grammar
//===----------------------------------------------------------------------===//

uint32_t Grammar::addLexeme(RegexId regex) {
  auto [it, inserted] = lexemeIndex.emplace(regex, static_cast<uint32_t>(lexemes.size()));
  if (inserted)
    lexemes.push_back(regex);
  return it->second;
}

uint32_t Grammar::addNonterminal(std::string name) {
  nonterminals.push_back({});
  nonterminals.back().name = std::move(name);
  return static_cast<uint32_t>(nonterminals.size() - 1);
}

void Grammar::setRule(uint32_t nt, std::unique_ptr<RuleSource> rule) { nonterminals[nt].rule = std::move(rule); }

bool Grammar::finalize() {
  lexemeLive.assign(lexemes.size(), 0);
  for (size_t i = 0; i < lexemes.size(); ++i)
    // A lexeme must match a non-empty string: an empty match would let the
    // lexer loop without consuming input.
    lexemeLive[i] = !rx.nullable(lexemes[i]) && rx.isLive(lexemes[i], 20000);
  for (bool changed = true; changed;) {
    changed = false;
    for (Nonterminal &nt : nonterminals)
      if (!nt.productive && nt.rule && nt.rule->productive(*this))
        nt.productive = changed = true;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (Nonterminal &nt : nonterminals)
      if (!nt.nullable && nt.productive && nt.rule->nullable(*this))
        nt.nullable = changed = true;
  }
  return productive(start_);
}

RuleStateId Grammar::globalState(uint32_t nt, uint32_t local) {
  std::vector<int32_t> &map = nonterminals[nt].localToGlobal;
  if (local >= map.size())
    map.resize(local + 1, -1);
  if (map[local] < 0) {
    map[local] = static_cast<int32_t>(states.size());
    states.push_back({nt});
    stateLocal.push_back(local);
  }
  return static_cast<RuleStateId>(map[local]);
}

RuleStateId Grammar::startState(uint32_t nt) { return globalState(nt, nonterminals[nt].rule->start()); }

void Grammar::expand(RuleStateId id) {
  uint32_t nt = states[id].nonterminal;
  std::vector<std::pair<Symbol, uint32_t>> local;
  bool accepting = false;
  nonterminals[nt].rule->expand(*this, stateLocal[id], local, accepting);
  std::vector<RuleEdge> edges;
  edges.reserve(local.size());
  for (auto [sym, target] : local)
    edges.push_back({sym, globalState(nt, target)});
  states[id].edges = std::move(edges);
  states[id].accepting = accepting;
  states[id].expanded = true;
}

} // namespace dec::cons
