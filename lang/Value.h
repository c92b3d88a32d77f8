//===- Value.h - Compile-time values of the dec language -------------------------*- C++ -*-===//
//
// Sema evaluates programs at compile time: every expression in this version denotes a
// constant (a number, a string, a token, a model, a sampler pipeline, a constraint) or,
// in a decode body, one of the two run-time values (the prompt parameter and the schedule
// call built from it).  A Value is one of those, plus the source range it came from, so
// that a range error can point at the argument the user wrote, even through several
// parametrised declarations.
//
//===--------------------------------------------------------------------------------------===//
#ifndef DEC_LANG_VALUE_H
#define DEC_LANG_VALUE_H

#include "lang/Plan.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace dec::lang {

/// A vocabulary entry: `eos` (the model's end-of-sequence token) or `token(id)`.
struct TokenRef {
  bool isEos = false;
  int32_t id = -1; ///< valid when !isEos
};

/// An index into the models Sema has created.
struct ModelRef {
  int index = -1;
};

/// The types `transform`, `choice` and `sampler` are one representation: logits
/// transforms followed by an optional terminal choice.  With no choice it is a
/// transform; with no steps but a choice it is a choice; otherwise a sampler.
struct Pipeline {
  std::vector<TransformStep> steps;
  std::optional<ChoiceKind> choice;
  llvm::SMRange choiceRange; ///< where the choice was written
  std::string name;          ///< for SamplerPlan::name
};

/// A conjunction of constraints.  Besides the contents it records where things were
/// written, to point at both sides of a conflict.
struct ConstraintSet {
  std::optional<int64_t> maxTokens;
  llvm::SMRange maxTokensRange;
  std::vector<std::string> stopStrings;
  std::vector<llvm::SMRange> stopRanges;
  std::vector<std::string> bannedStrings;
  std::vector<llvm::SMRange> banRanges;
  std::vector<int32_t> bannedTokens;
  bool stopEos = false, banEos = false;
  llvm::SMRange stopEosRange, banEosRange;
  /// regex / json_schema / grammar / lark / choice: at most one per conjunction.
  std::optional<StructuredConstraint> structured;
  llvm::SMRange structuredRange;
};

/// The prompt parameter of a decode entry: known only at run time.
struct PromptRef {
  std::string paramName;
};

class Value {
public:
  enum class Kind {
    Int,
    Float,
    Bool,
    String,
    Token,
    List,
    Model,
    Pipeline,
    Constraint,
    Prompt,
    Schedule,
    Guidance ///< `cfg(...)`, for a schedule's `guidance:` argument
  };

  static Value integer(int64_t v, llvm::SMRange origin) { return Value(Kind::Int, v, origin); }
  static Value floating(double v, llvm::SMRange origin) { return Value(Kind::Float, v, origin); }
  static Value boolean(bool v, llvm::SMRange origin) { return Value(Kind::Bool, v, origin); }
  static Value string(std::string v, llvm::SMRange origin) {
    return Value(Kind::String, std::move(v), origin);
  }
  static Value token(TokenRef v, llvm::SMRange origin) { return Value(Kind::Token, v, origin); }
  static Value list(std::vector<Value> v, llvm::SMRange origin) {
    return Value(Kind::List, std::move(v), origin);
  }
  static Value model(ModelRef v, llvm::SMRange origin) { return Value(Kind::Model, v, origin); }
  static Value pipeline(Pipeline v, llvm::SMRange origin) {
    return Value(Kind::Pipeline, std::move(v), origin);
  }
  static Value constraint(ConstraintSet v, llvm::SMRange origin) {
    return Value(Kind::Constraint, std::move(v), origin);
  }
  static Value prompt(PromptRef v, llvm::SMRange origin) {
    return Value(Kind::Prompt, std::move(v), origin);
  }
  static Value schedule(ScheduleCall v, llvm::SMRange origin) {
    return Value(Kind::Schedule, std::move(v), origin);
  }
  static Value guidance(GuidancePlan v, llvm::SMRange origin) {
    return Value(Kind::Guidance, std::move(v), origin);
  }

  Kind getKind() const { return kind; }
  bool is(Kind k) const { return kind == k; }
  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
  /// Prompt and schedule values exist only at run time.
  bool isRuntime() const { return kind == Kind::Prompt || kind == Kind::Schedule; }

  /// Where the value was written.  A value passed through a parameter keeps the range of
  /// the argument; a value computed by an expression gets the expression's range.
  llvm::SMRange getOrigin() const { return origin; }
  Value withOrigin(llvm::SMRange newOrigin) const {
    Value copy = *this;
    copy.origin = newOrigin;
    return copy;
  }

  int64_t getInt() const { return std::get<int64_t>(payload); }
  double getFloat() const { return std::get<double>(payload); }
  /// An Int or Float as a double.
  double getNumber() const { return kind == Kind::Int ? double(getInt()) : getFloat(); }
  bool getBool() const { return std::get<bool>(payload); }
  const std::string &getString() const { return std::get<std::string>(payload); }
  TokenRef getToken() const { return std::get<TokenRef>(payload); }
  const std::vector<Value> &getList() const { return std::get<std::vector<Value>>(payload); }
  ModelRef getModel() const { return std::get<ModelRef>(payload); }
  const Pipeline &getPipeline() const { return std::get<Pipeline>(payload); }
  Pipeline &getPipeline() { return std::get<Pipeline>(payload); }
  const ConstraintSet &getConstraint() const { return std::get<ConstraintSet>(payload); }
  const PromptRef &getPrompt() const { return std::get<PromptRef>(payload); }
  const ScheduleCall &getSchedule() const { return std::get<ScheduleCall>(payload); }
  const GuidancePlan &getGuidance() const { return std::get<GuidancePlan>(payload); }

  /// The type as the language names it: "int", "float", "transform", "sampler", ...
  std::string typeName() const;
  /// A short rendering for diagnostics: "1.5", "\"abc\"", "eos", "token(13)", or the type.
  std::string describe() const;

private:
  using Payload = std::variant<int64_t, double, bool, std::string, TokenRef, std::vector<Value>,
                               ModelRef, Pipeline, ConstraintSet, PromptRef, ScheduleCall,
                               GuidancePlan>;
  template <typename T>
  Value(Kind kind, T &&payload, llvm::SMRange origin)
      : kind(kind), payload(std::forward<T>(payload)), origin(origin) {}

  Kind kind;
  Payload payload;
  llvm::SMRange origin;
};

/// The types a parameter or `let` can be declared with.
enum class DeclaredType {
  I32,
  F32,
  Bool,
  String,
  Token,
  Model,
  Transform,
  Choice,
  Sampler,
  Constraint
};

std::optional<DeclaredType> lookupDeclaredType(llvm::StringRef name);
llvm::StringRef spelling(DeclaredType type);
/// All type names, for "did you mean" suggestions.
std::vector<llvm::StringRef> declaredTypeNames();

/// Converts `value` to `type` the way arguments and `let` initialisers are converted:
/// an int constant becomes f32 implicitly, nothing else changes kind, and numbers must
/// fit the type.  On failure returns nullopt and sets `why` to the reason (for example
/// "expects 'i32', got 'float'" or "is 3000000000, which does not fit in 'i32'"), to
/// follow "argument 'k' of 'top_k' ".
std::optional<Value> convertTo(const Value &value, DeclaredType type, std::string &why);

} // namespace dec::lang

#endif // DEC_LANG_VALUE_H
