//===- RuleExpr.h - Right-hand sides of grammar rules -----------*- C++ -*-===//
//
// Grammar files (GBNF, Lark-like) write rule bodies as regular expressions
// over symbols: sequences, alternatives, groups and repetitions of terminals
// and rule references. RuleExpr is that tree; toRule() turns it into the
// automaton a StaticRule runs (Thompson construction, then epsilon removal —
// the result may be nondeterministic, which the Earley parser handles).
//
//===----------------------------------------------------------------------===//
#ifndef DEC_RUNTIME_CONSTRAINT_RULEEXPR_H
#define DEC_RUNTIME_CONSTRAINT_RULEEXPR_H

#include "runtime/constraint/Grammar.h"

#include <memory>
#include <string>
#include <vector>

namespace dec::cons {

struct RuleExpr {
  enum class Kind { Symbol, Sequence, Choice, Repeat };
  Kind kind = Kind::Sequence;
  Symbol symbol = 0;          ///< Kind::Symbol
  std::vector<RuleExpr> items; ///< Sequence, Choice; Repeat: one item
  uint32_t min = 0, max = 0;   ///< Repeat (max kUnbounded for none)

  static RuleExpr sym(Symbol s) {
    RuleExpr e;
    e.kind = Kind::Symbol;
    e.symbol = s;
    return e;
  }
  static RuleExpr seq(std::vector<RuleExpr> items) {
    RuleExpr e;
    e.kind = Kind::Sequence;
    e.items = std::move(items);
    return e;
  }
  static RuleExpr choice(std::vector<RuleExpr> items) {
    RuleExpr e;
    e.kind = Kind::Choice;
    e.items = std::move(items);
    return e;
  }
  static RuleExpr repeat(RuleExpr item, uint32_t min, uint32_t max) {
    RuleExpr e;
    e.kind = Kind::Repeat;
    e.items.push_back(std::move(item));
    e.min = min;
    e.max = max;
    return e;
  }
};

/// The automaton of `e`; false when it would exceed `maxStates`.
bool toRule(const RuleExpr &e, std::unique_ptr<StaticRule> &out, size_t maxStates = 200000);

} // namespace dec::cons

#endif // DEC_RUNTIME_CONSTRAINT_RULEEXPR_H
