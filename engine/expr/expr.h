// The expression language of `expr` nodes, ode right-hand sides and fused elementwise groups:
// parse a formula into an AST, compose ASTs (fusion), compile one or more of them into a
// Program, and evaluate a Program over arrays (vectorized, tile by tile).
#pragma once

#include <graphrun/plugin_api.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace graphrun::expr {

/// A syntax or name error inside a formula; offset is the 0-based character position.
class ExprError : public std::runtime_error {
 public:
  ExprError(const std::string& message, int offset) : std::runtime_error(message), offset_(offset) {}
  int offset() const { return offset_; }

 private:
  int offset_;
};

/// Operations of the language. The first unary functions are the SPEC's elementwise unary
/// ops; comparisons give 1 or 0; kWhere is the one operation of three operands.
enum class OpCode {
  kConst, kVar,
  kNeg, kAbs, kExp, kLog, kSqrt, kSquare, kRecip, kSin, kCos, kTanh, kSigmoid, kRelu, kSilu,
  kSoftplus,
  kTan, kAsin, kAcos, kAtan, kSinh, kCosh, kAsinh, kAcosh, kAtanh, kErf, kLog1p, kExpm1,
  kSign, kFloor, kCeil, kRound,
  kAdd, kSub, kMul, kDiv, kPow, kMaximum, kMinimum, kAtan2, kHypot, kFmod,
  kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual,
  kWhere,
};

/// An immutable expression DAG node; shared_ptr so fused groups can share subtrees.
struct Ast {
  OpCode op;
  double value = 0;         // kConst
  std::string name;         // kVar
  std::vector<std::shared_ptr<const Ast>> args;
  int offset = 0;           // position in the source formula, for messages
  int depth = 1;            // levels of the tree below and with this node (set by the parser)
};
using AstPtr = std::shared_ptr<const Ast>;

/// Parses `text`. Names found in `params` become constants; every other name must be in
/// `vars` (else ExprError with a "did you mean" when one is close). Empty vars = any name.
AstPtr parse(std::string_view text, std::span<const std::string> vars,
             const std::map<std::string, double>& params);

/// Replaces each variable named in `bindings` by the bound AST (used to fuse a producer
/// into its consumer); other variables stay.
AstPtr substitute(const AstPtr& ast, const std::map<std::string, AstPtr>& bindings);

/// Names of the variables an AST reads, sorted, each once.
std::vector<std::string> variables(const AstPtr& ast);

/// Stable text of an AST (for golden tests and `explain`), fully parenthesized.
std::string to_string(const AstPtr& ast);

/// A compiled multi-output formula program over named variables. Thread-safe to evaluate.
class Program {
 public:
  /// Compiles outputs over vars (each AST's variables must be among vars); common
  /// subexpressions are computed once.
  static std::shared_ptr<const Program> compile(std::span<const AstPtr> outputs,
                                                std::span<const std::string> vars);
  virtual ~Program() = default;
  virtual int num_vars() const = 0;
  virtual int num_outputs() const = 0;

  /// Evaluates n elements of every output. vars[v] points at n values, or at one value
  /// when is_scalar[v] != 0. T is float or double; results match numpy's in that dtype.
  virtual void eval(int64_t n, const float* const* vars, const int32_t* is_scalar,
                    float* const* outs) const = 0;
  virtual void eval(int64_t n, const double* const* vars, const int32_t* is_scalar,
                    double* const* outs) const = 0;
};

/// Runs body over [begin, end) in chunks of grain, possibly in parallel.
using ParallelFor =
    std::function<void(int64_t begin, int64_t end, int64_t grain,
                       const std::function<void(int64_t, int64_t)>& body)>;

/// Evaluates program over tensors: inputs[v] is variable v, broadcast (numpy rules) to the
/// common shape of the outputs, which all have that shape and are already allocated.
/// Works tile by tile so intermediates stay in L1; parallel over fixed chunks of tiles.
void eval_tensors(const Program& program, gr_dtype dtype, std::span<const gr_tensor> inputs,
                  std::span<gr_tensor> outputs, const ParallelFor& parallel_for);

/// numpy broadcasting of two shapes; throws std::invalid_argument when they don't broadcast.
std::vector<int64_t> broadcast_shapes(std::span<const int64_t> a, std::span<const int64_t> b);

/// Names of the built-in functions (for messages and `graphrun ops`).
std::span<const std::string_view> function_names();

/// Names of the built-in constants pi, e, inf, nan. A param or input of the same name
/// takes precedence over a constant (a graph's param `e` stays that param).
std::span<const std::string_view> constant_names();

}  // namespace graphrun::expr
