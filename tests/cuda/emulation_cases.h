// The groups and layouts the host-emulation test runs: the generator
// (generate_emulated_kernels.cpp) prints their kernels at build time, the test recompiles
// the same formulas for the CPU reference. Index i of emulation_cases() is kernel i.
#pragma once

#include "expr/expr.h"

#include <string>
#include <vector>

namespace graphrun::cuda::testing {

struct EmulationCase {
  std::string name;                           // unique, a C identifier
  std::vector<std::string> formulas;          // one per output
  std::vector<std::string> vars;
  gr_dtype dtype = GR_F32;
  std::vector<int64_t> out_shape;
  std::vector<std::vector<int64_t>> in_shapes;  // one per var
};

/// The compiled program of a case (the same bytecode in the generator and the test).
inline std::shared_ptr<const expr::Program> compile_case(const EmulationCase& c) {
  std::vector<expr::AstPtr> asts;
  for (const std::string& f : c.formulas) asts.push_back(expr::parse(f, c.vars, {}));
  return expr::Program::compile(asts, c.vars);
}

inline std::vector<EmulationCase> emulation_cases() {
  std::vector<EmulationCase> cases;
  for (gr_dtype dtype : {GR_F32, GR_F64}) {
    const std::string t = dtype == GR_F32 ? "_f32" : "_f64";
    auto add = [&](std::string name, std::vector<std::string> formulas, std::vector<std::string> vars,
                   std::vector<int64_t> out, std::vector<std::vector<int64_t>> ins) {
      cases.push_back({name + t, std::move(formulas), std::move(vars), dtype, std::move(out), std::move(ins)});
    };
    const std::vector<std::string> xy = {"x", "y"};
    // Every op alone, over a vector that takes the 128-bit path and a tail.
    for (const char* f : {"neg", "abs", "exp", "log", "sqrt", "square", "recip", "sin", "cos", "tanh",
                          "sigmoid", "relu", "silu", "softplus", "tan", "asin", "acos", "atan", "sinh",
                          "cosh", "asinh", "acosh", "atanh", "erf", "log1p", "expm1", "sign", "floor",
                          "ceil", "round"})
      add(std::string("op_") + f, {std::string(f) + "(x)"}, {"x"}, {37}, {{37}});
    add("op_add", {"x + y"}, xy, {37}, {{37}, {37}});
    add("op_sub", {"x - y"}, xy, {37}, {{37}, {37}});
    add("op_mul", {"x * y"}, xy, {37}, {{37}, {37}});
    add("op_div", {"x / y"}, xy, {37}, {{37}, {37}});
    add("op_pow", {"pow(x, y)"}, xy, {37}, {{37}, {37}});
    add("op_maximum", {"maximum(x, y)"}, xy, {37}, {{37}, {37}});
    add("op_minimum", {"minimum(x, y)"}, xy, {37}, {{37}, {37}});
    for (const char* f : {"max", "min", "atan2", "hypot", "fmod"})
      add(std::string("op_") + f, {std::string(f) + "(x, y)"}, xy, {37}, {{37}, {37}});
    add("op_comparisons", {"x < y", "x <= y", "x > y", "x >= y", "x == y", "x != y"}, xy, {37}, {{37}, {37}});
    const std::vector<std::string> xyz = {"x", "y", "z"};
    add("op_where", {"where(x, y, z)", "where(x > y, x, z)"}, xyz, {37}, {{37}, {37}, {37}});
    add("op_clip", {"clip(x, y, z)"}, xyz, {37}, {{37}, {37}, {37}});
    add("where_broadcast_scalar", {"where(x, y, z)"}, xyz, {3, 5}, {{3, 1}, {5}, {}});
    // Shapes: rank 0, size 1, sizes 1..9 and 1000 (non-multiples of 4 and 2).
    // (No sums of terms that may cancel: the CPU's and the host's library functions differ
    // in the last bits, which cancellation would magnify past a relative tolerance.)
    const std::vector<std::string> chain = {"x * sigmoid(x) * (0.5 + exp(-y^2))", "maximum(x, y) / 3 * softplus(y)"};
    add("rank0", chain, xy, {}, {{}, {}});
    add("size1", chain, xy, {1}, {{1}, {1}});
    for (int64_t n : {2, 3, 4, 5, 6, 7, 8, 9, 1000})
      add("size" + std::to_string(n), chain, xy, {n}, {{n}, {n}});
    add("matrix_3x5", chain, xy, {3, 5}, {{3, 5}, {3, 5}});
    // Broadcasts (numpy rules) and scalar operands.
    add("broadcast_3x1_5", {"x - y * 2"}, xy, {3, 5}, {{3, 1}, {5}});
    add("broadcast_2x1x4_3x1", {"pow(abs(x) + 1, y) + relu(x)"}, xy, {2, 3, 4}, {{2, 1, 4}, {3, 1}});
    add("broadcast_1x3_4x1", {"x * y", "silu(x - y)"}, xy, {4, 3}, {{1, 3}, {4, 1}});
    add("broadcast_merged_axes", {"x + y"}, xy, {2, 3, 4, 5}, {{2, 3, 1, 1}, {4, 5}});
    add("scalar_inputs", {"x * y + z"}, {"x", "y", "z"}, {7}, {{7}, {}, {1}});
    add("scalar_broadcast_mix", {"x * y + z"}, {"x", "y", "z"}, {3, 4}, {{3, 1}, {1}, {3, 4}});
    add("all_scalar", {"x / y"}, xy, {1, 1}, {{}, {1}});
    // Programs whose outputs are a variable or a constant, an unused variable, constants
    // that print as infinity and NaN.
    add("output_is_input", {"x", "x * 2"}, {"x"}, {10}, {{10}});
    add("constant_output", {"x + 1", "3"}, {"x"}, {6}, {{6}});
    add("unused_variable", {"x + 1"}, xy, {9}, {{9}, {9}});
    add("special_constants", {"maximum(x, log(0))", "x + 0/0", "minimum(x, -1/0) - 0.1"}, {"x"}, {5}, {{5}});
    add("empty", {"x + y"}, xy, {0}, {{0}, {0}});
  }
  return cases;
}

}  // namespace graphrun::cuda::testing
