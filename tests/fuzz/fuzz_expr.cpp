// Harness of the expression language: the input is up to four formulas, one per line (the
// text of `expr` attributes and ode right-hand sides). Each must parse or throw ExprError (the
// only error the graph checker turns into a message); then the formulas compile into one
// multi-output program and, fused, into another (the fusion pass's substitute), and are
// evaluated in f32 and f64 over special values, as arrays and broadcast tensors.
// Findings: another exception, a crash or sanitizer report, and a multi-output program whose
// results differ in any bit from the same formula compiled alone.
#include "expr/expr.h"
#include "finding.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace {

using namespace graphrun;
using namespace graphrun::expr;

constexpr size_t kMaxFormulas = 4;
constexpr size_t kMaxVars = 16;
// Crosses a register tile in both dtypes (2 KiB: 256 doubles, 512 floats).
constexpr int64_t kCount = 530;

/// Params as a graph's `params:` gives them (names in formulas become these constants).
const std::map<std::string, double>& params() {
  static const std::map<std::string, double> p = {
      {"lambda", 5}, {"delta", 0.25}, {"eps", 1e-5}, {"big", 1e300}, {"neg", -2}};
  return p;
}

/// Values where the functions have edges: zeros, signs, overflow, denormals, inf, nan.
double special_value(int64_t i) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  static const double values[] = {0.0,   -0.0,  1.0,    -1.0, 0.5,   2.0,          -2.5,   3.0,
                                  20.0,  -20.0, 21.0,   88.0, -88.0, 710.0,        -745.0, 1e-310,
                                  1e-40, 1e300, -1e300, kInf, -kInf, std::nan(""), 1e-8,   0.1};
  return values[static_cast<size_t>(i) % std::size(values)];
}

template <typename T>
bool same_bits(T a, T b) {
  if (std::isnan(a) && std::isnan(b)) return true;  // payloads and signs of NaN are free
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

/// Evaluates every output of `program` over kCount elements; variable v is scalar when
/// scalar_mask has bit v set.
template <typename T>
std::vector<std::vector<T>> eval_all(const Program& program, const std::vector<std::vector<T>>& data,
                                     uint32_t scalar_mask) {
  std::vector<const T*> vars;
  std::vector<int32_t> is_scalar;
  for (size_t v = 0; v < data.size(); ++v) {
    vars.push_back(data[v].data());
    is_scalar.push_back((scalar_mask >> v) & 1);
  }
  std::vector<std::vector<T>> outs(static_cast<size_t>(program.num_outputs()), std::vector<T>(kCount));
  std::vector<T*> out_ptrs;
  for (auto& o : outs) out_ptrs.push_back(o.data());
  program.eval(kCount, vars.data(), is_scalar.data(), out_ptrs.data());
  return outs;
}

template <typename T>
void check_programs(const Program& together, const std::vector<std::shared_ptr<const Program>>& alone,
                    size_t num_vars, uint32_t scalar_mask) {
  std::vector<std::vector<T>> data(num_vars, std::vector<T>(kCount));
  for (size_t v = 0; v < num_vars; ++v)
    for (int64_t i = 0; i < kCount; ++i)
      data[v][static_cast<size_t>(i)] = static_cast<T>(special_value(i * 7 + static_cast<int64_t>(v) * 5));
  const auto all = eval_all(together, data, scalar_mask);
  for (size_t k = 0; k < alone.size(); ++k) {
    const auto one = eval_all(*alone[k], data, scalar_mask);
    for (int64_t i = 0; i < kCount; ++i)
      if (!same_bits(one[0][static_cast<size_t>(i)], all[k][static_cast<size_t>(i)]))
        fuzz::finding("a formula compiled with others gives other bits than compiled alone",
                      "output " + std::to_string(k) + ", element " + std::to_string(i) + ", " +
                          (sizeof(T) == 8 ? "f64" : "f32"));
  }
}

/// eval_tensors with numpy broadcasting: variables take shapes (3,1), (5,) and () in turn.
template <typename T>
void eval_broadcast(const Program& program, size_t num_vars) {
  constexpr gr_dtype kDtype = sizeof(T) == 8 ? GR_F64 : GR_F32;
  const std::vector<int64_t> kShapes[] = {{3, 1}, {5}, {}};
  std::vector<std::vector<T>> data(num_vars);
  std::vector<gr_tensor> inputs(num_vars);
  std::vector<int64_t> common;
  for (size_t v = 0; v < num_vars; ++v) {
    const std::vector<int64_t>& shape = kShapes[v % 3];
    common = broadcast_shapes(common, shape);
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    data[v].resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      data[v][static_cast<size_t>(i)] = static_cast<T>(special_value(i + static_cast<int64_t>(v)));
    gr_tensor& t = inputs[v];
    t.data = data[v].data();
    t.dtype = kDtype;
    t.rank = static_cast<int32_t>(shape.size());
    std::copy(shape.begin(), shape.end(), t.shape);
  }
  int64_t n = 1;
  for (int64_t d : common) n *= d;
  std::vector<std::vector<T>> outs(static_cast<size_t>(program.num_outputs()),
                                   std::vector<T>(static_cast<size_t>(n)));
  std::vector<gr_tensor> outputs(outs.size());
  for (size_t k = 0; k < outs.size(); ++k) {
    outputs[k].data = outs[k].data();
    outputs[k].dtype = kDtype;
    outputs[k].rank = static_cast<int32_t>(common.size());
    std::copy(common.begin(), common.end(), outputs[k].shape);
  }
  const ParallelFor serial = [](int64_t begin, int64_t end, int64_t grain,
                                const std::function<void(int64_t, int64_t)>& body) {
    for (int64_t b = begin; b < end; b += std::max<int64_t>(grain, 1))
      body(b, std::min(end, b + std::max<int64_t>(grain, 1)));
  };
  eval_tensors(program, kDtype, inputs, outputs, serial);
}

void run(std::string_view text) {
  std::vector<AstPtr> asts;
  while (asts.size() < kMaxFormulas) {
    size_t eol = text.find('\n');
    asts.push_back(parse(text.substr(0, eol), {}, params()));
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
  std::set<std::string> names;
  for (const AstPtr& ast : asts) {
    for (const std::string& v : variables(ast)) names.insert(v);
    if (to_string(ast).empty()) fuzz::finding("to_string gave nothing", "");
  }
  if (names.size() > kMaxVars) return;
  const std::vector<std::string> vars(names.begin(), names.end());

  // Fusion: the last formula's first variable computed by the first formula.
  std::vector<std::string> last_vars = variables(asts.back());
  if (asts.size() > 1 && !last_vars.empty())
    asts.push_back(substitute(asts.back(), {{last_vars.front(), asts.front()}}));

  const auto together = Program::compile(asts, vars);
  std::vector<std::shared_ptr<const Program>> alone;
  for (const AstPtr& ast : asts) alone.push_back(Program::compile(std::span<const AstPtr>(&ast, 1), vars));
  if (together->num_outputs() != static_cast<int>(asts.size()) ||
      together->num_vars() != static_cast<int>(vars.size()))
    fuzz::finding("compiled program has the wrong arity", "");

  for (uint32_t mask : {0u, 0x55555555u, 0xaaaaaaaau}) {  // no, every other, the others scalar
    check_programs<double>(*together, alone, vars.size(), mask);
    check_programs<float>(*together, alone, vars.size(), mask);
  }
  eval_broadcast<double>(*together, vars.size());
  eval_broadcast<float>(*together, vars.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    run(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const ExprError& e) {
    // The expected answer to a bad formula; its offset must point into the formula or at its end.
    if (e.offset() < 0 || static_cast<size_t>(e.offset()) > size)
      fuzz::finding("ExprError offset outside the text", std::to_string(e.offset()) + ": " + e.what());
  } catch (const std::exception& e) {
    fuzz::finding("exception other than ExprError (the user sees \"internal error\")",
                  std::string(typeid(e).name()) + ": " + e.what());
  }
  return 0;
}
