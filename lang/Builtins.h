//===- Builtins.h - The built-in functions and values of dec ---------------------*- C++ -*-===//
//
// Built-ins are what the standard library and user programs are made of in this version:
//
//   models       causal(path, tokenizer)
//   transforms   temperature(t) top_k(k) top_p(p) min_p(p) repetition_penalty(r)
//   choices      greedy sample
//   constraints  max_tokens(n) stop(x, ...) ban(x, ...)
//   tokens       eos token(id)
//   schedules    autoregressive(model, prompt, sampler:, constraint:, max_tokens:, stop:, ban:)
//
// Each function declares its parameters (so Sema binds positional and named arguments
// for built-ins exactly as for user declarations) and an evaluator that checks the
// arguments' types and ranges and builds the value.  docs/language.md describes each.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_BUILTINS_H
#define DEC_LANG_BUILTINS_H

#include "lang/Value.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <optional>
#include <vector>

namespace dec::lang {

class Sema;

struct ParamSpec {
  std::string name;
  bool required = true;
  bool variadic = false;       ///< collects the remaining positional arguments
  bool acceptsRuntime = false; ///< may receive the prompt (only schedules' prompt parameter)
};

/// Arguments after binding to a ParamSpec list.
struct BoundArgs {
  std::vector<std::optional<Value>> slots; ///< per parameter; empty if not given
  std::vector<Value> rest;                 ///< the variadic parameter's values
  llvm::SMRange callRange;                 ///< the whole call (or the bare name)
};

struct BuiltinFunction {
  llvm::StringRef name;
  std::vector<ParamSpec> params;
  std::optional<Value> (*evaluate)(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args);
};

const BuiltinFunction *lookupBuiltinFunction(llvm::StringRef name);

/// Argument `slot` (filled) of a built-in call converted to `type`; reports "argument
/// 'k' of 'top_k' expects 'i32', got 'float'" on a mismatch.
std::optional<Value> typedArg(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args,
                              size_t slot, DeclaredType type);

/// `greedy`, `sample` and `eos`, with `use` as their origin.
std::optional<Value> lookupBuiltinValue(llvm::StringRef name, llvm::SMRange use);

bool isBuiltinName(llvm::StringRef name);
std::vector<llvm::StringRef> builtinNames();

/// The constraint `max_tokens(n)`, `stop(items...)` or `ban(items...)` for the named
/// arguments of a schedule (`max_tokens: 64`, `stop: [eos, "\n"]`, `ban: "x"`).
std::optional<Value> evaluateConstraintSugar(Sema &sema, llvm::StringRef name, const Value &arg,
                                             llvm::SMRange range);

} // namespace dec::lang

#endif // DEC_LANG_BUILTINS_H
