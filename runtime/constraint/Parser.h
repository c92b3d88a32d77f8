//===- Parser.h - Earley parsing over lexemes -------------------*- C++ -*-===//
//
// An Earley parser whose input symbols are lexemes: one Earley set ("row") per
// completed lexeme, not per byte, so the parser only runs at lexeme
// boundaries and the bytes in between are the lexer's business.
//
// Rows are immutable and form a tree: the child of row r for the set of
// lexemes just completed is computed once and memoized. A mask walk that
// crosses the same boundary under thousands of tokens (every token that ends
// a JSON string with `",`) therefore runs the parser once, and committing a
// token, rolling back and walking again reuse the same rows. Items refer to
// their origin by row id, which stays valid because rows are never freed
// while the parser lives; rows with equal content are one row (Parser.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_PARSER_H
#define DEC_RUNTIME_CONSTRAINT_PARSER_H

#include "runtime/constraint/Grammar.h"
#include "runtime/constraint/Lexer.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace dec::cons {

using RowId = uint32_t;
constexpr RowId kDeadRow = UINT32_MAX;

class Parser {
public:
  Parser(Grammar &grammar, Lexer &lexer);
  RowId root() const { return 0; }
  /// The lexer state in which the lexemes row `r` allows start.
  LexState lexStart(RowId r) const { return rows[r].lexStart; }
  /// Whether the input up to row `r` is a complete sentence.
  bool accepting(RowId r) const { return rows[r].accepting; }
  /// The row after the lexemes completed in lexer state `boundary`, or
  /// kDeadRow when the parser takes none of them.
  RowId child(RowId r, LexState boundary) {
    uint64_t key = (uint64_t(r) << 32) | lexer.acceptSet(boundary);
    auto it = children.find(key);
    if (it != children.end())
      return it->second;
    RowId c = build(r, lexer.acceptSetLexemes(lexer.acceptSet(boundary)));
    children.emplace(key, c);
    return c;
  }
  size_t numRows() const { return rows.size(); }
  /// The Earley items of row `r` (for debugging and tests).
  struct Item {
    RuleStateId state;
    RowId origin;
  };
  std::vector<Item> items(RowId r) const;

private:
  struct Row {
    uint32_t begin, end; ///< range in itemPool
    LexState lexStart;
    bool accepting;
  };
  RowId build(RowId parent, const std::vector<uint32_t> &completed);
  /// Closes scratch under prediction and completion and appends the row.
  RowId closeRow();
  void add(RuleStateId state, RowId origin);

  Grammar &grammar;
  Lexer &lexer;
  uint32_t startNonterminal;
  std::vector<Row> rows;
  std::vector<Item> itemPool;
  std::unordered_map<uint64_t, RowId> children;
  std::unordered_map<std::string, RowId> rowIndex;
  // Scratch for build().
  std::vector<Item> scratch;
  std::unordered_set<uint64_t> seen;
  std::vector<uint32_t> allowed;
};

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_PARSER_H
