//===- Parser.cpp - Earley parsing over lexemes ---------------------------===//
//
// Prediction, scanning and completion over rule automata. Nullable
// nonterminals are handled as Aycock and Horspool do: predicting a nullable
// nonterminal also advances over it, so an item never needs completing into
// the row it started in.
//
// Rows are interned by content. An item that started in its own row stores
// the origin kSelf instead of the row's id, so two rows reached by different
// paths but with the same items and the same outside origins are one row:
// a character-level grammar looping over a class (GBNF `[^"]*`) then walks a
// small graph of rows instead of creating one per character.
//
//===----------------------------------------------------------------------===//
#include "runtime/constraint/Parser.h"

#include <algorithm>

namespace dec::cons {

namespace {
constexpr RowId kSelf = UINT32_MAX - 1;
}

Parser::Parser(Grammar &grammar, Lexer &lexer) : grammar(grammar), lexer(lexer) {
  startNonterminal = static_cast<uint32_t>(grammar.start());
  scratch.clear();
  seen.clear();
  add(grammar.startState(startNonterminal), 0);
  closeRow();
  rows[0].accepting = grammar.nullable(grammar.start());
}

void Parser::add(RuleStateId state, RowId origin) {
  if (seen.insert((uint64_t(state) << 32) | origin).second)
    scratch.push_back({state, origin});
}

std::vector<Parser::Item> Parser::items(RowId r) const {
  std::vector<Item> out(itemPool.begin() + rows[r].begin, itemPool.begin() + rows[r].end);
  for (Item &it : out)
    if (it.origin == kSelf)
      it.origin = r;
  return out;
}

RowId Parser::build(RowId parent, const std::vector<uint32_t> &completed) {
  scratch.clear();
  seen.clear();
  const Row p = rows[parent];
  bool ignored = false;
  for (uint32_t lexeme : completed)
    ignored = ignored || grammar.isIgnored(lexeme);
  for (uint32_t i = p.begin; i < p.end; ++i) {
    Item it = itemPool[i];
    RowId origin = it.origin == kSelf ? parent : it.origin;
    // A skipped lexeme (%ignore) leaves every item where it was.
    if (ignored)
      add(it.state, origin);
    const RuleState &st = grammar.state(it.state);
    for (const RuleEdge &e : st.edges)
      if (isLexeme(e.symbol) && std::binary_search(completed.begin(), completed.end(), lexemeOf(e.symbol)))
        add(e.target, origin);
  }
  if (scratch.empty())
    return kDeadRow;
  return closeRow();
}

RowId Parser::closeRow() {
  RowId current = static_cast<RowId>(rows.size());
  allowed.clear();
  bool accepting = false;
  for (size_t i = 0; i < scratch.size(); ++i) {
    Item it = scratch[i];
    const RuleState &st = grammar.state(it.state);
    if (st.accepting && it.origin != current) {
      Symbol nt = static_cast<Symbol>(st.nonterminal);
      if (st.nonterminal == startNonterminal && it.origin == 0)
        accepting = true;
      const Row origin = rows[it.origin];
      for (uint32_t k = origin.begin; k < origin.end; ++k) {
        Item parentItem = itemPool[k];
        RowId parentOrigin = parentItem.origin == kSelf ? it.origin : parentItem.origin;
        for (const RuleEdge &e : grammar.state(parentItem.state).edges)
          if (e.symbol == nt)
            add(e.target, parentOrigin);
      }
    }
    for (const RuleEdge &e : st.edges) {
      if (isLexeme(e.symbol)) {
        allowed.push_back(lexemeOf(e.symbol));
      } else {
        add(grammar.startState(static_cast<uint32_t>(e.symbol)), current);
        if (grammar.nullable(e.symbol))
          add(e.target, it.origin);
      }
    }
  }
  const std::vector<uint32_t> &ignored = grammar.ignoredLexemes();
  allowed.insert(allowed.end(), ignored.begin(), ignored.end());
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  // Canonical content: self-origins as kSelf, items sorted.
  for (Item &it : scratch)
    if (it.origin == current)
      it.origin = kSelf;
  std::sort(scratch.begin(), scratch.end(),
            [](const Item &a, const Item &b) { return a.state != b.state ? a.state < b.state : a.origin < b.origin; });
  std::string key(reinterpret_cast<const char *>(scratch.data()), scratch.size() * sizeof(Item));
  key += static_cast<char>(accepting);
  auto known = rowIndex.find(key);
  if (known != rowIndex.end())
    return known->second;
  Row row;
  row.begin = static_cast<uint32_t>(itemPool.size());
  itemPool.insert(itemPool.end(), scratch.begin(), scratch.end());
  row.end = static_cast<uint32_t>(itemPool.size());
  row.lexStart = lexer.start(allowed);
  row.accepting = accepting;
  rows.push_back(row);
  rowIndex.emplace(std::move(key), current);
  return current;
}

} // namespace dec::cons
