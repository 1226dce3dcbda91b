#include "expr/functions.h"

#include <array>
#include <limits>
#include <numbers>

namespace graphrun::expr {
namespace {

// numpy's names and semantics (np.round rounds half to even, np.fmod takes the dividend's
// sign, np.sign(nan) is nan); min and max are numpy's minimum and maximum (NaN wins).
constexpr std::array<FunctionInfo, 38> kFunctions = {{
    {"neg", 1, OpCode::kNeg},         {"abs", 1, OpCode::kAbs},
    {"exp", 1, OpCode::kExp},         {"log", 1, OpCode::kLog},
    {"sqrt", 1, OpCode::kSqrt},       {"square", 1, OpCode::kSquare},
    {"recip", 1, OpCode::kRecip},     {"sin", 1, OpCode::kSin},
    {"cos", 1, OpCode::kCos},         {"tanh", 1, OpCode::kTanh},
    {"sigmoid", 1, OpCode::kSigmoid}, {"relu", 1, OpCode::kRelu},
    {"silu", 1, OpCode::kSilu},       {"softplus", 1, OpCode::kSoftplus},
    {"tan", 1, OpCode::kTan},         {"asin", 1, OpCode::kAsin},
    {"acos", 1, OpCode::kAcos},       {"atan", 1, OpCode::kAtan},
    {"sinh", 1, OpCode::kSinh},       {"cosh", 1, OpCode::kCosh},
    {"asinh", 1, OpCode::kAsinh},     {"acosh", 1, OpCode::kAcosh},
    {"atanh", 1, OpCode::kAtanh},     {"erf", 1, OpCode::kErf},
    {"log1p", 1, OpCode::kLog1p},     {"expm1", 1, OpCode::kExpm1},
    {"sign", 1, OpCode::kSign},       {"floor", 1, OpCode::kFloor},
    {"ceil", 1, OpCode::kCeil},       {"round", 1, OpCode::kRound},
    {"pow", 2, OpCode::kPow},         {"maximum", 2, OpCode::kMaximum},
    {"minimum", 2, OpCode::kMinimum}, {"max", 2, OpCode::kMaximum},
    {"min", 2, OpCode::kMinimum},     {"atan2", 2, OpCode::kAtan2},
    {"hypot", 2, OpCode::kHypot},     {"fmod", 2, OpCode::kFmod},
}};

// Ternary functions, kept apart so the table above stays a table of opcodes.
constexpr std::array<FunctionInfo, 2> kTernary = {{
    {"where", 3, OpCode::kWhere},
    {"clip", 3, OpCode::kMinimum, true},
}};

constexpr std::array<ConstantInfo, 4> kConstants = {{
    {"pi", std::numbers::pi},
    {"e", std::numbers::e},
    {"inf", std::numeric_limits<double>::infinity()},
    {"nan", std::numeric_limits<double>::quiet_NaN()},
}};

constexpr auto kNames = [] {
  std::array<std::string_view, kFunctions.size() + kTernary.size()> names{};
  for (size_t i = 0; i < kFunctions.size(); ++i) names[i] = kFunctions[i].name;
  for (size_t i = 0; i < kTernary.size(); ++i) names[kFunctions.size() + i] = kTernary[i].name;
  return names;
}();

constexpr auto kConstantNames = [] {
  std::array<std::string_view, kConstants.size()> names{};
  for (size_t i = 0; i < kConstants.size(); ++i) names[i] = kConstants[i].name;
  return names;
}();

}  // namespace

std::optional<FunctionInfo> find_function(std::string_view name) {
  for (const FunctionInfo& f : kFunctions)
    if (f.name == name) return f;
  for (const FunctionInfo& f : kTernary)
    if (f.name == name) return f;
  return std::nullopt;
}

std::optional<ConstantInfo> find_constant(std::string_view name) {
  for (const ConstantInfo& c : kConstants)
    if (c.name == name) return c;
  return std::nullopt;
}

std::span<const std::string_view> function_names() { return kNames; }

std::span<const std::string_view> constant_names() { return kConstantNames; }

int arity(OpCode op) {
  switch (op) {
    case OpCode::kConst:
    case OpCode::kVar:
      return 0;
    case OpCode::kAdd:
    case OpCode::kSub:
    case OpCode::kMul:
    case OpCode::kDiv:
    case OpCode::kPow:
    case OpCode::kMaximum:
    case OpCode::kMinimum:
    case OpCode::kAtan2:
    case OpCode::kHypot:
    case OpCode::kFmod:
    case OpCode::kLess:
    case OpCode::kLessEqual:
    case OpCode::kGreater:
    case OpCode::kGreaterEqual:
    case OpCode::kEqual:
    case OpCode::kNotEqual:
      return 2;
    case OpCode::kWhere:
      return 3;
    default:
      return 1;
  }
}

std::string_view op_name(OpCode op) {
  switch (op) {
    case OpCode::kConst: return "const";
    case OpCode::kVar: return "var";
    case OpCode::kAdd: return "+";
    case OpCode::kSub: return "-";
    case OpCode::kMul: return "*";
    case OpCode::kDiv: return "/";
    case OpCode::kPow: return "^";
    case OpCode::kLess: return "<";
    case OpCode::kLessEqual: return "<=";
    case OpCode::kGreater: return ">";
    case OpCode::kGreaterEqual: return ">=";
    case OpCode::kEqual: return "==";
    case OpCode::kNotEqual: return "!=";
    case OpCode::kWhere: return "where";
    default:
      break;
  }
  for (const FunctionInfo& f : kFunctions)  // the first name of an opcode: maximum, not max
    if (f.op == op) return f.name;
  return "?";
}

bool is_comparison(OpCode op) {
  return op == OpCode::kLess || op == OpCode::kLessEqual || op == OpCode::kGreater ||
         op == OpCode::kGreaterEqual || op == OpCode::kEqual || op == OpCode::kNotEqual;
}

bool is_infix(OpCode op) {
  return op == OpCode::kAdd || op == OpCode::kSub || op == OpCode::kMul || op == OpCode::kDiv ||
         op == OpCode::kPow || is_comparison(op);
}

}  // namespace graphrun::expr
