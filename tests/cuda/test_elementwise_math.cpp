// graphrun/cuda/elementwise_math.cuh compiled for the host against the CPU evaluator (the
// numerics the CPU backend runs) on special values: the exact ops must give the CPU's bits
// (NaN, -0 and infinity included), the transcendental ones agree within SPEC's tolerance.
#include <graphrun/cuda/elementwise_math.cuh>

#include "cuda/compare_values.h"
#include "expr/expr.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace graphrun::cuda::testing {
namespace {

namespace ew = graphrun::ew;

template <typename T> std::vector<T> special_values() {
  using L = std::numeric_limits<T>;
  std::vector<T> v = {T(0), -T(0), T(1), -T(1), T(0.5), T(2), T(3), T(-2.5), T(1e-8), T(-1e-8), T(0.1),
                      L::infinity(), -L::infinity(), L::quiet_NaN(), L::denorm_min(), -L::denorm_min(),
                      L::min(), -L::min(), L::max(), L::lowest(), T(20), T(-20), T(19.999), T(20.001),
                      T(88), T(-88), T(89), T(-89), T(103.9), T(-103.9), T(104), T(-104), T(3.14159265358979),
                      T(1e5), T(-1e5), T(1e30), T(-1e30)};
  if constexpr (sizeof(T) == 8) {
    for (T x : {709.7, 710.0, -710.0, -745.0, -746.0, 1e300, -1e300}) v.push_back(x);
  }
  return v;
}

// The CPU's result: the compiled formula evaluated as the CPU backend evaluates groups.
template <typename T> std::vector<T> cpu_eval(const std::string& formula, const std::vector<std::vector<T>>& vars) {
  const std::vector<std::string> names = {"x", "y", "z"};
  const std::vector<std::string> used(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(vars.size()));
  const expr::AstPtr ast = expr::parse(formula, used, {});
  const auto program = expr::Program::compile(std::span<const expr::AstPtr>(&ast, 1), used);
  const int64_t n = static_cast<int64_t>(vars[0].size());
  std::vector<T> out(vars[0].size());
  std::vector<const T*> ptrs;
  for (const auto& v : vars) ptrs.push_back(v.data());
  const std::vector<int32_t> is_scalar(vars.size(), 0);
  T* outs[] = {out.data()};
  program->eval(n, ptrs.data(), is_scalar.data(), outs);
  return out;
}

struct UnaryCase {
  const char* name;
  bool exact;
  std::function<float(float)> f32;
  std::function<double(double)> f64;
};

#define GRAPHRUN_UNARY(fn, exact) {#fn, exact, [](float x) { return ew::fn(x); }, [](double x) { return ew::fn(x); }}
const std::vector<UnaryCase>& unary_cases() {
  static const std::vector<UnaryCase> cases = {
      GRAPHRUN_UNARY(neg, true),     GRAPHRUN_UNARY(abs, true),      GRAPHRUN_UNARY(sqrt, true),
      GRAPHRUN_UNARY(square, true),  GRAPHRUN_UNARY(recip, true),    GRAPHRUN_UNARY(relu, true),
      GRAPHRUN_UNARY(exp, false),    GRAPHRUN_UNARY(log, false),     GRAPHRUN_UNARY(sin, false),
      GRAPHRUN_UNARY(cos, false),    GRAPHRUN_UNARY(tanh, false),    GRAPHRUN_UNARY(sigmoid, false),
      GRAPHRUN_UNARY(silu, false),   GRAPHRUN_UNARY(softplus, false),
      GRAPHRUN_UNARY(tan, false),    GRAPHRUN_UNARY(asin, false),    GRAPHRUN_UNARY(acos, false),
      GRAPHRUN_UNARY(atan, false),   GRAPHRUN_UNARY(sinh, false),    GRAPHRUN_UNARY(cosh, false),
      GRAPHRUN_UNARY(asinh, false),  GRAPHRUN_UNARY(acosh, false),   GRAPHRUN_UNARY(atanh, false),
      GRAPHRUN_UNARY(erf, false),    GRAPHRUN_UNARY(log1p, false),   GRAPHRUN_UNARY(expm1, false),
      GRAPHRUN_UNARY(sign, true),    GRAPHRUN_UNARY(floor, true),    GRAPHRUN_UNARY(ceil, true),
      GRAPHRUN_UNARY(round, true),
  };
  return cases;
}
#undef GRAPHRUN_UNARY

struct BinaryCase {
  const char* name;
  const char* formula;
  bool exact;
  std::function<float(float, float)> f32;
  std::function<double(double, double)> f64;
};

#define GRAPHRUN_BINARY(fn, formula, exact) \
  {#fn, formula, exact, [](float a, float b) { return ew::fn(a, b); }, [](double a, double b) { return ew::fn(a, b); }}
const std::vector<BinaryCase>& binary_cases() {
  static const std::vector<BinaryCase> cases = {
      GRAPHRUN_BINARY(add, "x + y", true),           GRAPHRUN_BINARY(sub, "x - y", true),
      GRAPHRUN_BINARY(mul, "x * y", true),           GRAPHRUN_BINARY(div, "x / y", true),
      GRAPHRUN_BINARY(maximum, "maximum(x, y)", true), GRAPHRUN_BINARY(minimum, "minimum(x, y)", true),
      GRAPHRUN_BINARY(pow, "pow(x, y)", false),
      GRAPHRUN_BINARY(maximum, "max(x, y)", true),   GRAPHRUN_BINARY(minimum, "min(x, y)", true),
      GRAPHRUN_BINARY(atan2, "atan2(x, y)", false),  GRAPHRUN_BINARY(hypot, "hypot(x, y)", false),
      GRAPHRUN_BINARY(fmod, "fmod(x, y)", true),     GRAPHRUN_BINARY(less, "x < y", true),
      GRAPHRUN_BINARY(less_equal, "x <= y", true),   GRAPHRUN_BINARY(greater, "x > y", true),
      GRAPHRUN_BINARY(greater_equal, "x >= y", true), GRAPHRUN_BINARY(equal, "x == y", true),
      GRAPHRUN_BINARY(not_equal, "x != y", true),
  };
  return cases;
}
#undef GRAPHRUN_BINARY

template <typename T> void check_unary(const UnaryCase& c) {
  const std::vector<T> xs = special_values<T>();
  const std::vector<T> want = cpu_eval<T>(std::string(c.name) + "(x)", {xs});
  for (size_t i = 0; i < xs.size(); ++i) {
    T got;
    if constexpr (sizeof(T) == 4) got = c.f32(xs[i]);
    else got = c.f64(xs[i]);
    if (c.exact) EXPECT_TRUE(same_bits(got, want[i])) << c.name << "(" << xs[i] << ")";
    else EXPECT_TRUE(close(got, want[i])) << c.name << "(" << xs[i] << ")";
  }
}

template <typename T> void check_binary(const BinaryCase& c) {
  std::vector<T> as, bs;
  for (T a : special_values<T>())
    for (T b : special_values<T>()) {
      as.push_back(a);
      bs.push_back(b);
    }
  const std::vector<T> want = cpu_eval<T>(c.formula, {as, bs});
  for (size_t i = 0; i < as.size(); ++i) {
    T got;
    if constexpr (sizeof(T) == 4) got = c.f32(as[i], bs[i]);
    else got = c.f64(as[i], bs[i]);
    // SLEEF's pow (the CPU's) overflows to ±inf at pow(±DBL_MAX, 1); C's pow is exact there.
    if (std::string_view(c.name) == "pow" && std::isinf(want[i]) && std::isfinite(got)) {
      EXPECT_EQ(bs[i], T(1)) << "pow(" << as[i] << ", " << bs[i] << ")";
      EXPECT_EQ(got, as[i]);
      continue;
    }
    if (c.exact) EXPECT_TRUE(same_bits(got, want[i])) << c.name << "(" << as[i] << ", " << bs[i] << ")";
    else EXPECT_TRUE(close(got, want[i])) << c.name << "(" << as[i] << ", " << bs[i] << ")";
  }
}

// where and clip (clip is the parser's minimum(maximum(x, lo), hi)) over every triple of
// special values: exact.
template <typename T> void check_ternary() {
  std::vector<T> as, bs, cs;
  const std::vector<T> values = special_values<T>();
  for (size_t i = 0; i < values.size(); i += 3)  // a third of them: 13^3 triples
    for (size_t j = 0; j < values.size(); j += 3)
      for (size_t k = 0; k < values.size(); k += 3) {
        as.push_back(values[i]);
        bs.push_back(values[j]);
        cs.push_back(values[k]);
      }
  const std::vector<T> where = cpu_eval<T>("where(x, y, z)", {as, bs, cs});
  const std::vector<T> clip = cpu_eval<T>("clip(x, y, z)", {as, bs, cs});
  for (size_t i = 0; i < as.size(); ++i) {
    EXPECT_TRUE(same_bits(ew::where(as[i], bs[i], cs[i]), where[i])) << "where(" << as[i] << ", " << bs[i] << ", " << cs[i] << ")";
    EXPECT_TRUE(same_bits(ew::minimum(ew::maximum(as[i], bs[i]), cs[i]), clip[i]))
        << "clip(" << as[i] << ", " << bs[i] << ", " << cs[i] << ")";
  }
}

TEST(ElementwiseMath, TernaryF32) { check_ternary<float>(); }
TEST(ElementwiseMath, TernaryF64) { check_ternary<double>(); }

TEST(ElementwiseMath, UnaryF32) { for (const auto& c : unary_cases()) check_unary<float>(c); }
TEST(ElementwiseMath, UnaryF64) { for (const auto& c : unary_cases()) check_unary<double>(c); }
TEST(ElementwiseMath, BinaryF32) { for (const auto& c : binary_cases()) check_binary<float>(c); }
TEST(ElementwiseMath, BinaryF64) { for (const auto& c : binary_cases()) check_binary<double>(c); }

// Every function of the language has its host/device version here (a new op must be added).
TEST(ElementwiseMath, CoversEveryFunction) {
  std::vector<std::string> covered;
  for (const auto& c : unary_cases()) covered.push_back(c.name);
  for (const auto& c : binary_cases()) covered.push_back(c.formula);  // by formula: max is maximum
  for (const char* ternary : {"where", "clip"}) covered.push_back(ternary);
  for (std::string_view f : expr::function_names())
    EXPECT_TRUE(std::any_of(covered.begin(), covered.end(), [&](const std::string& c) {
      return c == f || c.rfind(std::string(f) + "(", 0) == 0;
    })) << f;
}

// The semantics SPEC and numpy fix, stated outright (the CPU could drift with them).
TEST(ElementwiseMath, EdgeSemantics) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(std::isnan(ew::relu(nan)));
  EXPECT_FALSE(std::signbit(ew::relu(-0.0)));
  EXPECT_TRUE(std::isnan(ew::maximum(1.0, nan)));
  EXPECT_TRUE(std::isnan(ew::maximum(nan, 1.0)));
  EXPECT_TRUE(std::isnan(ew::minimum(1.0f, std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(ew::softplus(30.0), 30.0);
  EXPECT_EQ(ew::softplus(30.0f), 30.0f);
  EXPECT_EQ(ew::sigmoid(-inf), 0.0);
  EXPECT_EQ(ew::sigmoid(1000.0f), 1.0f);
  EXPECT_EQ(ew::silu(-1000.0), -0.0);
  EXPECT_EQ(ew::inf_f64(), inf);
  EXPECT_TRUE(std::isnan(ew::nan_f32()));
  EXPECT_TRUE(std::isnan(ew::sign(nan)));
  EXPECT_FALSE(std::signbit(ew::sign(-0.0)));
  EXPECT_EQ(ew::round(2.5), 2.0);
  EXPECT_EQ(ew::round(-3.5f), -4.0f);
  EXPECT_EQ(ew::fmod(-7.0, 3.0), -1.0);
  EXPECT_EQ(ew::where(nan, 1.0, 2.0), 1.0);
  EXPECT_EQ(ew::not_equal(nan, nan), 1.0);
  EXPECT_EQ(ew::equal(nan, nan), 0.0);
}

}  // namespace
}  // namespace graphrun::cuda::testing
