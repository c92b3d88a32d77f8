//===- SemaTransform.cpp - User-defined logits transforms ----------------------------===//
//
// A `transform` declaration is checked once, with its compile-time parameters symbolic:
// every type error is found there, whatever the arguments.  Each use in a pipeline
// (`typical(0.95)`) binds the arguments like a parametrised sampler's and builds the body
// again with the values, into a UserTransform (lang/TransformPlan.h): a hash-consed DAG
// in which constant subexpressions are folded exactly as the run-time code would compute
// them (f32 IEEE arithmetic, wrapping i32; exp and log are left to run time).
//
// Values in a body have a type `f32`, `i32` or `bool` and are scalars or rows over the
// vocabulary (`f32[V]`).  Scalars broadcast against rows; an i32 meeting an f32 converts
// to f32.  The built-ins are listed in `bodyFunctions` below (docs/language.md §13.2).
//
//===--------------------------------------------------------------------------------------===//

#include "lang/Literals.h"
#include "lang/SemaInternal.h"
#include "lang/TransformAST.h"
#include "lang/TransformPlan.h"
#include "lang/TypoCorrection.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/SourceMgr.h"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <tuple>

using namespace dec::lang;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;
using Op = TransformNode::Op;

namespace {

/// A DAG larger than this (after inlining nested transforms) is rejected.
constexpr size_t kMaxTransformNodes = 20000;

struct BodyType {
  ElemType elem;
  bool row;
};

std::string spell(BodyType type) {
  return spelling(type.elem).str() + (type.row ? "[V]" : "");
}

bool isNumeric(ElemType e) { return e == ElemType::F32 || e == ElemType::I32; }

float asFloat(double v) { return static_cast<float>(v); }
int32_t asInt(double v) { return static_cast<int32_t>(v); }
double wrap(int64_t v) { return double(int32_t(uint32_t(uint64_t(v)))); }

/// "0.95" for the float nearest 0.95 (not 0.949999988).
std::string shortestFloat(float value) {
  if (!std::isfinite(value))
    return std::isnan(value) ? "nan" : value < 0 ? "-inf" : "inf";
  if (value == 0)
    return std::signbit(value) ? "-0" : "0";
  if (value == std::trunc(value) && std::fabs(value) < 1e9f)
    return std::to_string(int64_t(value));
  char buffer[64];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, double(value));
    if (std::strtof(buffer, nullptr) == value)
      break;
  }
  return buffer;
}

//===------------------------------------------------------------------------------------===//
// The DAG under construction
//===------------------------------------------------------------------------------------===//

class TransformDag {
public:
  explicit TransformDag(UserTransform &out) : out(out) {}

  BodyType type(unsigned n) const { return {out.nodes[n].type, out.nodes[n].row}; }
  const TransformNode &node(unsigned n) const { return out.nodes[n]; }
  /// A constant whose value is known (not a symbolic parameter).
  bool isKnown(unsigned n) const { return known[n]; }
  /// Known at compile time: a constant, a symbolic parameter, or scalar arithmetic on them.
  bool isCompileTime(unsigned n) const { return compileTime[n]; }
  bool tooLarge() const { return out.nodes.size() >= kMaxTransformNodes; }

  unsigned constant(ElemType type, double value, int param = -1, unsigned line = 0,
                    unsigned col = 0) {
    TransformNode node{Op::Constant, type, false, {}, canonical(type, value), param, line, col};
    return add(std::move(node), true, true);
  }
  /// A compile-time value that is not known (a parameter while checking a declaration).
  unsigned symbolic(ElemType type) {
    TransformNode node{Op::Constant, type, false, {}, 0.0, -1, 0, 0};
    out.nodes.push_back(std::move(node));
    known.push_back(false);
    compileTime.push_back(true);
    return unsigned(out.nodes.size() - 1);
  }
  unsigned leaf(Op op, ElemType type, bool row, unsigned line, unsigned col) {
    return add(TransformNode{op, type, row, {}, 0.0, -1, line, col}, false, false);
  }
  /// A node with operands; elementwise nodes on known constants are folded.
  unsigned make(Op op, ElemType type, std::vector<unsigned> operands, unsigned line,
                unsigned col) {
    bool row = false, allKnown = true, allCompileTime = true;
    for (unsigned operand : operands) {
      row |= out.nodes[operand].row;
      allKnown &= bool(known[operand]);
      allCompileTime &= bool(compileTime[operand]);
    }
    TransformNode node{op, type, row, std::move(operands), 0.0, -1, line, col};
    if (!node.isElementwise()) {
      node.row = op == Op::Weights; // reductions and searches give scalars
      return add(std::move(node), false, false);
    }
    // where(c, a, b) with c known: a or b, when it has the result's shape.
    if (op == Op::Select && known[node.operands[0]]) {
      unsigned chosen = node.operands[out.nodes[node.operands[0]].number != 0 ? 1 : 2];
      if (out.nodes[chosen].row == row && out.nodes[chosen].type == type)
        return chosen;
    }
    if (allKnown && !row)
      if (std::optional<double> folded = fold(node)) {
        // A parameter converted (to f32, f64 or i64) is still that parameter's value.
        int param = -1;
        if (op == Op::ToF32 || op == Op::ExtF64 || op == Op::ExtI64)
          param = out.nodes[node.operands[0]].param;
        return constant(type, *folded, param, line, col);
      }
    return add(std::move(node), false, allCompileTime && !row);
  }

  /// Computes an elementwise scalar once per row, in the program body (see perRow).
  void markPerRow(unsigned n) {
    TransformNode &node = out.nodes[n];
    if (node.isElementwise() && !node.row)
      node.perRow = true;
  }

  /// Drops the nodes the result does not depend on and renumbers the rest.
  void prune(unsigned &result) {
    std::vector<bool> live(out.nodes.size(), false);
    live[result] = true;
    for (size_t i = out.nodes.size(); i-- > 0;)
      if (live[i])
        for (unsigned operand : out.nodes[i].operands)
          live[operand] = true;
    std::vector<unsigned> renumber(out.nodes.size(), 0);
    std::vector<TransformNode> kept;
    for (size_t i = 0; i != out.nodes.size(); ++i) {
      if (!live[i])
        continue;
      renumber[i] = unsigned(kept.size());
      kept.push_back(std::move(out.nodes[i]));
      for (unsigned &operand : kept.back().operands)
        operand = renumber[operand];
    }
    out.nodes = std::move(kept);
    result = renumber[result];
  }

private:
  static double canonical(ElemType type, double value) {
    switch (type) {
    case ElemType::F32:
      return double(asFloat(value));
    case ElemType::I32:
      return double(asInt(value));
    case ElemType::Bool:
      return value != 0 ? 1.0 : 0.0;
    case ElemType::F64:
      return value;
    case ElemType::I64:
      return double(int64_t(value));
    }
    return value;
  }

  unsigned add(TransformNode node, bool isKnown, bool isCompileTime) {
    uint64_t bits = 0;
    std::memcpy(&bits, &node.number, sizeof bits);
    auto key = std::make_tuple(int(node.op), int(node.type), node.row, node.operands, bits,
                               node.param);
    auto [it, inserted] = memo.try_emplace(key, unsigned(out.nodes.size()));
    if (!inserted)
      return it->second;
    out.nodes.push_back(std::move(node));
    known.push_back(isKnown);
    compileTime.push_back(isCompileTime);
    return it->second;
  }

  /// The value of an elementwise node on known scalar constants, computed as the
  /// generated code computes it; nullopt for what is left to run time (exp, log).
  std::optional<double> fold(const TransformNode &node) const {
    auto arg = [&](unsigned i) { return out.nodes[node.operands[i]].number; };
    ElemType t = node.type;
    switch (node.op) {
    case Op::Neg:
      if (t == ElemType::F32)
        return double(-asFloat(arg(0)));
      if (t == ElemType::I32)
        return wrap(-int64_t(arg(0)));
      return -arg(0);
    case Op::Not:
      return arg(0) == 0 ? 1.0 : 0.0;
    case Op::Sqrt:
      return double(std::sqrt(asFloat(arg(0))));
    case Op::Abs:
      if (t == ElemType::F32)
        return double(std::fabs(asFloat(arg(0))));
      return wrap(std::llabs(int64_t(arg(0))));
    case Op::IsNaN:
      return std::isnan(arg(0)) ? 1.0 : 0.0;
    case Op::ToF32:
      return double(float(asInt(arg(0))));
    case Op::ExtF64:
      return arg(0);
    case Op::TruncF32:
      return double(asFloat(arg(0)));
    case Op::ExtI64:
      return arg(0);
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::Div: {
      double a = arg(0), b = arg(1);
      if (t == ElemType::I32) {
        int64_t x = int64_t(a), y = int64_t(b);
        return wrap(node.op == Op::Add ? x + y : node.op == Op::Sub ? x - y : x * y);
      }
      if (t == ElemType::F32) {
        float x = asFloat(a), y = asFloat(b);
        float r = node.op == Op::Add ? x + y : node.op == Op::Sub ? x - y
                  : node.op == Op::Mul ? x * y : x / y;
        return double(r);
      }
      return node.op == Op::Add ? a + b : node.op == Op::Sub ? a - b
             : node.op == Op::Mul ? a * b : a / b;
    }
    case Op::Min:
    case Op::Max:
      if (t == ElemType::I32)
        return node.op == Op::Min ? std::min(arg(0), arg(1)) : std::max(arg(0), arg(1));
      return node.op == Op::Min ? std::fmin(arg(0), arg(1)) : std::fmax(arg(0), arg(1));
    case Op::Lt:
      return arg(0) < arg(1) ? 1.0 : 0.0;
    case Op::Le:
      return arg(0) <= arg(1) ? 1.0 : 0.0;
    case Op::Gt:
      return arg(0) > arg(1) ? 1.0 : 0.0;
    case Op::Ge:
      return arg(0) >= arg(1) ? 1.0 : 0.0;
    case Op::Eq:
      return arg(0) == arg(1) ? 1.0 : 0.0;
    case Op::Ne:
      return arg(0) != arg(1) ? 1.0 : 0.0; // true for NaN, like the generated `une`
    case Op::And:
      return arg(0) != 0 && arg(1) != 0 ? 1.0 : 0.0;
    case Op::Or:
      return arg(0) != 0 || arg(1) != 0 ? 1.0 : 0.0;
    case Op::Select:
      return arg(0) != 0 ? arg(1) : arg(2);
    default:
      return std::nullopt; // exp, log: computed at run time
    }
  }

  UserTransform &out;
  std::vector<bool> known, compileTime;
  std::map<std::tuple<int, int, bool, std::vector<unsigned>, uint64_t, int>, unsigned> memo;
};

//===------------------------------------------------------------------------------------===//
// The built-in functions of transform bodies
//===------------------------------------------------------------------------------------===//

enum class BodyBuiltin {
  Exp,
  Log,
  Sqrt,
  Abs,
  IsNaN,
  Min,
  Max,
  Sum,
  LogSumExp,
  Count,
  Argmax,
  Softmax,
  LogSoftmax,
  RelativeProbs,
  KthLargest,
  ThresholdByMass,
  Where,
  Index,
};

struct BodyFunction {
  llvm::StringRef name;
  BodyBuiltin id;
  std::vector<llvm::StringRef> params;
  unsigned required; ///< the first `required` parameters must be given
};

const std::vector<BodyFunction> &bodyFunctions() {
  static const std::vector<BodyFunction> table = {
      {"exp", BodyBuiltin::Exp, {"x"}, 1},
      {"log", BodyBuiltin::Log, {"x"}, 1},
      {"sqrt", BodyBuiltin::Sqrt, {"x"}, 1},
      {"abs", BodyBuiltin::Abs, {"x"}, 1},
      {"isnan", BodyBuiltin::IsNaN, {"x"}, 1},
      {"min", BodyBuiltin::Min, {"x", "y"}, 1},
      {"max", BodyBuiltin::Max, {"x", "y"}, 1},
      {"sum", BodyBuiltin::Sum, {"x"}, 1},
      {"logsumexp", BodyBuiltin::LogSumExp, {"x"}, 1},
      {"count", BodyBuiltin::Count, {"mask"}, 1},
      {"argmax", BodyBuiltin::Argmax, {"x"}, 1},
      {"softmax", BodyBuiltin::Softmax, {"x"}, 1},
      {"log_softmax", BodyBuiltin::LogSoftmax, {"x"}, 1},
      {"relative_probs", BodyBuiltin::RelativeProbs, {"x"}, 1},
      {"kth_largest", BodyBuiltin::KthLargest, {"x", "k"}, 2},
      // keys, order, weights, mass: `order` is optional and, when positional, second.
      {"threshold_by_mass", BodyBuiltin::ThresholdByMass, {"keys", "order", "weights", "mass"}, 0},
      {"where", BodyBuiltin::Where, {"cond", "x", "y"}, 3},
      {"index", BodyBuiltin::Index, {}, 0},
  };
  return table;
}

const BodyFunction *lookupBodyFunction(llvm::StringRef name) {
  for (const BodyFunction &fn : bodyFunctions())
    if (fn.name == name)
      return &fn;
  return nullptr;
}

/// Names that mean something in a body besides the functions.
const llvm::StringRef bodyValueNames[] = {"inf"};
const llvm::StringRef orderNames[] = {"ascending", "descending"};

} // namespace

//===------------------------------------------------------------------------------------===//
// Checking one body
//===------------------------------------------------------------------------------------===//

namespace dec::lang {

class TransformBodyChecker {
public:
  TransformBodyChecker(Sema &sema, TransformDag &dag, const TransformDecl &decl,
                       llvm::StringRef file)
      : sema(sema), dag(dag), decl(decl), file(file) {}

  /// Binds the compile-time parameters to `params` and the row to `logits`, checks the
  /// statements and returns the node of the returned row.
  std::optional<unsigned> run(llvm::ArrayRef<unsigned> params, unsigned logits,
                              bool warnUnused) {
    const auto &decls = decl.getParams();
    for (size_t i = 0; i != decls.size() && i != params.size(); ++i)
      locals.insert_or_assign(decls[i].name, Local{params[i], decls[i].nameRange, false, false});
    const ParamDecl &row = decl.getRuntimeParams().front();
    locals.insert_or_assign(row.name, Local{logits, row.nameRange, false, false});

    std::optional<unsigned> result;
    const Stmt *returnStmt = nullptr;
    bool ok = true;
    for (const StmtPtr &stmt : decl.getBody()) {
      if (returnStmt) {
        sema.error(stmt->getRange(), "code after 'return' is not allowed")
            .note(returnStmt->getRange(), "the transform returns here");
        ok = false;
        break;
      }
      if (const auto *let = dyn_cast<LetStmt>(stmt.get())) {
        ok &= checkLet(*let);
        continue;
      }
      if (const auto *ret = dyn_cast<ReturnStmt>(stmt.get())) {
        returnStmt = ret;
        result = checkReturn(*ret);
        ok &= result.has_value();
        continue;
      }
      if (const CallExpr *require = asRequire(cast<ExprStmt>(*stmt).getExpr())) {
        ok &= checkRequire(*require);
        continue;
      }
      sema.error(stmt->getRange(), "expression statements are not supported; a transform "
                                   "body holds 'let' bindings, 'require(...)' checks and one "
                                   "'return'");
      ok = false;
    }
    if (!returnStmt) {
      llvm::SMRange body = decl.getBodyRange();
      llvm::SMLoc closingBrace =
          body.End.isValid() ? llvm::SMLoc::getFromPointer(body.End.getPointer() - 1) : body.Start;
      sema.error(llvm::SMRange(closingBrace, body.End),
                 "transform '" + decl.getName() + "' has no 'return' statement")
          .note(decl.getNameRange(), "'" + decl.getName() + "' is declared here");
      return std::nullopt;
    }
    if (ok && warnUnused)
      for (const Local *let : lets)
        if (!let->used)
          sema.warning(let->nameRange,
                       "'let " + std::string(let->nameRange.Start.getPointer(),
                                             let->nameRange.End.getPointer()) +
                           "' is never used");
    if (!ok)
      return std::nullopt;
    return result;
  }

private:
  struct Local {
    unsigned node;
    llvm::SMRange nameRange;
    bool isLet;
    bool used;
  };
  struct Val {
    unsigned node;
    llvm::SMRange origin;
  };

  //===-- Statements ------------------------------------------------------------------===//

  bool checkLet(const LetStmt &let) {
    if (const Local *previous = lookupLocal(let.getName())) {
      sema.error(let.getNameRange(), "redefinition of '" + let.getName() + "'")
          .note(previous->nameRange, "previous definition is here");
      return false;
    }
    std::optional<Val> value = eval(let.getInit());
    if (!value)
      return false;
    if (const std::optional<TypeRef> &written = let.getType()) {
      std::optional<BodyType> declared = parseType(*written);
      if (!declared)
        return false;
      std::optional<Val> converted = convert(*value, *declared);
      if (!converted) {
        sema.error(let.getInit().getRange(), "'let " + let.getName() + "' expects '" +
                                                 spell(*declared) + "', got '" +
                                                 spell(type(*value)) + "'");
        return false;
      }
      value = converted;
    }
    dag.markPerRow(value->node); // a named scalar is computed once per row
    auto [it, inserted] = locals.insert_or_assign(
        let.getName(), Local{value->node, let.getNameRange(), true, false});
    lets.push_back(&it->second);
    return true;
  }

  std::optional<unsigned> checkReturn(const ReturnStmt &ret) {
    std::optional<Val> value = eval(ret.getValue());
    if (!value)
      return std::nullopt;
    BodyType rowF32{ElemType::F32, true};
    std::optional<Val> converted = convert(*value, rowF32);
    if (!converted) {
      Diagnostic diag = sema.error(ret.getValue().getRange(),
                                   "transform '" + decl.getName() + "' must return 'f32[V]', "
                                   "but this expression has type '" +
                                       spell(type(*value)) + "'");
      if (!type(*value).row)
        diag.note(llvm::SMLoc(), "a scalar is the same for every token; the result is a row "
                                 "of logits, such as 'where(cond, logits, -inf)'");
      return std::nullopt;
    }
    return converted->node;
  }

  /// `require(cond, "message");` (not shadowed by a local), or null.
  const CallExpr *asRequire(const Expr &expr) {
    const auto *call = dyn_cast<CallExpr>(&expr);
    const auto *name = call ? dyn_cast<NameExpr>(&call->getCallee()) : nullptr;
    if (!name || name->getName() != "require" || lookupLocal("require"))
      return nullptr;
    return call;
  }

  /// A compile-time check of the parameters: an error at the use when the condition is
  /// false (while checking the declaration with unknown parameters it only type-checks).
  bool checkRequire(const CallExpr &call) {
    std::optional<std::vector<const Expr *>> slots =
        bindArgs(call, "require", {"cond", "message"}, {true, true});
    if (!slots)
      return false;
    const auto *message = dyn_cast<StringLiteralExpr>((*slots)[1]);
    if (!message) {
      sema.error((*slots)[1]->getRange(), "the message of 'require' must be a string literal");
      return false;
    }
    std::optional<Val> cond = eval(*(*slots)[0]);
    if (!cond)
      return false;
    BodyType t = type(*cond);
    if (t.row || t.elem != ElemType::Bool) {
      badArg("require", "cond", *cond, "'bool'");
      return false;
    }
    if (!dag.isCompileTime(cond->node)) {
      sema.error(cond->origin, "the condition of 'require' must be known at compile time, but "
                               "it depends on the logits");
      return false;
    }
    if (!dag.isKnown(cond->node) || dag.node(cond->node).number != 0)
      return true;
    // Show the parameters' values: the message is about them.
    std::string values;
    const auto &params = decl.getParams();
    for (size_t i = 0; i != params.size(); ++i) {
      const Local *local = lookupLocal(params[i].name);
      if (!local || !dag.isKnown(local->node))
        continue;
      const TransformNode &node = dag.node(local->node);
      values += (values.empty() ? " (" : ", ") + params[i].name + " = " +
                (node.type == ElemType::Bool  ? std::string(node.number != 0 ? "true" : "false")
                 : node.type == ElemType::F32 ? shortestFloat(float(node.number))
                                              : formatNumber(node.number));
    }
    sema.error(cond->origin, message->getValue() + (values.empty() ? "" : values + ")"));
    return false;
  }

  /// `f32`, `i32`, `bool`, optionally `[V]`.
  std::optional<BodyType> parseType(const TypeRef &type) {
    std::optional<BodyType> result;
    if (type.name == "f32")
      result = BodyType{ElemType::F32, false};
    else if (type.name == "i32")
      result = BodyType{ElemType::I32, false};
    else if (type.name == "bool")
      result = BodyType{ElemType::Bool, false};
    if (!result) {
      if (lookupDeclaredType(type.name))
        sema.error(type.range, "type '" + type.name +
                                   "' cannot be used in a transform body; values there are "
                                   "'f32', 'i32', 'bool' and rows of them such as 'f32[V]'");
      else
        sema.error(type.range,
                   "unknown type '" + type.name + "'" +
                       didYouMean(type.name, std::vector<llvm::StringRef>{"f32", "i32", "bool"}));
      return std::nullopt;
    }
    if (type.shape.empty())
      return result;
    if (type.shape.size() != 1 || type.shape[0].symbol != "V") {
      sema.error(type.range, "rows in a transform body have one dimension, the vocabulary 'V' "
                             "(as in '" +
                                 type.name + "[V]')");
      return std::nullopt;
    }
    result->row = true;
    return result;
  }

  //===-- Values and conversions --------------------------------------------------------===//

  BodyType type(const Val &v) const { return dag.type(v.node); }

  std::pair<unsigned, unsigned> lineCol(llvm::SMLoc loc) const {
    llvm::SourceMgr &sm = sema.sourceMgr;
    unsigned buffer = loc.isValid() ? sm.FindBufferContainingLoc(loc) : 0;
    if (!buffer || sm.getMemoryBuffer(buffer)->getBufferIdentifier() != file)
      return {0, 0};
    return sm.getLineAndColumn(loc, buffer);
  }

  unsigned make(Op op, ElemType t, std::vector<unsigned> operands, llvm::SMLoc loc) {
    auto [line, col] = lineCol(loc);
    return dag.make(op, t, std::move(operands), line, col);
  }
  unsigned constant(ElemType t, double v, llvm::SMLoc loc) {
    auto [line, col] = lineCol(loc);
    return dag.constant(t, v, -1, line, col);
  }

  /// `value` as `to`: equal types, an i32 as f32 (scalar or row alike), nothing else.
  std::optional<Val> convert(const Val &value, BodyType to) {
    BodyType from = type(value);
    if (from.row != to.row)
      return std::nullopt;
    if (from.elem == to.elem)
      return value;
    if (from.elem == ElemType::I32 && to.elem == ElemType::F32)
      return Val{make(Op::ToF32, ElemType::F32, {value.node}, value.origin.Start), value.origin};
    return std::nullopt;
  }
  Val toF32(const Val &value) {
    if (type(value).elem == ElemType::F32)
      return value;
    return Val{make(Op::ToF32, ElemType::F32, {value.node}, value.origin.Start), value.origin};
  }

  //===-- Expressions -------------------------------------------------------------------===//

  bool countStep(const Expr &expr) {
    if (sema.diags.limitReached())
      return false;
    if (++sema.evaluationSteps > Sema::kMaxEvaluationSteps) {
      if (sema.evaluationSteps == Sema::kMaxEvaluationSteps + 1)
        sema.error(expr.getRange(), "compile-time evaluation of this item needs more than " +
                                        std::to_string(Sema::kMaxEvaluationSteps) +
                                        " steps (declarations that each use another several "
                                        "times multiply the work)");
      return false;
    }
    if (dag.tooLarge()) {
      sema.error(expr.getRange(), "transform '" + decl.getName() +
                                      "' is too large (more than " +
                                      std::to_string(kMaxTransformNodes) +
                                      " operations once nested transforms are inlined)");
      return false;
    }
    return true;
  }

  std::optional<Val> eval(const Expr &expr) {
    if (!countStep(expr))
      return std::nullopt;
    llvm::SMRange range = expr.getRange();
    switch (expr.getKind()) {
    case Expr::Kind::IntegerLiteral: {
      int64_t v = cast<IntegerLiteralExpr>(expr).getValue();
      if (v > INT32_MAX) {
        sema.error(range, "integer literal " + std::to_string(v) +
                              " does not fit in 'i32' (write it as a float, such as '" +
                              std::to_string(v) + ".0', for an 'f32')");
        return std::nullopt;
      }
      return Val{constant(ElemType::I32, double(v), range.Start), range};
    }
    case Expr::Kind::FloatLiteral: {
      double v = cast<FloatLiteralExpr>(expr).getValue();
      if (std::fabs(v) > double(FLT_MAX)) {
        sema.error(range, "floating-point literal " + formatNumber(v) +
                              " does not fit in 'f32' (use 'inf' for infinity)");
        return std::nullopt;
      }
      return Val{constant(ElemType::F32, v, range.Start), range};
    }
    case Expr::Kind::BoolLiteral:
      return Val{constant(ElemType::Bool, cast<BoolLiteralExpr>(expr).getValue() ? 1 : 0,
                          range.Start),
                 range};
    case Expr::Kind::StringLiteral:
      sema.error(range, "strings cannot be used in a transform body");
      return std::nullopt;
    case Expr::Kind::List:
      sema.error(range, "lists cannot be used in a transform body");
      return std::nullopt;
    case Expr::Kind::Index:
      sema.error(range, "indexing is not supported in transform bodies; values are whole "
                        "rows (elementwise operations, reductions and 'where')");
      return std::nullopt;
    case Expr::Kind::Member:
      sema.error(range, "member access is not supported in this version of dec");
      return std::nullopt;
    case Expr::Kind::Name:
      return evalName(cast<NameExpr>(expr));
    case Expr::Kind::Call:
      return evalCall(cast<CallExpr>(expr));
    case Expr::Kind::Unary:
      return evalUnary(cast<UnaryExpr>(expr));
    case Expr::Kind::Binary:
      return evalBinary(cast<BinaryExpr>(expr));
    }
    return std::nullopt;
  }

  Local *lookupLocal(llvm::StringRef name) {
    auto it = locals.find(name);
    return it == locals.end() ? nullptr : &it->second;
  }

  std::vector<llvm::StringRef> visibleNames() const {
    std::vector<llvm::StringRef> names;
    for (const auto &entry : locals)
      names.push_back(entry.getKey());
    llvm::sort(names);
    for (const BodyFunction &fn : bodyFunctions())
      names.push_back(fn.name);
    for (llvm::StringRef name : bodyValueNames)
      names.push_back(name);
    names.push_back("require");
    std::vector<llvm::StringRef> transforms;
    for (const auto &entry : sema.globals)
      if (isa<TransformDecl>(entry.getValue()))
        transforms.push_back(entry.getKey());
    llvm::sort(transforms);
    llvm::append_range(names, transforms);
    return names;
  }

  /// What a top-level name is, for "cannot be used in a transform body" messages.
  static std::string describeGlobal(const Decl &d) {
    switch (d.getKind()) {
    case Decl::Kind::Model:
      return "a model";
    case Decl::Kind::Sampler:
      return "a sampler";
    case Decl::Kind::Constraint:
      return "a constraint";
    case Decl::Kind::Decode:
      return "a decode entry";
    default:
      return "a declaration";
    }
  }

  std::optional<Val> evalName(const NameExpr &expr) {
    const std::string &name = expr.getName();
    llvm::SMRange range = expr.getRange();
    if (Local *local = lookupLocal(name)) {
      local->used = true;
      return Val{local->node, range};
    }
    if (name == "inf")
      return Val{constant(ElemType::F32, std::numeric_limits<double>::infinity(), range.Start),
                 range};
    if (llvm::is_contained(orderNames, name)) {
      sema.error(range, "'" + name + "' is only meaningful as the order argument of "
                                     "'threshold_by_mass'");
      return std::nullopt;
    }
    if (name == "require") {
      sema.error(range, "'require' is a statement: 'require(cond, \"message\");'");
      return std::nullopt;
    }
    if (lookupBodyFunction(name)) {
      sema.error(range, "'" + name + "' is a function; call it with arguments, as in '" + name +
                            "(...)'");
      return std::nullopt;
    }
    if (const Decl *global = sema.lookupGlobal(name)) {
      if (const auto *transform = dyn_cast<TransformDecl>(global)) {
        sema.error(range, "transform '" + name + "' must be applied to a row here, as in '" +
                              name + (transform->isParametrised() ? "(...)" : "") + "(x)'")
            .note(transform->getNameRange(), "'" + name + "' is declared here");
        return std::nullopt;
      }
      sema.error(range, "'" + name + "' is " + describeGlobal(*global) +
                            " and cannot be used in a transform body")
          .note(global->getNameRange(), "'" + name + "' is declared here");
      return std::nullopt;
    }
    if (isBuiltinName(name)) {
      sema.error(range, "'" + name + "' cannot be used in a transform body");
      return std::nullopt;
    }
    sema.error(range, "unknown name '" + name + "'" + didYouMean(name, visibleNames()));
    return std::nullopt;
  }

  std::optional<Val> evalUnary(const UnaryExpr &expr) {
    std::optional<Val> operand = eval(expr.getOperand());
    if (!operand)
      return std::nullopt;
    BodyType t = type(*operand);
    llvm::SMRange range = expr.getRange();
    if (expr.getOp() == UnaryOp::Neg) {
      if (!isNumeric(t.elem)) {
        sema.error(range, "invalid operand to unary '-' ('" + spell(t) + "')");
        return std::nullopt;
      }
      return Val{make(Op::Neg, t.elem, {operand->node}, expr.getLoc()), range};
    }
    if (t.elem != ElemType::Bool) {
      sema.error(range, "invalid operand to '!' ('" + spell(t) + "'); it takes 'bool' values");
      return std::nullopt;
    }
    return Val{make(Op::Not, ElemType::Bool, {operand->node}, expr.getLoc()), range};
  }

  /// Brings two numeric operands to a common element type (i32 meets f32: f32).
  std::pair<Val, Val> unifyNumbers(Val a, Val b) {
    if (type(a).elem != type(b).elem) {
      a = toF32(a);
      b = toF32(b);
    }
    return {a, b};
  }

  std::optional<Val> evalBinary(const BinaryExpr &expr) {
    BinaryOp op = expr.getOp();
    llvm::SMRange opRange = expr.getOpRange();
    auto report = [&](const llvm::Twine &message) -> std::optional<Val> {
      sema.error(opRange, message).range(expr.getLHS().getRange()).range(expr.getRHS().getRange());
      return std::nullopt;
    };
    if (op == BinaryOp::Pipe)
      return report("'|' builds sampler pipelines and cannot be used in a transform body; "
                    "for the elementwise or of booleans, use '||'");
    if (op == BinaryOp::Conj)
      return report("'&' combines constraints and cannot be used in a transform body; for "
                    "the elementwise and of booleans, use '&&'");
    std::optional<Val> lhs = eval(expr.getLHS());
    std::optional<Val> rhs = eval(expr.getRHS());
    if (!lhs || !rhs)
      return std::nullopt;
    BodyType a = type(*lhs), b = type(*rhs);
    std::string opText = spelling(op).str();
    auto invalid = [&](const std::string &hint = "") {
      return report("invalid operands to '" + opText + "' ('" + spell(a) + "' and '" + spell(b) +
                    "')" + hint);
    };
    llvm::SMLoc loc = expr.getLoc();
    llvm::SMRange range = expr.getRange();
    switch (op) {
    case BinaryOp::Rem:
      return report("'%' is not supported in transform bodies");
    case BinaryOp::Add:
    case BinaryOp::Sub:
    case BinaryOp::Mul:
    case BinaryOp::Div: {
      if (!isNumeric(a.elem) || !isNumeric(b.elem))
        return invalid();
      if (op == BinaryOp::Div && a.elem == ElemType::I32 && b.elem == ElemType::I32)
        return report("integer division is not supported in transform bodies; make an operand "
                      "'f32' (a literal such as '2.0') for a floating-point division");
      auto [x, y] = unifyNumbers(*lhs, *rhs);
      Op o = op == BinaryOp::Add   ? Op::Add
             : op == BinaryOp::Sub ? Op::Sub
             : op == BinaryOp::Mul ? Op::Mul
                                   : Op::Div;
      return Val{make(o, type(x).elem, {x.node, y.node}, loc), range};
    }
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
    case BinaryOp::Eq:
    case BinaryOp::Ne: {
      bool equality = op == BinaryOp::Eq || op == BinaryOp::Ne;
      bool bools = a.elem == ElemType::Bool && b.elem == ElemType::Bool;
      if (!(isNumeric(a.elem) && isNumeric(b.elem)) && !(equality && bools))
        return invalid();
      auto [x, y] = bools ? std::pair<Val, Val>{*lhs, *rhs} : unifyNumbers(*lhs, *rhs);
      Op o = op == BinaryOp::Lt   ? Op::Lt
             : op == BinaryOp::Le ? Op::Le
             : op == BinaryOp::Gt ? Op::Gt
             : op == BinaryOp::Ge ? Op::Ge
             : op == BinaryOp::Eq ? Op::Eq
                                  : Op::Ne;
      return Val{make(o, ElemType::Bool, {x.node, y.node}, loc), range};
    }
    case BinaryOp::And:
    case BinaryOp::Or:
      if (a.elem != ElemType::Bool || b.elem != ElemType::Bool)
        return invalid();
      return Val{make(op == BinaryOp::And ? Op::And : Op::Or, ElemType::Bool,
                      {lhs->node, rhs->node}, loc),
                 range};
    default:
      return invalid();
    }
  }

  //===-- Calls -------------------------------------------------------------------------===//

  /// Binds the arguments of a call to `names` (positional first, then named), reporting
  /// errors like the calls of the rest of the language.  `positionalSlots` maps the i-th
  /// positional argument to a parameter (the identity when empty).
  std::optional<std::vector<const Expr *>>
  bindArgs(const CallExpr &call, llvm::StringRef what, llvm::ArrayRef<llvm::StringRef> names,
           const std::vector<bool> &required, llvm::ArrayRef<size_t> positionalSlots = {}) {
    std::vector<const Expr *> slots(names.size(), nullptr);
    std::vector<llvm::SMRange> slotRanges(names.size());
    const Argument *firstNamed = nullptr;
    size_t positional = 0;
    bool ok = true, reportedTooMany = false;
    for (const Argument &arg : call.getArgs()) {
      if (arg.isNamed()) {
        if (!firstNamed)
          firstNamed = &arg;
        auto it = llvm::find(names, llvm::StringRef(arg.name));
        if (it == names.end()) {
          sema.error(arg.nameRange, "unknown argument '" + arg.name + "' in call to '" + what +
                                        "'" +
                                        didYouMean(arg.name, std::vector<llvm::StringRef>(
                                                                 names.begin(), names.end())));
          ok = false;
          continue;
        }
        size_t slot = it - names.begin();
        if (slots[slot]) {
          sema.error(arg.nameRange, "argument '" + arg.name + "' is given twice")
              .note(slotRanges[slot], "first given here");
          ok = false;
          continue;
        }
        slots[slot] = arg.value.get();
        slotRanges[slot] = llvm::SMRange(arg.nameRange.Start, arg.value->getRange().End);
        continue;
      }
      if (firstNamed) {
        sema.error(arg.value->getRange(),
                   "positional argument after named argument '" + firstNamed->name + "'");
        ok = false;
        continue;
      }
      size_t limit = positionalSlots.empty() ? names.size() : positionalSlots.size();
      if (positional < limit) {
        size_t slot = positionalSlots.empty() ? positional : positionalSlots[positional];
        slots[slot] = arg.value.get();
        slotRanges[slot] = arg.value->getRange();
      } else if (!reportedTooMany) {
        sema.error(arg.value->getRange(), "too many arguments to '" + what + "' (it takes " +
                                              std::to_string(limit) +
                                              (limit == 1 ? " argument)" : " arguments)"));
        reportedTooMany = true;
        ok = false;
      }
      ++positional;
    }
    if (!ok)
      return std::nullopt;
    for (size_t i = 0; i != names.size(); ++i) {
      if (slots[i] || !required[i])
        continue;
      sema.error(call.getRange(),
                 "missing argument '" + names[i].str() + "' in call to '" + what + "'");
      ok = false;
    }
    if (!ok)
      return std::nullopt;
    return slots;
  }

  std::optional<Val> evalCall(const CallExpr &call) {
    const Expr &callee = call.getCallee();
    if (const auto *inner = dyn_cast<CallExpr>(&callee)) // t(args)(row)
      return applyTransform(call, inner);
    const auto *name = dyn_cast<NameExpr>(&callee);
    if (!name) {
      if (isa<MemberExpr>(callee))
        sema.error(callee.getRange(), "member access is not supported in this version of dec");
      else
        sema.error(callee.getRange(), "only named functions and transforms can be called");
      return std::nullopt;
    }
    const std::string &fnName = name->getName();
    if (Local *local = lookupLocal(fnName)) {
      sema.error(name->getRange(), "'" + fnName + "' is a value of type '" +
                                       spell(dag.type(local->node)) + "', not a function")
          .note(local->nameRange, "'" + fnName + "' is declared here");
      return std::nullopt;
    }
    if (const BodyFunction *fn = lookupBodyFunction(fnName))
      return callBuiltin(call, *fn);
    if (fnName == "require") {
      sema.error(call.getRange(), "'require' is a statement and has no value; write it on its "
                                  "own: 'require(cond, \"message\");'");
      return std::nullopt;
    }
    if (const Decl *global = sema.lookupGlobal(fnName)) {
      if (const auto *transform = dyn_cast<TransformDecl>(global)) {
        if (transform->isParametrised()) {
          sema.error(call.getRange(), "transform '" + fnName +
                                          "' takes its compile-time arguments first; apply it "
                                          "to the row as in '" +
                                          fnName + "(...)(x)'")
              .note(transform->getNameRange(), "'" + fnName + "' is declared here");
          return std::nullopt;
        }
        return applyTransform(call, nullptr);
      }
      sema.error(name->getRange(), "'" + fnName + "' is " + describeGlobal(*global) +
                                       " and cannot be used in a transform body")
          .note(global->getNameRange(), "'" + fnName + "' is declared here");
      return std::nullopt;
    }
    if (lookupBuiltinFunction(fnName)) {
      sema.error(name->getRange(),
                 "built-in '" + fnName +
                     "' cannot be used in a transform body; built-in transforms go in the "
                     "sampler pipeline ('... | " +
                     fnName + "(...) | ...')");
      return std::nullopt;
    }
    if (llvm::is_contained(bodyValueNames, fnName) || isBuiltinName(fnName)) {
      sema.error(name->getRange(), "'" + fnName + "' is not a function");
      return std::nullopt;
    }
    sema.error(name->getRange(), "unknown function '" + fnName + "'" +
                                     didYouMean(fnName, visibleNames()));
    return std::nullopt;
  }

  /// Reports that argument `param` of `fn` has the wrong type.
  std::nullopt_t badArg(llvm::StringRef fn, llvm::StringRef param, const Val &v,
                        llvm::StringRef expected, llvm::StringRef hint = "") {
    sema.error(v.origin, "argument '" + param + "' of '" + fn + "' expects " + expected +
                             ", got '" + spell(type(v)) + "'" + hint);
    return std::nullopt;
  }

  /// A numeric row as f32[V] (i32 rows convert), or an error.
  std::optional<Val> rowF32(llvm::StringRef fn, llvm::StringRef param, const Val &v,
                            bool reduction) {
    BodyType t = type(v);
    if (t.row && isNumeric(t.elem))
      return toF32(v);
    if (!t.row && isNumeric(t.elem)) {
      std::string what = reduction ? "reduces a row" : "works on a row";
      std::string hint = fn == "max" || fn == "min"
                             ? "; for the " + std::string(fn == "max" ? "larger" : "smaller") +
                                   " of two values write '" + fn.str() + "(a, b)'"
                             : "";
      sema.error(v.origin, "'" + fn + "' " + what + " ('f32[V]'), but argument '" + param +
                               "' is a scalar of type '" + spell(t) + "'" + hint);
      return std::nullopt;
    }
    return badArg(fn, param, v, "'f32[V]'",
                  t.elem == ElemType::Bool && fn == "sum" ? " (use 'count' to count true entries)"
                                                          : "");
  }

  std::optional<Val> callBuiltin(const CallExpr &call, const BodyFunction &fn) {
    llvm::SMRange range = call.getRange();
    llvm::SMLoc loc = call.getLoc();
    std::vector<bool> required(fn.params.size(), false);
    for (size_t i = 0; i != fn.required; ++i)
      required[i] = true;
    std::vector<size_t> positionalSlots;
    if (fn.id == BodyBuiltin::ThresholdByMass) {
      required = {true, false, true, true};
      // `threshold_by_mass(keys, ascending, weights, mass)` or `(keys, weights, mass)`.
      size_t positional = 0;
      bool orderSecond = false;
      for (const Argument &arg : call.getArgs()) {
        if (arg.isNamed())
          break;
        if (positional == 1)
          if (const auto *n = dyn_cast<NameExpr>(arg.value.get()))
            orderSecond = llvm::is_contained(orderNames, n->getName()) && !lookupLocal(n->getName());
        ++positional;
      }
      positionalSlots = orderSecond || positional >= 4 ? std::vector<size_t>{0, 1, 2, 3}
                                                       : std::vector<size_t>{0, 2, 3};
    }
    std::optional<std::vector<const Expr *>> slots =
        bindArgs(call, fn.name, fn.params, required, positionalSlots);
    if (!slots)
      return std::nullopt;

    // The order of threshold_by_mass is a word, not a value.
    bool ascending = false;
    std::vector<std::optional<Val>> args(slots->size());
    bool ok = true;
    for (size_t i = 0; i != slots->size(); ++i) {
      const Expr *slot = (*slots)[i];
      if (!slot)
        continue;
      if (fn.id == BodyBuiltin::ThresholdByMass && i == 1) {
        const auto *word = dyn_cast<NameExpr>(slot);
        if (!word || !llvm::is_contained(orderNames, word->getName()) ||
            lookupLocal(word->getName())) {
          sema.error(slot->getRange(), "the order of 'threshold_by_mass' must be written "
                                       "'ascending' or 'descending'");
          ok = false;
          continue;
        }
        ascending = word->getName() == "ascending";
        continue;
      }
      args[i] = eval(*slot);
      ok &= args[i].has_value();
    }
    if (!ok)
      return std::nullopt;
    auto arg = [&](size_t i) -> const Val & { return *args[i]; };

    switch (fn.id) {
    case BodyBuiltin::Exp:
    case BodyBuiltin::Log:
    case BodyBuiltin::Sqrt:
    case BodyBuiltin::IsNaN: {
      if (!isNumeric(type(arg(0)).elem))
        return badArg(fn.name, "x", arg(0), "a number ('f32' or 'f32[V]')");
      Val x = toF32(arg(0));
      Op o = fn.id == BodyBuiltin::Exp ? Op::Exp : fn.id == BodyBuiltin::Log ? Op::Log
             : fn.id == BodyBuiltin::Sqrt ? Op::Sqrt : Op::IsNaN;
      return Val{make(o, o == Op::IsNaN ? ElemType::Bool : ElemType::F32, {x.node}, loc), range};
    }
    case BodyBuiltin::Abs: {
      if (!isNumeric(type(arg(0)).elem))
        return badArg(fn.name, "x", arg(0), "a number ('f32', 'i32' or a row of them)");
      return Val{make(Op::Abs, type(arg(0)).elem, {arg(0).node}, loc), range};
    }
    case BodyBuiltin::Min:
    case BodyBuiltin::Max: {
      Op o = fn.id == BodyBuiltin::Min ? Op::Min : Op::Max;
      if (args[1]) { // elementwise
        for (size_t i = 0; i != 2; ++i)
          if (!isNumeric(type(arg(i)).elem))
            return badArg(fn.name, fn.params[i], arg(i), "a number ('f32', 'i32' or a row of them)");
        auto [x, y] = unifyNumbers(arg(0), arg(1));
        return Val{make(o, type(x).elem, {x.node, y.node}, loc), range};
      }
      std::optional<Val> x = rowF32(fn.name, "x", arg(0), true);
      if (!x)
        return std::nullopt;
      return Val{make(o == Op::Min ? Op::ReduceMin : Op::ReduceMax, ElemType::F32, {x->node}, loc),
                 range};
    }
    case BodyBuiltin::Sum: {
      std::optional<Val> x = rowF32(fn.name, "x", arg(0), true);
      if (!x)
        return std::nullopt;
      return Val{make(Op::ReduceSum, ElemType::F32, {x->node}, loc), range};
    }
    case BodyBuiltin::Argmax: {
      std::optional<Val> x = rowF32(fn.name, "x", arg(0), true);
      if (!x)
        return std::nullopt;
      return Val{make(Op::Argmax, ElemType::I32, {x->node}, loc), range};
    }
    case BodyBuiltin::Count: {
      BodyType t = type(arg(0));
      if (t.elem != ElemType::Bool || !t.row) {
        if (t.elem == ElemType::Bool)
          sema.error(arg(0).origin, "'count' reduces a row ('bool[V]'), but argument 'mask' is "
                                    "a scalar of type 'bool'");
        else
          badArg(fn.name, "mask", arg(0), "'bool[V]'");
        return std::nullopt;
      }
      return Val{make(Op::Count, ElemType::I32, {arg(0).node}, loc), range};
    }
    case BodyBuiltin::LogSumExp:
    case BodyBuiltin::Softmax:
    case BodyBuiltin::LogSoftmax:
    case BodyBuiltin::RelativeProbs: {
      std::optional<Val> x = rowF32(fn.name, "x", arg(0), fn.id == BodyBuiltin::LogSumExp);
      if (!x)
        return std::nullopt;
      return Val{expandSoftmaxFamily(fn.id, x->node, loc), range};
    }
    case BodyBuiltin::KthLargest: {
      std::optional<Val> x = rowF32(fn.name, "x", arg(0), true);
      if (!x)
        return std::nullopt;
      BodyType k = type(arg(1));
      if (k.row || k.elem != ElemType::I32)
        return badArg(fn.name, "k", arg(1), "'i32'");
      unsigned rank = make(Op::ExtI64, ElemType::I64, {arg(1).node}, loc);
      dag.markPerRow(rank);
      return Val{make(Op::KthLargest, ElemType::F32, {x->node, rank}, loc), range};
    }
    case BodyBuiltin::ThresholdByMass: {
      std::optional<Val> keys = rowF32(fn.name, "keys", arg(0), true);
      std::optional<Val> weights = keys ? rowF32(fn.name, "weights", arg(2), true) : std::nullopt;
      if (!keys || !weights)
        return std::nullopt;
      BodyType m = type(arg(3));
      if (m.row || !isNumeric(m.elem))
        return badArg(fn.name, "mass", arg(3), "'f32'");
      unsigned budget = make(Op::ExtF64, ElemType::F64, {toF32(arg(3)).node}, loc);
      dag.markPerRow(budget);
      if (!ascending)
        return Val{make(Op::MassBoundary, ElemType::F32, {keys->node, weights->node, budget}, loc),
                   range};
      // The largest key whose strictly smaller keys weigh less than the mass: the
      // descending search on the negated keys.
      unsigned negated = make(Op::Neg, ElemType::F32, {keys->node}, loc);
      unsigned tau = make(Op::MassBoundary, ElemType::F32, {negated, weights->node, budget}, loc);
      unsigned result = make(Op::Neg, ElemType::F32, {tau}, loc);
      dag.markPerRow(result);
      return Val{result, range};
    }
    case BodyBuiltin::Where: {
      BodyType c = type(arg(0));
      if (c.elem != ElemType::Bool)
        return badArg(fn.name, "cond", arg(0), "'bool' or 'bool[V]'");
      BodyType a = type(arg(1)), b = type(arg(2));
      Val x = arg(1), y = arg(2);
      if (a.elem != b.elem) {
        if (!isNumeric(a.elem) || !isNumeric(b.elem)) {
          sema.error(range, "'where' needs values of the same kind for 'x' and 'y', got '" +
                                spell(a) + "' and '" + spell(b) + "'")
              .range(arg(1).origin)
              .range(arg(2).origin);
          return std::nullopt;
        }
        std::tie(x, y) = unifyNumbers(x, y);
      }
      return Val{make(Op::Select, type(x).elem, {arg(0).node, x.node, y.node}, loc), range};
    }
    case BodyBuiltin::Index:
      return Val{dag.leaf(Op::Index, ElemType::I32, true, lineCol(loc).first, lineCol(loc).second),
                 range};
    }
    return std::nullopt;
  }

  /// softmax, log_softmax, logsumexp and relative_probs of a row, in the shapes of
  /// logits-decompose (the built-in softmax): max, weights, sum in f64.
  unsigned expandSoftmaxFamily(BodyBuiltin id, unsigned x, llvm::SMLoc loc) {
    unsigned m = make(Op::ReduceMax, ElemType::F32, {x}, loc);
    unsigned w = make(Op::Weights, ElemType::F32, {x, m}, loc);
    if (id == BodyBuiltin::RelativeProbs)
      return w;
    unsigned s = make(Op::ReduceSum, ElemType::F64, {w}, loc);
    // The scalars of the expansions are computed once per row, as logits-decompose does.
    auto perRow = [&](unsigned n) {
      dag.markPerRow(n);
      return n;
    };
    unsigned mass = perRow(make(Op::TruncF32, ElemType::F32, {s}, loc));
    if (id == BodyBuiltin::Softmax) {
      unsigned one = constant(ElemType::F32, 1.0, loc);
      unsigned inverse = perRow(make(Op::Div, ElemType::F32, {one, mass}, loc));
      // A row without an entry above -inf has no mass: all zeros, not 0 * inf.
      unsigned negInf = constant(ElemType::F32, -std::numeric_limits<double>::infinity(), loc);
      unsigned hasNumber = perRow(make(Op::Gt, ElemType::Bool, {m, negInf}, loc));
      unsigned scaled = make(Op::Mul, ElemType::F32, {w, inverse}, loc);
      unsigned zero = constant(ElemType::F32, 0.0, loc);
      return make(Op::Select, ElemType::F32, {hasNumber, scaled, zero}, loc);
    }
    unsigned logMass = perRow(make(Op::Log, ElemType::F32, {mass}, loc));
    if (id == BodyBuiltin::LogSumExp)
      return perRow(make(Op::Add, ElemType::F32, {m, logMass}, loc));
    // (x - max) - log(sum): exact for the most likely token.
    unsigned shifted = make(Op::Sub, ElemType::F32, {x, m}, loc);
    return make(Op::Sub, ElemType::F32, {shifted, logMass}, loc);
  }

  /// `t(args)(row)` (`inner` is `t(args)`) or `t(row)` for a transform without
  /// compile-time parameters (`inner` null): the body of `t` inlined on the row.
  std::optional<Val> applyTransform(const CallExpr &call, const CallExpr *inner) {
    const Expr &calleeExpr = inner ? inner->getCallee() : call.getCallee();
    const auto *calleeName = dyn_cast<NameExpr>(&calleeExpr);
    const Decl *global = calleeName ? sema.lookupGlobal(calleeName->getName()) : nullptr;
    const auto *transform = llvm::dyn_cast_or_null<TransformDecl>(global);
    if (!calleeName || lookupLocal(calleeName->getName()) || !transform ||
        lookupBodyFunction(calleeName->getName())) {
      sema.error(calleeExpr.getRange(), "only a transform can be applied to a row with "
                                        "'f(...)(x)'");
      return std::nullopt;
    }
    const std::string &name = transform->getName();
    if (inner && !transform->isParametrised()) {
      sema.error(inner->getRange(), "transform '" + name +
                                        "' has no compile-time parameters; apply it as '" +
                                        name + "(x)'")
          .note(transform->getNameRange(), "'" + name + "' is declared here");
      return std::nullopt;
    }
    if (sema.isTransformActive(*transform)) {
      sema.error(calleeExpr.getRange(), "recursive use of '" + name + "' is not supported")
          .note(transform->getNameRange(), "'" + name + "' is declared here");
      return std::nullopt;
    }
    if (!sema.checkTransform(*transform))
      return std::nullopt; // its errors are reported at its declaration

    // The row argument.
    const ParamDecl &rowParam = transform->getRuntimeParams().front();
    std::optional<std::vector<const Expr *>> rowSlot =
        bindArgs(call, name, {rowParam.name}, {true});
    if (!rowSlot)
      return std::nullopt;
    std::optional<Val> row = eval(*(*rowSlot)[0]);
    if (!row)
      return std::nullopt;
    std::optional<Val> rowAsF32 = convert(*row, {ElemType::F32, true});
    if (!rowAsF32) {
      sema.error(row->origin, "transform '" + name + "' is applied to a row of logits "
                              "('f32[V]'), got '" +
                                  spell(type(*row)) + "'");
      return std::nullopt;
    }

    // The compile-time arguments: compile-time values, converted to the parameters' types.
    const auto &params = transform->getParams();
    std::vector<unsigned> paramNodes;
    if (inner) {
      std::vector<llvm::StringRef> names;
      std::vector<bool> required;
      for (const ParamDecl &p : params) {
        names.push_back(p.name);
        required.push_back(p.defaultValue == nullptr);
      }
      std::optional<std::vector<const Expr *>> slots = bindArgs(*inner, name, names, required);
      if (!slots)
        return std::nullopt;
      bool ok = true;
      for (size_t i = 0; i != params.size(); ++i) {
        std::optional<unsigned> node = (*slots)[i] ? compileTimeArg(*transform, i, *(*slots)[i])
                                                   : defaultArg(*transform, i);
        if (!node) {
          ok = false;
          continue;
        }
        paramNodes.push_back(*node);
      }
      if (!ok)
        return std::nullopt;
    }

    if (sema.evaluationDepth >= Sema::kMaxEvaluationDepth) {
      sema.error(call.getRange(), "declarations are nested too deeply (the limit is " +
                                      std::to_string(Sema::kMaxEvaluationDepth) + ")");
      return std::nullopt;
    }
    sema.instantiations.push_back({transform, call.getRange(), false});
    ++sema.evaluationDepth;
    llvm::scope_exit popFrame([&] {
      --sema.evaluationDepth;
      sema.instantiations.pop_back();
    });
    TransformBodyChecker nested(sema, dag, *transform, file);
    std::optional<unsigned> result = nested.run(paramNodes, rowAsF32->node, false);
    if (!result)
      return std::nullopt;
    return Val{*result, call.getRange()};
  }

  /// The type a compile-time parameter is declared with (checked by the declaration).
  static ElemType paramType(const ParamDecl &param) {
    return param.type.name == "i32" ? ElemType::I32
           : param.type.name == "bool" ? ElemType::Bool
                                       : ElemType::F32;
  }

  std::optional<unsigned> compileTimeArg(const TransformDecl &transform, size_t i,
                                         const Expr &expr) {
    const ParamDecl &param = transform.getParams()[i];
    std::optional<Val> value = eval(expr);
    if (!value)
      return std::nullopt;
    std::string what = "argument '" + param.name + "' of '" + transform.getName() + "'";
    if (!dag.isCompileTime(value->node)) {
      sema.error(value->origin, what + " must be known at compile time, but it depends on "
                                       "the logits");
      return std::nullopt;
    }
    ElemType want = paramType(param);
    BodyType got = type(*value);
    if (got.elem == want)
      return value->node;
    if (got.elem == ElemType::I32 && want == ElemType::F32)
      return toF32(*value).node;
    sema.error(value->origin, what + " expects '" + spelling(want) + "', got '" + spell(got) + "'" +
                                  (want == ElemType::I32 && got.elem == ElemType::F32
                                       ? " (floating-point values do not convert to integers "
                                         "implicitly)"
                                       : ""));
    return std::nullopt;
  }

  std::optional<unsigned> defaultArg(const TransformDecl &transform, size_t i) {
    const ParamDecl &param = transform.getParams()[i];
    Scope empty;
    std::optional<Value> value = sema.eval(*param.defaultValue, empty);
    if (!value)
      return std::nullopt;
    std::string why;
    std::optional<Value> converted =
        convertTo(*value, *lookupDeclaredType(param.type.name), why);
    if (!converted)
      return std::nullopt; // reported at the declaration
    return paramConstant(param, *converted, -1);
  }

public:
  /// The node of a compile-time parameter's value.
  unsigned paramConstant(const ParamDecl &param, const Value &value, int index) {
    ElemType t = paramType(param);
    double v = value.is(Value::Kind::Bool) ? (value.getBool() ? 1 : 0) : value.getNumber();
    return dag.constant(t, v, index);
  }

private:
  Sema &sema;
  TransformDag &dag;
  const TransformDecl &decl;
  std::string file;
  llvm::StringMap<Local> locals;
  std::vector<Local *> lets;
};

} // namespace dec::lang

//===------------------------------------------------------------------------------------===//
// Declarations and uses
//===------------------------------------------------------------------------------------===//

bool Sema::isTransformActive(const TransformDecl &decl) const {
  auto it = transformStatus.find(&decl);
  if (it != transformStatus.end() && it->second == TransformStatus::Checking)
    return true;
  return llvm::any_of(instantiations, [&](const Instantiation &frame) { return frame.decl == &decl; });
}

/// The file a declaration is in (for node locations).
static std::string fileOf(llvm::SourceMgr &sourceMgr, const Decl &decl) {
  unsigned buffer = decl.getLoc().isValid() ? sourceMgr.FindBufferContainingLoc(decl.getLoc()) : 0;
  return buffer ? sourceMgr.getMemoryBuffer(buffer)->getBufferIdentifier().str() : std::string();
}

bool Sema::checkTransform(const TransformDecl &decl) {
  TransformStatus &status = transformStatus[&decl];
  if (status == TransformStatus::Ok)
    return true;
  if (status != TransformStatus::Unchecked)
    return false; // failed, or being checked (the caller reports the recursion)
  status = TransformStatus::Checking;
  bool ok = true;
  const std::string &name = decl.getName();

  // Parameters: compile-time ones are numbers or booleans; one run-time row.
  llvm::StringMap<const ParamDecl *> seen;
  auto unique = [&](const ParamDecl &param) {
    auto [it, inserted] = seen.try_emplace(param.name, &param);
    if (!inserted) {
      diags.error(param.nameRange, "duplicate parameter '" + param.name + "'")
          .note(it->second->nameRange, "previous parameter is here");
      ok = false;
    }
  };
  for (const ParamDecl &param : decl.getParams()) {
    unique(param);
    const TypeRef &type = param.type;
    std::optional<DeclaredType> declared = lookupDeclaredType(type.name);
    bool scalar = declared && type.shape.empty() &&
                  (*declared == DeclaredType::F32 || *declared == DeclaredType::I32 ||
                   *declared == DeclaredType::Bool);
    if (!declared) {
      diags.error(type.range, "unknown type '" + type.name + "'" +
                                  didYouMean(type.name, declaredTypeNames()));
      ok = false;
    } else if (!scalar) {
      Diagnostic diag = diags.error(type.range, "compile-time parameters of a transform have "
                                                "type 'f32', 'i32' or 'bool'");
      if (!type.shape.empty())
        diag.note(decl.getRuntimeParamsRange(),
                  "the row of logits is the run-time parameter, in the second list");
      ok = false;
    } else if (param.defaultValue) {
      Scope empty;
      if (std::optional<Value> value = eval(*param.defaultValue, empty)) {
        std::string why;
        if (!convertTo(*value, *declared, why)) {
          error(param.defaultValue->getRange(),
                "default value of parameter '" + param.name + "' " + why);
          ok = false;
        }
      } else {
        ok = false;
      }
    }
  }
  const auto &runtime = decl.getRuntimeParams();
  if (runtime.empty()) {
    diags.error(decl.getRuntimeParamsRange(),
                "transform '" + name + "' must take the row of logits as its run-time "
                "parameter, as in '(logits: f32[V])'");
    ok = false;
  }
  for (size_t i = 0; i != runtime.size(); ++i) {
    const ParamDecl &param = runtime[i];
    unique(param);
    if (i > 0) {
      diags.error(param.nameRange, "a transform takes one run-time parameter, the row of "
                                   "logits");
      ok = false;
      continue;
    }
    const TypeRef &type = param.type;
    if (type.name != "f32" || type.shape.size() != 1 || type.shape[0].symbol != "V") {
      diags.error(type.range, "the run-time parameter of a transform is the row of logits, of "
                              "type 'f32[V]'");
      ok = false;
    }
    if (param.defaultValue) {
      diags.error(param.defaultValue->getRange(),
                  "the run-time parameter of a transform cannot have a default value");
      ok = false;
    }
  }
  const TypeRef &result = decl.getResultType();
  if (result.name != "f32" || result.shape.size() != 1 || result.shape[0].symbol != "V") {
    diags.error(result.range, "a transform returns the row of logits, of type 'f32[V]'");
    ok = false;
  }

  if (ok) {
    // The body, once, with symbolic compile-time parameters: every type error is found
    // whatever the arguments.  Checked outside any instantiation (like a declaration's
    // value), under a quiet frame that marks it active.
    std::vector<Instantiation> outer;
    std::swap(outer, instantiations);
    instantiations.push_back({&decl, decl.getNameRange(), /*quiet=*/true});
    ++evaluationDepth;
    UserTransform scratch;
    TransformDag dag(scratch);
    std::vector<unsigned> params;
    for (const ParamDecl &param : decl.getParams())
      params.push_back(dag.symbolic(param.type.name == "i32"    ? ElemType::I32
                                    : param.type.name == "bool" ? ElemType::Bool
                                                                : ElemType::F32));
    unsigned logits = dag.leaf(Op::Logits, ElemType::F32, true, 0, 0);
    TransformBodyChecker checker(*this, dag, decl, fileOf(sourceMgr, decl));
    ok = checker.run(params, logits, /*warnUnused=*/true).has_value();
    --evaluationDepth;
    std::swap(outer, instantiations);
  }
  transformStatus[&decl] = ok ? TransformStatus::Ok : TransformStatus::Failed;
  return ok;
}

std::optional<Value> Sema::instantiateTransform(const TransformDecl &decl, const CallExpr *call,
                                                llvm::SMRange use, Scope &callerScope) {
  const std::string &name = decl.getName();
  if (isTransformActive(decl)) {
    error(use, "recursive use of '" + name + "' is not supported")
        .note(decl.getNameRange(), "'" + name + "' is declared here");
    return std::nullopt;
  }
  if (call && !decl.isParametrised()) {
    error(call->getCallee().getRange(),
          "transform '" + name + "' has no compile-time parameters; use it without '(...)'")
        .note(decl.getNameRange(), "'" + name + "' is declared here");
    return std::nullopt;
  }
  if (!checkTransform(decl))
    return std::nullopt;
  if (evaluationDepth >= kMaxEvaluationDepth) {
    error(use, "declarations are nested too deeply (the limit is " +
                   std::to_string(kMaxEvaluationDepth) + ")");
    return std::nullopt;
  }

  const auto &params = decl.getParams();
  std::vector<ParamSpec> specs;
  for (const ParamDecl &param : params)
    specs.push_back({param.name, param.defaultValue == nullptr, false});
  std::optional<BoundArgs> bound =
      bindArguments(call ? &call->getArgs() : nullptr, specs, name, use, callerScope);
  if (!bound)
    return std::nullopt;

  instantiations.push_back({&decl, use, false});
  ++evaluationDepth;
  llvm::scope_exit popFrame([&] {
    --evaluationDepth;
    instantiations.pop_back();
  });

  auto result = std::make_shared<UserTransform>();
  result->name = name;
  result->file = fileOf(sourceMgr, decl);
  Loc declLoc = toLoc(decl.getNameRange().Start);
  result->line = declLoc.line;
  result->col = declLoc.col;
  TransformDag dag(*result);
  TransformBodyChecker checker(*this, dag, decl, result->file);
  std::vector<unsigned> paramNodes;
  bool ok = true;
  for (size_t i = 0; i != params.size(); ++i) {
    const ParamDecl &param = params[i];
    std::optional<Value> value = bound->slots[i];
    bool fromDefault = !value;
    if (fromDefault) {
      Scope empty;
      value = eval(*param.defaultValue, empty);
      if (!value) {
        ok = false;
        continue;
      }
    }
    std::string why;
    std::optional<Value> converted = convertTo(*value, *lookupDeclaredType(param.type.name), why);
    if (!converted) {
      if (fromDefault)
        error(value->getOrigin(), "default value of parameter '" + param.name + "' " + why);
      else
        error(value->getOrigin(), "argument '" + param.name + "' of '" + name + "' " + why);
      ok = false;
      continue;
    }
    unsigned node = checker.paramConstant(param, *converted, int(i));
    paramNodes.push_back(node);
    result->params.push_back({param.name, dag.node(node).type, converted->is(Value::Kind::Bool)
                                                                   ? (converted->getBool() ? 1.0 : 0.0)
                                                                   : converted->getNumber()});
  }
  if (!ok)
    return std::nullopt;
  unsigned logits = dag.leaf(Op::Logits, ElemType::F32, true, 0, 0);
  std::optional<unsigned> root = checker.run(paramNodes, logits, /*warnUnused=*/false);
  if (!root)
    return std::nullopt;
  result->result = *root;
  dag.prune(result->result);

  Pipeline pipeline;
  TransformStep step{TransformKind::User, 0.0, toLoc(use.Start)};
  step.user = std::move(result);
  pipeline.steps.push_back(std::move(step));
  return Value::pipeline(std::move(pipeline), use);
}
