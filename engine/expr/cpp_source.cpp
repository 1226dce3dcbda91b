#include "expr/cpp_source.h"

#include "expr/functions.h"
#include "expr/program_impl.h"

#include <charconv>

namespace graphrun::expr {
namespace {

// A constant exactly: hex float of the double, converted to T as TilePlan converts it.
std::string constant_text(double value) {
  if (value != value) return "T(__builtin_nan(\"\"))";
  if (value == __builtin_inf()) return "T(__builtin_inf())";
  if (value == -__builtin_inf()) return "T(-__builtin_inf())";
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::hex);
  std::string digits(buf, result.ptr);
  if (digits[0] == '-') return "T(-0x" + digits.substr(1) + ")";
  return "T(0x" + digits + ")";
}

// The C++ of one operation over operand texts a, b, c; "" when it has no exact form. Each
// matches the Highway op in expr/kernels.cpp and numerics/math-inl.h bit for bit (NaN
// handling included: `x != x` is IsNaN, since the code is never compiled with fast-math).
std::string operation_text(OpCode op, const std::string& a, const std::string& b, const std::string& c) {
  switch (op) {
    case OpCode::kNeg: return "-" + a;
    case OpCode::kAbs: return "std::fabs(" + a + ")";
    case OpCode::kSqrt: return "std::sqrt(" + a + ")";  // correctly rounded, as hn::Sqrt
    case OpCode::kSign:
      return a + " == T(0) ? T(0) : " + a + " > T(0) ? T(1) : " + a + " < T(0) ? T(-1) : " + a;
    case OpCode::kFloor: return "std::copysign(std::floor(" + a + "), " + a + ")";
    case OpCode::kCeil: return "std::copysign(std::ceil(" + a + "), " + a + ")";
    // Ties to even under the default rounding mode, as hn::Round.
    case OpCode::kRound: return "std::copysign(std::nearbyint(" + a + "), " + a + ")";
    case OpCode::kSquare: return a + " * " + a;
    case OpCode::kRecip: return "T(1) / " + a;
    case OpCode::kRelu: return "(" + a + " > T(0) || " + a + " != " + a + ") ? " + a + " : T(0)";
    case OpCode::kAdd: return a + " + " + b;
    case OpCode::kSub: return a + " - " + b;
    case OpCode::kMul: return a + " * " + b;
    case OpCode::kDiv: return a + " / " + b;
    case OpCode::kMaximum: return "(" + a + " >= " + b + " || " + a + " != " + a + ") ? " + a + " : " + b;
    case OpCode::kMinimum: return "(" + a + " <= " + b + " || " + a + " != " + a + ") ? " + a + " : " + b;
    case OpCode::kLess: return a + " < " + b + " ? T(1) : T(0)";
    case OpCode::kLessEqual: return a + " <= " + b + " ? T(1) : T(0)";
    case OpCode::kGreater: return a + " > " + b + " ? T(1) : T(0)";
    case OpCode::kGreaterEqual: return a + " >= " + b + " ? T(1) : T(0)";
    case OpCode::kEqual: return a + " == " + b + " ? T(1) : T(0)";
    case OpCode::kNotEqual: return a + " == " + b + " ? T(0) : T(1)";
    case OpCode::kWhere: return a + " == T(0) ? " + c + " : " + b;
    default: return "";  // transcendental: the numerics layer's polynomials, not libm's
  }
}

}  // namespace

std::optional<std::string> program_cpp_source(const Program& program) {
  const auto* impl = dynamic_cast<const ProgramImpl*>(&program);
  if (!impl) return std::nullopt;
  const auto& code = impl->code();
  auto operand = [&](const Operand& o) -> std::string {
    switch (o.kind) {
      case Operand::Kind::kVar: return "v[" + std::to_string(o.index) + "]";
      case Operand::Kind::kConst: return constant_text(impl->constants()[static_cast<size_t>(o.index)]);
      case Operand::Kind::kValue: break;
    }
    return "e" + std::to_string(o.index);
  };
  std::string text;
  for (size_t i = 0; i < code.size(); ++i) {
    const Instruction& in = code[i];
    const int operands = arity(in.op);  // b and c are unset beyond it
    const std::string expression = operation_text(in.op, operand(in.a), operands >= 2 ? operand(in.b) : "",
                                                  operands == 3 ? operand(in.c) : "");
    if (expression.empty()) return std::nullopt;
    text += "const T e" + std::to_string(i) + " = " + expression + ";\n";
  }
  for (size_t k = 0; k < impl->outputs().size(); ++k)
    text += "out[" + std::to_string(k) + "] = " + operand(impl->outputs()[k]) + ";\n";
  return text;
}

}  // namespace graphrun::expr
