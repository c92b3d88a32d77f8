//===- Value.cpp - Compile-time values of the dec language ---------------------------===//

#include "lang/Value.h"

#include "lang/Literals.h"

#include <cfloat>
#include <cmath>

using namespace dec::lang;

std::string Value::typeName() const {
  switch (kind) {
  case Kind::Int:
    return "int";
  case Kind::Float:
    return "float";
  case Kind::Bool:
    return "bool";
  case Kind::String:
    return "string";
  case Kind::Token:
    return "token";
  case Kind::List:
    return "list";
  case Kind::Model:
    return "model";
  case Kind::Pipeline: {
    const Pipeline &p = getPipeline();
    if (!p.choice)
      return "transform";
    return p.steps.empty() ? "choice" : "sampler";
  }
  case Kind::Constraint:
    return "constraint";
  case Kind::Prompt:
    return "run-time string";
  case Kind::Schedule:
    return "schedule";
  case Kind::Guidance:
    return "guidance";
  }
  return "?";
}

std::string Value::describe() const {
  switch (kind) {
  case Kind::Int:
    return std::to_string(getInt());
  case Kind::Float:
    return formatNumber(getFloat());
  case Kind::Bool:
    return getBool() ? "true" : "false";
  case Kind::String:
    return quoted(getString().size() > 40 ? getString().substr(0, 37) + "..." : getString());
  case Kind::Token:
    return getToken().isEos ? "eos" : "token(" + std::to_string(getToken().id) + ")";
  default:
    return "a value of type '" + typeName() + "'";
  }
}

namespace {
struct TypeName {
  llvm::StringRef name;
  DeclaredType type;
};
const TypeName typeNames[] = {
    {"i32", DeclaredType::I32},
    {"f32", DeclaredType::F32},
    {"bool", DeclaredType::Bool},
    {"string", DeclaredType::String},
    {"token", DeclaredType::Token},
    {"model", DeclaredType::Model},
    {"transform", DeclaredType::Transform},
    {"choice", DeclaredType::Choice},
    {"sampler", DeclaredType::Sampler},
    {"constraint", DeclaredType::Constraint},
};
} // namespace

std::optional<DeclaredType> dec::lang::lookupDeclaredType(llvm::StringRef name) {
  for (const TypeName &entry : typeNames)
    if (entry.name == name)
      return entry.type;
  return std::nullopt;
}

llvm::StringRef dec::lang::spelling(DeclaredType type) {
  for (const TypeName &entry : typeNames)
    if (entry.type == type)
      return entry.name;
  return "?";
}

std::vector<llvm::StringRef> dec::lang::declaredTypeNames() {
  std::vector<llvm::StringRef> names;
  for (const TypeName &entry : typeNames)
    names.push_back(entry.name);
  return names;
}

std::optional<Value> dec::lang::convertTo(const Value &value, DeclaredType type, std::string &why) {
  auto mismatch = [&]() -> std::optional<Value> {
    why = "expects '" + spelling(type).str() + "', got '" + value.typeName() + "'";
    if (type == DeclaredType::I32 && value.is(Value::Kind::Float))
      why += " (floating-point values do not convert to integers implicitly)";
    if (type == DeclaredType::Sampler && value.is(Value::Kind::Pipeline) &&
        !value.getPipeline().choice)
      why += " (a sampler ends with a choice: add '| sample' or '| greedy')";
    return std::nullopt;
  };
  switch (type) {
  case DeclaredType::I32:
    if (!value.is(Value::Kind::Int))
      return mismatch();
    if (value.getInt() < INT32_MIN || value.getInt() > INT32_MAX) {
      why = "is " + std::to_string(value.getInt()) + ", which does not fit in 'i32'";
      return std::nullopt;
    }
    return value;
  case DeclaredType::F32:
    if (!value.isNumber())
      return mismatch();
    if (std::fabs(value.getNumber()) > double(FLT_MAX)) {
      why = "is " + value.describe() + ", which does not fit in 'f32'";
      return std::nullopt;
    }
    return Value::floating(value.getNumber(), value.getOrigin());
  case DeclaredType::Bool:
    return value.is(Value::Kind::Bool) ? std::optional<Value>(value) : mismatch();
  case DeclaredType::String:
    return value.is(Value::Kind::String) ? std::optional<Value>(value) : mismatch();
  case DeclaredType::Token:
    return value.is(Value::Kind::Token) ? std::optional<Value>(value) : mismatch();
  case DeclaredType::Model:
    return value.is(Value::Kind::Model) ? std::optional<Value>(value) : mismatch();
  case DeclaredType::Constraint:
    return value.is(Value::Kind::Constraint) ? std::optional<Value>(value) : mismatch();
  case DeclaredType::Transform:
  case DeclaredType::Choice:
  case DeclaredType::Sampler: {
    if (!value.is(Value::Kind::Pipeline))
      return mismatch();
    const Pipeline &p = value.getPipeline();
    bool ok = type == DeclaredType::Transform ? !p.choice
              : type == DeclaredType::Choice  ? p.choice && p.steps.empty()
                                              : p.choice.has_value(); // a choice is a sampler
    return ok ? std::optional<Value>(value) : mismatch();
  }
  }
  return mismatch();
}
