// The tile evaluator on every SIMD target compiled in, each forced in turn (Highway's
// SetSupportedTargetsForTest; kernels are chosen when an evaluation binds its program):
// every function and operator over numpy's reference inputs gives the same bits on AVX2
// and AVX-512, and on SSE4 and the scalar fallback; between those two groups (SLEEF with
// and without FMA) the arithmetic is identical and the transcendentals agree within 4 ulp.
#include "expr/expr_test_support.h"

#include <gtest/gtest.h>

#include <hwy/targets.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>

namespace graphrun::expr {
namespace {

using namespace testing;

struct Formula {
  const char* name;  // the reference data's name: unary_<name>_f32.npy, special_<name>_f32.npy, ...
  const char* text;
  bool binary;
  bool transcendental;  // SLEEF's: may differ in the last bits between FMA and plain targets
};

const Formula kFormulas[] = {
    {"neg", "neg(x)", false, false},        {"abs", "abs(x)", false, false},
    {"exp", "exp(x)", false, true},         {"log", "log(x)", false, true},
    {"sqrt", "sqrt(x)", false, false},      {"square", "square(x)", false, false},
    {"recip", "recip(x)", false, false},    {"sin", "sin(x)", false, true},
    {"cos", "cos(x)", false, true},         {"tanh", "tanh(x)", false, true},
    {"sigmoid", "sigmoid(x)", false, true}, {"relu", "relu(x)", false, false},
    {"silu", "silu(x)", false, true},       {"softplus", "softplus(x)", false, true},
    {"add", "a + b", true, false},          {"sub", "a - b", true, false},
    {"mul", "a * b", true, false},          {"div", "a / b", true, false},
    {"pow", "pow(a, b)", true, true},       {"maximum", "maximum(a, b)", true, false},
    {"minimum", "minimum(a, b)", true, false},
    {"tan", "tan(x)", false, true},         {"asin", "asin(x)", false, true},
    {"acos", "acos(x)", false, true},       {"atan", "atan(x)", false, true},
    {"sinh", "sinh(x)", false, true},       {"cosh", "cosh(x)", false, true},
    {"asinh", "asinh(x)", false, true},     {"acosh", "acosh(x)", false, true},
    {"atanh", "atanh(x)", false, true},     {"erf", "erf(x)", false, true},
    {"log1p", "log1p(x)", false, true},     {"expm1", "expm1(x)", false, true},
    {"sign", "sign(x)", false, false},      {"floor", "floor(x)", false, false},
    {"ceil", "ceil(x)", false, false},      {"round", "round(x)", false, false},
    {"atan2", "atan2(a, b)", true, true},   {"hypot", "hypot(a, b)", true, true},
    {"fmod", "fmod(a, b)", true, false},    {"less", "a < b", true, false},
    {"less_equal", "a <= b", true, false},  {"greater", "a > b", true, false},
    {"greater_equal", "a >= b", true, false}, {"equal", "a == b", true, false},
    {"not_equal", "a != b", true, false},
};

template <typename T> bool same(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0 || (std::isnan(a) && std::isnan(b));
}

template <typename T> double ulps(T a, T b) {
  if (same(a, b) || a == b) return 0;
  if (!std::isfinite(a) || !std::isfinite(b)) return std::numeric_limits<double>::infinity();
  const T spacing = std::nextafter(std::fabs(a), std::numeric_limits<T>::infinity()) - std::fabs(a);
  return std::fabs(static_cast<double>(a) - static_cast<double>(b)) / static_cast<double>(spacing);
}

/// Every formula's results on the reference inputs (wide ranges and special values), on the
/// target that is forced now.
template <typename T> std::vector<std::vector<T>> evaluate_all() {
  std::vector<std::vector<T>> results;
  for (const Formula& f : kFormulas) {
    std::vector<T> got;
    const std::string kind = f.binary ? "binary_" : "unary_";
    for (const std::string& prefix : {kind, std::string(f.binary ? "special_binary_" : "special_")}) {
      const std::string file = prefix + f.name + "_" + suffix<T>() + ".npy";
      const io::HostArray data = load_data<T>(file);
      const std::vector<std::string> names =
          f.binary ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"x"};
      const auto program = compile_one(f.text, names);
      std::vector<std::vector<T>> vars = {row<T>(data, 0)};
      if (f.binary) vars.push_back(row<T>(data, 1));
      const std::vector<T> y = eval_vectors<T>(*program, vars);
      got.insert(got.end(), y.begin(), y.end());
    }
    results.push_back(got);
  }
  return results;
}

template <typename T>
void expect_agree(const std::vector<std::vector<T>>& a, const std::vector<std::vector<T>>& b, bool exact,
                  const char* what) {
  for (size_t f = 0; f < a.size(); ++f)
    for (size_t i = 0; i < a[f].size(); ++i) {
      const std::string where = std::string(what) + ": " + kFormulas[f].text + " value " + std::to_string(i);
      if (exact || !kFormulas[f].transcendental)
        EXPECT_TRUE(same(a[f][i], b[f][i])) << where << ": " << a[f][i] << " vs " << b[f][i];
      else
        EXPECT_LE(ulps(a[f][i], b[f][i]), 4) << where << ": " << a[f][i] << " vs " << b[f][i];
    }
}

template <typename T> void check_targets() {
  std::map<int64_t, std::vector<std::vector<T>>> results;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    results[target] = evaluate_all<T>();
  }
  hwy::SetSupportedTargetsForTest(0);
  ASSERT_TRUE(results.count(HWY_STATIC_TARGET)) << "the fallback is always compiled";
  ASSERT_GE(results.size(), 2u) << "this CPU supports no SIMD target, so nothing is compared";
  auto& fallback = results[HWY_STATIC_TARGET];
  if (results.count(HWY_AVX3) && results.count(HWY_AVX2))
    expect_agree(results[HWY_AVX3], results[HWY_AVX2], true, "AVX-512 vs AVX2");
  if (results.count(HWY_SSE4)) expect_agree(results[HWY_SSE4], fallback, true, "SSE4 vs the fallback");
  if (results.count(HWY_AVX2)) expect_agree(results[HWY_AVX2], fallback, false, "AVX2 vs the fallback");
}

TEST(ExprTargets, EveryTargetGivesTheSameResults) {
  check_targets<float>();
  check_targets<double>();
}

}  // namespace
}  // namespace graphrun::expr
