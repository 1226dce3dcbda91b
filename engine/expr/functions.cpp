#include "expr/functions.h"

#include <array>

namespace graphrun::expr {
namespace {

constexpr std::array<FunctionInfo, 17> kFunctions = {{
    {"neg", 1, OpCode::kNeg},         {"abs", 1, OpCode::kAbs},
    {"exp", 1, OpCode::kExp},         {"log", 1, OpCode::kLog},
    {"sqrt", 1, OpCode::kSqrt},       {"square", 1, OpCode::kSquare},
    {"recip", 1, OpCode::kRecip},     {"sin", 1, OpCode::kSin},
    {"cos", 1, OpCode::kCos},         {"tanh", 1, OpCode::kTanh},
    {"sigmoid", 1, OpCode::kSigmoid}, {"relu", 1, OpCode::kRelu},
    {"silu", 1, OpCode::kSilu},       {"softplus", 1, OpCode::kSoftplus},
    {"pow", 2, OpCode::kPow},         {"maximum", 2, OpCode::kMaximum},
    {"minimum", 2, OpCode::kMinimum},
}};

constexpr auto kNames = [] {
  std::array<std::string_view, kFunctions.size()> names{};
  for (size_t i = 0; i < kFunctions.size(); ++i) names[i] = kFunctions[i].name;
  return names;
}();

}  // namespace

std::optional<FunctionInfo> find_function(std::string_view name) {
  for (const FunctionInfo& f : kFunctions)
    if (f.name == name) return f;
  return std::nullopt;
}

std::span<const std::string_view> function_names() { return kNames; }

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
      return 2;
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
    default:
      break;
  }
  for (const FunctionInfo& f : kFunctions)
    if (f.op == op) return f.name;
  return "?";
}

bool is_infix(OpCode op) {
  return op == OpCode::kAdd || op == OpCode::kSub || op == OpCode::kMul || op == OpCode::kDiv ||
         op == OpCode::kPow;
}

}  // namespace graphrun::expr
