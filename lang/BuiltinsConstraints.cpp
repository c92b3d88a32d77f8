//===- BuiltinsConstraints.cpp - structured-output constraint built-ins ---===//

#include "lang/BuiltinsConstraints.h"

#include "lang/Literals.h"
#include "lang/PlanDump.h"
#include "lang/SemaInternal.h"
#include "runtime/constraint/Constraint.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace dec::lang;

namespace {

/// Files read with file() are capped: they are compiled into the program.
constexpr uint64_t kMaxFileBytes = 16u << 20;

/// Argument `slot` as a string, else an error naming the argument.
std::optional<std::string> stringArgument(Sema &sema, const BuiltinFunction &fn,
                                          const BoundArgs &args, size_t slot) {
  std::optional<Value> value = typedArg(sema, fn, args, slot, DeclaredType::String);
  return value ? std::optional<std::string>(value->getString()) : std::nullopt;
}

/// A vocabulary of the 256 single bytes (and one end-of-sequence token): enough
/// for the engine to compile a spec and report what it refuses.
std::shared_ptr<const dec::cons::Vocabulary> byteVocabulary() {
  static std::shared_ptr<const dec::cons::Vocabulary> vocab = [] {
    std::vector<std::string> tokens;
    for (int b = 0; b < 256; ++b)
      tokens.push_back(std::string(1, static_cast<char>(b)));
    tokens.push_back("");
    return dec::cons::Vocabulary::fromTokens(std::move(tokens), {256}, {256});
  }();
  return vocab;
}

/// The constraint `kind` = `spec`, after the engine compiled it; an error at
/// `where` (prefixed with the built-in's name) when it does not.
std::optional<Value> structured(Sema &sema, llvm::StringRef builtin, std::string kind,
                                std::string spec, llvm::SMRange where, llvm::SMRange call) {
  std::string error;
  if (!dec::cons::compileConstraint(kind, spec, dec::cons::CompileOptions(), byteVocabulary(),
                                    error)) {
    sema.error(where, builtin + ": " + error);
    return std::nullopt;
  }
  ConstraintSet set;
  set.structured = StructuredConstraint{std::move(kind), std::move(spec)};
  set.structuredRange = call;
  return Value::constraint(std::move(set), call);
}

/// regex, json_schema, grammar and lark: one string, the spec.
template <const char *Kind>
std::optional<Value> evalSpec(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  std::optional<std::string> spec = stringArgument(sema, fn, args, 0);
  if (!spec)
    return std::nullopt;
  if (spec->empty()) {
    sema.error(args.slots[0]->getOrigin(), fn.name + "() needs a non-empty " +
                                                fn.params[0].name);
    return std::nullopt;
  }
  return structured(sema, fn.name, Kind, std::move(*spec), args.slots[0]->getOrigin(),
                    args.callRange);
}

constexpr char kRegex[] = "regex";
constexpr char kJsonSchema[] = "json_schema";
constexpr char kGbnf[] = "gbnf";
constexpr char kLark[] = "lark";

/// choice("a", "b", ...) or choice(["a", "b"]): exactly one of the strings.
std::optional<Value> evalChoice(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  std::vector<Value> items;
  for (const Value &arg : args.rest) {
    if (arg.is(Value::Kind::List))
      llvm::append_range(items, arg.getList());
    else
      items.push_back(arg);
  }
  if (items.empty()) {
    sema.error(args.callRange, "choice() needs at least one string");
    return std::nullopt;
  }
  llvm::json::Array options;
  bool ok = true;
  for (const Value &item : items) {
    if (!item.is(Value::Kind::String)) {
      sema.error(item.getOrigin(), "choice() accepts strings, got '" + item.typeName() + "'");
      ok = false;
      continue;
    }
    if (item.getString().empty()) {
      sema.error(item.getOrigin(), "a choice must not be empty");
      ok = false;
      continue;
    }
    if (!llvm::json::isUTF8(item.getString())) {
      sema.error(item.getOrigin(), "a choice must be valid UTF-8");
      ok = false;
      continue;
    }
    options.push_back(item.getString());
  }
  if (!ok)
    return std::nullopt;
  std::string spec;
  llvm::raw_string_ostream os(spec);
  os << llvm::json::Value(std::move(options));
  return structured(sema, "choice", "choice", std::move(spec), args.callRange, args.callRange);
}

/// file(path): the contents of a file, relative to the source file, read at
/// compile time (and tracked as a dependency of the program).
std::optional<Value> evalFile(Sema &sema, const BuiltinFunction &fn, const BoundArgs &args) {
  std::optional<std::string> written = stringArgument(sema, fn, args, 0);
  if (!written)
    return std::nullopt;
  llvm::SMRange where = args.slots[0]->getOrigin();
  if (written->empty() || written->find('\0') != std::string::npos) {
    sema.error(where, written->empty() ? "file path is empty" : "file path contains a NUL");
    return std::nullopt;
  }
  std::string path = sema.resolvePath(*written, where.Start);
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(path, status) || !llvm::sys::fs::is_regular_file(status)) {
    sema.error(where, "file '" + *written + "' not found (resolved to '" + path + "')");
    return std::nullopt;
  }
  if (status.getSize() > kMaxFileBytes) {
    sema.error(where, "file '" + *written + "' is larger than " +
                          std::to_string(kMaxFileBytes >> 20) + " MiB");
    return std::nullopt;
  }
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer) {
    sema.error(where, "cannot read file '" + path + "': " + buffer.getError().message());
    return std::nullopt;
  }
  sema.noteReadFile(path);
  return Value::string((*buffer)->getBuffer().str(), args.callRange);
}

/// Transforms after which masking gives the same distribution as before them
/// (with a mask of -inf): elementwise maps that keep -inf at -inf, and shifts.
bool commutesWithMask(TransformKind kind) {
  switch (kind) {
  case TransformKind::Temperature:
  case TransformKind::RepetitionPenalty:
  case TransformKind::FrequencyPenalty:
  case TransformKind::PresencePenalty:
  case TransformKind::NoRepeatNGram:
  case TransformKind::BadWords:
  case TransformKind::SequenceBias:
  case TransformKind::LogitBias:
  case TransformKind::AllowTokens:
  case TransformKind::SuppressTokens:
  case TransformKind::SuppressAtBegin:
  case TransformKind::MinNewTokens:
  case TransformKind::MinLength:
  case TransformKind::LogSoftmax:
    return true;
  default:
    // Truncations (top_k, top_p, min_p, user transforms with vocabulary
    // reductions) depend on which tokens the mask removes; forced tokens and
    // inf/nan removal overwrite -inf.
    return false;
  }
}

} // namespace

void dec::lang::appendConstraintBuiltins(std::vector<BuiltinFunction> &table) {
  auto param = [](const char *name) { return ParamSpec{name, true, false, false}; };
  table.push_back({"regex", {param("pattern")}, evalSpec<kRegex>});
  table.push_back({"json_schema", {param("schema")}, evalSpec<kJsonSchema>});
  table.push_back({"grammar", {param("gbnf")}, evalSpec<kGbnf>});
  table.push_back({"lark", {param("grammar")}, evalSpec<kLark>});
  table.push_back({"choice", {ParamSpec{"items", false, true, false}}, evalChoice});
  table.push_back({"file", {param("path")}, evalFile});
}

bool dec::lang::evaluateEnforcement(Sema &sema, const std::optional<Value> &enforce,
                                    const Pipeline &sampler, ScheduleCall &call) {
  if (!enforce)
    return true;
  if (!enforce->is(Value::Kind::String) ||
      (enforce->getString() != "mask" && enforce->getString() != "rejection")) {
    sema.error(enforce->getOrigin(),
               "enforce must be \"mask\" or \"rejection\"" +
                   std::string(enforce->is(Value::Kind::String)
                                   ? " (got " + quoted(enforce->getString()) + ")"
                                   : " (got '" + enforce->typeName() + "')"));
    return false;
  }
  if (enforce->getString() == "mask")
    return true;
  if (!call.constraint.structured) {
    sema.error(enforce->getOrigin(), "enforce: \"rejection\" needs a regex, json_schema, "
                                     "grammar, lark or choice constraint to enforce");
    return false;
  }
  for (const TransformStep &step : sampler.steps) {
    if (commutesWithMask(step.kind))
      continue;
    std::string name =
        step.kind == TransformKind::User && step.user
            ? "the user-defined transform '" + step.user->name + "'"
            : "'" + spelling(step.kind).str() + "'";
    sema.error(enforce->getOrigin(),
               "enforce: \"rejection\" needs a sampler whose transforms commute with the "
               "constraint's mask, but " + name + " (at " + step.loc.file + ":" +
                   std::to_string(step.loc.line) + ":" + std::to_string(step.loc.col) +
                   ") depends on which tokens are allowed; use enforce: \"mask\"");
    return false;
  }
  call.constraint.enforce = Enforcement::Rejection;
  return true;
}
