#include "elementwise_ops.h"

#include <array>

namespace graphrun::elementwise {
namespace {

using plugin::Node;
using plugin::OpDef;

constexpr std::array<ElementwiseOp, 14> kUnary = {{
    {"neg", "neg(x)", "-x, elementwise (numpy.negative)"},
    {"abs", "abs(x)", "|x|, elementwise (numpy.abs)"},
    {"exp", "exp(x)", "e^x, elementwise (numpy.exp)"},
    {"log", "log(x)", "natural logarithm, elementwise (numpy.log): -inf at 0, nan below"},
    {"sqrt", "sqrt(x)", "square root, elementwise (numpy.sqrt): nan below 0"},
    {"square", "square(x)", "x*x, elementwise (numpy.square)"},
    {"recip", "recip(x)", "1/x, elementwise (numpy.reciprocal)"},
    {"sin", "sin(x)", "sine of x in radians, elementwise (numpy.sin)"},
    {"cos", "cos(x)", "cosine of x in radians, elementwise (numpy.cos)"},
    {"tanh", "tanh(x)", "hyperbolic tangent, elementwise (numpy.tanh)"},
    {"sigmoid", "sigmoid(x)",
     "logistic function 1/(1+exp(-x)), elementwise, computed without overflow (torch.sigmoid)"},
    {"relu", "relu(x)", "max(x, 0), elementwise; NaN stays NaN (torch.relu)"},
    {"silu", "silu(x)", "x*sigmoid(x), elementwise (torch.nn.functional.silu)"},
    {"softplus", "softplus(x)",
     "log(1+exp(x)), elementwise; x itself above 20 (torch.nn.functional.softplus)"},
}};

constexpr std::array<ElementwiseOp, 7> kBinary = {{
    {"add", "a + b", "a + b, elementwise with numpy broadcasting"},
    {"sub", "a - b", "a - b, elementwise with numpy broadcasting"},
    {"mul", "a * b", "a * b, elementwise with numpy broadcasting"},
    {"div", "a / b", "a / b, elementwise with numpy broadcasting"},
    {"pow", "pow(a, b)", "a to the power b, elementwise with numpy broadcasting (numpy.power)"},
    {"maximum", "maximum(a, b)",
     "larger of a and b, elementwise with numpy broadcasting; NaN if either is (numpy.maximum)"},
    {"minimum", "minimum(a, b)",
     "smaller of a and b, elementwise with numpy broadcasting; NaN if either is (numpy.minimum)"},
}};

constexpr const char* kOutputDoc = "the result, of the inputs' broadcast shape";

OpDef unary_def(const ElementwiseOp& op) {
  return OpDef(op.name, op.doc)
      .input("x", "the input tensor")
      .output("out", kOutputDoc)
      .elementwise(op.formula);
}

OpDef binary_def(const ElementwiseOp& op) {
  return OpDef(op.name, op.doc)
      .input("a", "the left operand, broadcast against b")
      .input("b", "the right operand, broadcast against a")
      .output("out", kOutputDoc)
      .elementwise(op.formula);
}

OpDef scale_def() {
  return OpDef("scale", "a*x + b, elementwise, with scalar attributes a and b")
      .input("x", "the input tensor")
      .output("out", "the result, of x's shape")
      .attr("a", 1.0, "the factor")
      .attr("b", 0.0, "the offset added after scaling")
      .elementwise("a * x + b");
}

OpDef expr_def() {
  return OpDef("expr",
               "a formula over named inputs and params, elementwise with numpy broadcasting, "
               "e.g. {op: expr, in: {x: u, y: v}, expr: \"x * sigmoid(x) + 0.5 * exp(-y^2)\"}; "
               "fuses with neighbouring elementwise ops")
      .variadic_inputs()
      .output("out", kOutputDoc)
      .attr("expr", GR_ATTR_FORMULA,
            "the formula over the input port names and the graph's params (docs/expressions.md): "
            "+ - * / ^ (power, right-associative, binding tighter than unary minus), unary minus, "
            "parentheses, numbers, one comparison < <= > >= == != (1 or 0), the constants pi e "
            "inf nan (a param or input of that name comes first), and numpy's functions neg abs "
            "exp log log1p expm1 sqrt square recip sin cos tan asin acos atan sinh cosh tanh asinh "
            "acosh atanh erf sigmoid relu silu softplus sign floor ceil round (half to even), "
            "pow(a, b) maximum(a, b) minimum(a, b) max(a, b) min(a, b) atan2(y, x) hypot(x, y) "
            "fmod(a, b), clip(x, lo, hi) and where(c, a, b) (a where c is nonzero)")
      .elementwise([](const Node& node) { return node.attr_string("expr"); });
}

}  // namespace

std::span<const ElementwiseOp> unary_ops() { return kUnary; }

std::span<const ElementwiseOp> binary_ops() { return kBinary; }

std::vector<OpDef> elementwise_op_defs() {
  std::vector<OpDef> defs;
  for (const ElementwiseOp& op : kUnary) defs.push_back(unary_def(op));
  for (const ElementwiseOp& op : kBinary) defs.push_back(binary_def(op));
  defs.push_back(scale_def());
  defs.push_back(expr_def());
  return defs;
}

}  // namespace graphrun::elementwise
