// Every function and operator against numpy (tools/ref_elementwise.py) in f32 and f64: over
// wide ranges, at special values, and the same results through every kernel variant.
#include "expr/expr_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>

namespace graphrun::expr {
namespace {

using namespace testing;

const char* const kUnary[] = {"neg",   "abs",   "exp",   "log",     "sqrt",  "square", "recip", "sin",
                              "cos",   "tanh",  "sigmoid", "relu",  "silu",  "softplus", "tan", "asin",
                              "acos",  "atan",  "sinh",  "cosh",    "asinh", "acosh", "atanh", "erf",
                              "log1p", "expm1", "sign",  "floor",   "ceil",  "round"};

struct BinaryOp {
  const char* name;
  const char* formula;
};
const BinaryOp kBinary[] = {{"add", "a + b"},     {"sub", "a - b"},         {"mul", "a * b"},
                            {"div", "a / b"},     {"pow", "pow(a, b)"},     {"pow", "a ^ b"},
                            {"maximum", "maximum(a, b)"}, {"minimum", "minimum(a, b)"},
                            {"max", "max(a, b)"}, {"min", "min(a, b)"},     {"atan2", "atan2(a, b)"},
                            {"hypot", "hypot(a, b)"}, {"fmod", "fmod(a, b)"}, {"less", "a < b"},
                            {"less_equal", "a <= b"}, {"greater", "a > b"}, {"greater_equal", "a >= b"},
                            {"equal", "a == b"},  {"not_equal", "a != b"}};

// Three operands, rows [a, b, c, reference] (tools/ref_elementwise.py).
const BinaryOp kTernary[] = {{"where", "where(a, b, c)"}, {"clip", "clip(a, b, c)"}};

template <typename T> class ExprFunctions : public ::testing::Test {};
using Dtypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ExprFunctions, Dtypes);

template <typename T> void check_unary(const std::string& file_prefix) {
  for (const char* fn : kUnary) {
    const io::HostArray data = load_data<T>(file_prefix + fn + "_" + suffix<T>() + ".npy");
    const std::vector<T> x = row<T>(data, 0), want = row<T>(data, 1);
    const auto program = compile_one(std::string(fn) + "(x)", {"x"});
    EXPECT_TRUE(all_close(eval_vectors<T>(*program, {x}), want, kRtol<T>, x))
        << fn << " " << suffix<T>() << " (" << file_prefix << ")";
  }
}

template <typename T> void check_binary(const std::string& file_prefix) {
  for (const BinaryOp& op : kBinary) {
    const io::HostArray data = load_data<T>(file_prefix + op.name + "_" + suffix<T>() + ".npy");
    const std::vector<T> a = row<T>(data, 0), b = row<T>(data, 1), want = row<T>(data, 2);
    const auto program = compile_one(op.formula, {"a", "b"});
    EXPECT_TRUE(all_close(eval_vectors<T>(*program, {a, b}), want, kRtol<T>, a))
        << op.formula << " " << suffix<T>() << " (" << file_prefix << ")";
  }
}

template <typename T> void check_ternary(const std::string& file_prefix) {
  for (const BinaryOp& op : kTernary) {
    const io::HostArray data = load_data<T>(file_prefix + op.name + "_" + suffix<T>() + ".npy");
    const std::vector<T> a = row<T>(data, 0), b = row<T>(data, 1), c = row<T>(data, 2);
    const auto program = compile_one(op.formula, {"a", "b", "c"});
    EXPECT_TRUE(all_close(eval_vectors<T>(*program, {a, b, c}), row<T>(data, 3), 0.0, a))
        << op.formula << " " << suffix<T>() << " (" << file_prefix << ")";
  }
}

// Every function of the language is in one of the lists above (a new one must be added).
TEST(ExprFunctionList, EveryFunctionIsChecked) {
  for (std::string_view f : function_names()) {
    bool found = std::any_of(std::begin(kUnary), std::end(kUnary), [&](const char* u) { return f == u; });
    for (const BinaryOp& op : kBinary) found = found || f == op.name;
    for (const BinaryOp& op : kTernary) found = found || f == op.name;
    EXPECT_TRUE(found) << f;
  }
}

TYPED_TEST(ExprFunctions, TernaryMatchNumpy) { check_ternary<TypeParam>("ternary_"); }

TYPED_TEST(ExprFunctions, TernaryMatchNumpyAtSpecialValues) { check_ternary<TypeParam>("special_ternary_"); }

TYPED_TEST(ExprFunctions, UnaryMatchNumpyOverWideRanges) { check_unary<TypeParam>("unary_"); }

TYPED_TEST(ExprFunctions, UnaryMatchNumpyAtSpecialValues) { check_unary<TypeParam>("special_"); }

TYPED_TEST(ExprFunctions, BinaryMatchNumpy) { check_binary<TypeParam>("binary_"); }

TYPED_TEST(ExprFunctions, BinaryMatchNumpyAtSpecialValues) {
  check_binary<TypeParam>("special_binary_");
}

template <typename T> bool same_bits(T a, T b) { return std::memcmp(&a, &b, sizeof(T)) == 0; }

// A scalar operand (is_scalar) goes through other kernels than a vector: same results.
TYPED_TEST(ExprFunctions, ScalarOperandsGiveTheSameBitsAsVectors) {
  using T = TypeParam;
  const io::HostArray specials = load_data<T>(std::string("special_binary_add_") + suffix<T>() + ".npy");
  const std::vector<T> values = row<T>(specials, 0);
  const std::vector<T> ramp = [] {
    std::vector<T> v;
    for (int i = 0; i < 37; ++i) v.push_back(static_cast<T>(-4.5 + 0.25 * i));
    return v;
  }();
  for (const BinaryOp& op : kBinary) {
    const auto program = compile_one(op.formula, {"a", "b"});
    for (T scalar : values) {
      const std::vector<T> filled(ramp.size(), scalar);
      for (int scalar_side = 0; scalar_side < 2; ++scalar_side) {
        const T* vars[2] = {ramp.data(), ramp.data()};
        vars[scalar_side] = &scalar;
        const int32_t is_scalar[2] = {scalar_side == 0, scalar_side == 1};
        std::vector<T> got(ramp.size());
        T* out = got.data();
        program->eval(static_cast<int64_t>(ramp.size()), vars, is_scalar, &out);
        const std::vector<T> want = scalar_side == 0 ? eval_vectors<T>(*program, {filled, ramp})
                                                     : eval_vectors<T>(*program, {ramp, filled});
        for (size_t i = 0; i < got.size(); ++i)
          ASSERT_TRUE(same_bits(got[i], want[i]) || (std::isnan(got[i]) && std::isnan(want[i])))
              << op.formula << " scalar " << scalar << " on side " << scalar_side << " at " << i;
      }
    }
  }
  for (const char* fn : kUnary) {
    const auto program = compile_one(std::string(fn) + "(x)", {"x"});
    for (T scalar : values) {
      const int32_t is_scalar = 1;
      const T* vars[1] = {&scalar};
      std::vector<T> got(5);
      T* out = got.data();
      program->eval(5, vars, &is_scalar, &out);
      const T want = eval_vectors<T>(*program, {std::vector<T>(3, scalar)})[1];
      for (T g : got)
        ASSERT_TRUE(same_bits(g, want) || (std::isnan(g) && std::isnan(want))) << fn << " " << scalar;
    }
  }
}

// Each mix of scalar and vector operands of a three-operand function (its own kernels).
TYPED_TEST(ExprFunctions, TernaryScalarOperandsGiveTheSameBitsAsVectors) {
  using T = TypeParam;
  const io::HostArray data = load_data<T>(std::string("special_ternary_where_") + suffix<T>() + ".npy");
  const std::vector<T> a = row<T>(data, 0), b = row<T>(data, 1), c = row<T>(data, 2);
  const int64_t n = static_cast<int64_t>(a.size());
  for (const BinaryOp& op : kTernary) {
    const auto program = compile_one(op.formula, {"a", "b", "c"});
    for (int mask = 1; mask < 7; ++mask)
      for (int64_t at : {int64_t{0}, n / 3, n - 1}) {  // the scalar is element `at` of each scalar operand
        const std::vector<T>* columns[3] = {&a, &b, &c};
        std::vector<std::vector<T>> filled;
        const T* vars[3];
        int32_t is_scalar[3];
        for (int k = 0; k < 3; ++k) {
          is_scalar[k] = (mask >> k) & 1;
          vars[k] = is_scalar[k] ? &(*columns[k])[static_cast<size_t>(at)] : columns[k]->data();
          filled.push_back(is_scalar[k] ? std::vector<T>(a.size(), (*columns[k])[static_cast<size_t>(at)])
                                        : *columns[k]);
        }
        std::vector<T> got(a.size());
        T* out = got.data();
        program->eval(n, vars, is_scalar, &out);
        const std::vector<T> want = eval_vectors<T>(*program, filled);
        for (size_t i = 0; i < got.size(); ++i)
          ASSERT_TRUE(same_bits(got[i], want[i]) || (std::isnan(got[i]) && std::isnan(want[i])))
              << op.formula << " mask " << mask << " at " << i;
      }
  }
}

TYPED_TEST(ExprFunctions, SignsOfZeroFollowIeeeAndNumpy) {
  using T = TypeParam;
  const std::vector<T> zeros = {T(0), -T(0)};
  auto eval1 = [&](const char* formula) { return eval_vectors<T>(*compile_one(formula, {"x"}), {zeros}); };
  EXPECT_TRUE(std::signbit(eval1("neg(x)")[0]));
  EXPECT_FALSE(std::signbit(eval1("-x")[1]));
  EXPECT_FALSE(std::signbit(eval1("abs(x)")[1]));
  EXPECT_TRUE(std::signbit(eval1("sqrt(x)")[1]));
  EXPECT_FALSE(std::signbit(eval1("relu(x)")[1]));
  EXPECT_EQ(eval1("recip(x)")[1], -std::numeric_limits<T>::infinity());
  EXPECT_EQ(eval1("x^-1")[1], -std::numeric_limits<T>::infinity());
}

TYPED_TEST(ExprFunctions, LargeArgumentsSaturateWithoutOverflow) {
  using T = TypeParam;
  const T inf = std::numeric_limits<T>::infinity();
  const T big = std::numeric_limits<T>::max();
  const std::vector<T> x = {big, -big, T(1000), T(-1000), inf, -inf};
  auto eval1 = [&](const char* formula) { return eval_vectors<T>(*compile_one(formula, {"x"}), {x}); };
  const std::vector<T> sig = eval1("sigmoid(x)");
  const std::vector<T> tanh = eval1("tanh(x)");
  const std::vector<T> softplus = eval1("softplus(x)");
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(sig[i], x[i] > 0 ? T(1) : T(0)) << x[i];
    EXPECT_EQ(tanh[i], x[i] > 0 ? T(1) : T(-1)) << x[i];
    EXPECT_EQ(softplus[i], x[i] > 0 ? x[i] : T(0)) << x[i];
  }
}

}  // namespace
}  // namespace graphrun::expr
