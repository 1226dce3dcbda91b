// Whole formulas against numpy, tile edges, several outputs, params, outputs in place.
#include "expr/expr_test_support.h"
#include "expr/program_impl.h"

#include <gtest/gtest.h>

#include <cstring>

namespace graphrun::expr {
namespace {

using namespace testing;

template <typename T> class ExprFormulas : public ::testing::Test {};
using Dtypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ExprFormulas, Dtypes);

template <typename T> bool identical(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

TYPED_TEST(ExprFormulas, MatchNumpy) {
  using T = TypeParam;
  const auto formulas = read_manifest("formulas.txt");
  ASSERT_GE(formulas.size(), 10u);
  for (const auto& [k, formula] : formulas) {
    const io::HostArray data = load_data<T>("formula_" + k + "_" + suffix<T>() + ".npy");
    const std::vector<T> x = row<T>(data, 0), y = row<T>(data, 1), want = row<T>(data, 2);
    const auto program = compile_one(formula, {"x", "y"});
    EXPECT_TRUE(all_close(eval_vectors<T>(*program, {x, y}), want, kRtol<T>, x))
        << formula << " " << suffix<T>();
  }
}

TYPED_TEST(ExprFormulas, TileEdges) {
  using T = TypeParam;
  const io::HostArray data = load_data<T>(std::string("formula_0_") + suffix<T>() + ".npy");
  const std::vector<T> x = row<T>(data, 0), want = row<T>(data, 2);
  const auto program = compile_one(read_manifest("formulas.txt").at(0).second, {"x"});
  const int64_t tile = kTileSize<T>;
  ASSERT_GT(static_cast<int64_t>(x.size()), 2 * tile + 3);
  for (int64_t n : {int64_t{1}, int64_t{2}, int64_t{15}, int64_t{16}, int64_t{17}, tile - 1, tile,
                    tile + 1, 2 * tile + 3, static_cast<int64_t>(x.size())}) {
    const std::vector<T> xs(x.begin(), x.begin() + n), ws(want.begin(), want.begin() + n);
    EXPECT_TRUE(all_close(eval_vectors<T>(*program, {xs}), ws, kRtol<T>, xs)) << "n = " << n;
  }
}

TYPED_TEST(ExprFormulas, SeveralOutputsEqualSeparatePrograms) {
  using T = TypeParam;
  const io::HostArray data = load_data<T>(std::string("formula_0_") + suffix<T>() + ".npy");
  const std::vector<T> x = row<T>(data, 0), y = row<T>(data, 1);
  const std::vector<std::string> vars = {"x", "y"};
  const std::vector<std::string> formulas = {"silu(x)*tanh(x) + 0.5*exp(-x^2)", "x", "3",
                                             "tanh(x) * y", "silu(x)*tanh(x) + 0.5*exp(-x^2)",
                                             "exp(-x^2)"};
  std::vector<AstPtr> asts;
  for (const auto& f : formulas) asts.push_back(parse(f, vars, {}));
  const auto program = Program::compile(asts, vars);
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<std::vector<T>> outs(formulas.size(), std::vector<T>(n));
  std::vector<T*> out_ptrs;
  for (auto& o : outs) out_ptrs.push_back(o.data());
  const T* var_ptrs[] = {x.data(), y.data()};
  const int32_t is_scalar[] = {0, 0};
  program->eval(n, var_ptrs, is_scalar, out_ptrs.data());
  for (size_t k = 0; k < formulas.size(); ++k)
    EXPECT_TRUE(identical(outs[k], eval_vectors<T>(*compile_one(formulas[k], vars), {x, y})))
        << formulas[k];
}

TYPED_TEST(ExprFormulas, OutputMayBeAnInputBuffer) {
  using T = TypeParam;
  const io::HostArray data = load_data<T>(std::string("formula_0_") + suffix<T>() + ".npy");
  const std::vector<T> x = row<T>(data, 0);
  const auto program = compile_one("exp(-x) * x + x^2", {"x"});
  const std::vector<T> want = eval_vectors<T>(*program, {x});
  std::vector<T> in_place = x;
  const T* vars[] = {in_place.data()};
  T* outs[] = {in_place.data()};
  const int32_t is_scalar[] = {0};
  program->eval(static_cast<int64_t>(x.size()), vars, is_scalar, outs);
  EXPECT_TRUE(identical(in_place, want));
}

TYPED_TEST(ExprFormulas, ParamsAreConstantsInTheDtype) {
  using T = TypeParam;
  const std::vector<T> x = {T(1), T(2), T(3)};
  const std::vector<std::string> vars = {"x"};
  const AstPtr with_param = parse("lambda * x + delta", vars, {{"lambda", 0.1}, {"delta", 1e-3}});
  const auto program = Program::compile(std::span<const AstPtr>(&with_param, 1), vars);
  const auto literal = compile_one("0.1 * x + 0.001", vars);
  EXPECT_TRUE(identical(eval_vectors<T>(*program, {x}), eval_vectors<T>(*literal, {x})));
}

TYPED_TEST(ExprFormulas, ProgramsWithoutVariables) {
  using T = TypeParam;
  const auto program = compile_one("2 * 3 + exp(0)", {});
  std::vector<T> out(700);
  T* outs[] = {out.data()};
  program->eval(static_cast<int64_t>(out.size()), static_cast<const T* const*>(nullptr), nullptr, outs);
  for (T v : out) ASSERT_EQ(v, T(7));
  program->eval(0, static_cast<const T* const*>(nullptr), nullptr, outs);  // nothing to do
}

}  // namespace
}  // namespace graphrun::expr
