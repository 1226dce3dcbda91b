// eval_tensors: numpy broadcasting against numpy, scalars, size 0, chunk edges, the same
// bits for any thread count; broadcast_shapes.
#include "expr/expr_test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace graphrun::expr {
namespace {

using namespace testing;

template <typename T> class ExprEvalTensors : public ::testing::Test {};
using Dtypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ExprEvalTensors, Dtypes);

template <typename T> gr_tensor tensor_of(const std::vector<int64_t>& shape, const T* data) {
  gr_tensor t{};
  t.data = const_cast<T*>(data);
  t.dtype = kDtype<T>;
  t.rank = static_cast<int32_t>(shape.size());
  std::copy(shape.begin(), shape.end(), t.shape);
  return t;
}

int64_t count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

/// Evaluates a one-output formula over a and b broadcast to their common shape.
template <typename T>
std::vector<T> eval_broadcast(const std::string& formula, const std::vector<int64_t>& a_shape,
                              const std::vector<T>& a, const std::vector<int64_t>& b_shape,
                              const std::vector<T>& b, const ParallelFor& parallel_for) {
  const auto program = compile_one(formula, {"a", "b"});
  const std::vector<int64_t> shape = broadcast_shapes(a_shape, b_shape);
  std::vector<T> out(count(shape));
  const gr_tensor inputs[] = {tensor_of<T>(a_shape, a.data()), tensor_of<T>(b_shape, b.data())};
  gr_tensor outputs[] = {tensor_of<T>(shape, out.data())};
  eval_tensors(*program, kDtype<T>, inputs, outputs, parallel_for);
  return out;
}

TYPED_TEST(ExprEvalTensors, BroadcastingMatchesNumpy) {
  using T = TypeParam;
  const auto cases = read_manifest("broadcast.txt");
  ASSERT_GE(cases.size(), 7u);
  for (const auto& [name, formula] : cases) {
    const std::string base = "bcast_" + name + "_" + suffix<T>();
    const io::HostArray a = load_data<T>(base + "_a.npy"), b = load_data<T>(base + "_b.npy");
    const io::HostArray ref = load_data<T>(base + "_ref.npy");
    EXPECT_EQ(broadcast_shapes(a.shape, b.shape), ref.shape) << name;
    for (int threads : {1, 2}) {
      const std::vector<T> got = eval_broadcast<T>(formula, a.shape, values<T>(a), b.shape,
                                                   values<T>(b), thread_pool_for(threads));
      EXPECT_TRUE(all_close(got, values<T>(ref), kRtol<T>)) << name << ": " << formula;
    }
  }
}

// Big enough for many chunks (16 tiles each) with ragged ends; every way of reading an input.
TYPED_TEST(ExprEvalTensors, SameBitsForAnyThreadCountAndAcrossChunkEdges) {
  using T = TypeParam;
  const std::vector<int64_t> shape = {5, 7001};
  const std::vector<int64_t> col = {5, 1}, row_shape = {7001}, scalar = {};
  std::vector<T> full(count(shape)), column(5), row(7001), one = {T(0.75)};
  for (size_t i = 0; i < full.size(); ++i) full[i] = static_cast<T>(std::sin(0.001 * i) * 4);
  for (size_t i = 0; i < column.size(); ++i) column[i] = static_cast<T>(0.5 + i);
  for (size_t i = 0; i < row.size(); ++i) row[i] = static_cast<T>(std::cos(0.01 * i));
  const std::vector<std::string> vars = {"f", "c", "r", "s"};
  const std::vector<AstPtr> asts = {parse("silu(f) * c + tanh(r) * s - exp(-f^2)", vars, {}),
                                    parse("maximum(f, r) + c * where(f > r, atan2(f, c), hypot(r, s))", vars, {})};
  const auto program = Program::compile(asts, vars);
  const gr_tensor inputs[] = {tensor_of<T>(shape, full.data()), tensor_of<T>(col, column.data()),
                              tensor_of<T>(row_shape, row.data()), tensor_of<T>(scalar, one.data())};
  std::vector<std::vector<T>> results;
  for (int threads : {1, 2, 3}) {
    std::vector<T> out0(full.size()), out1(full.size());
    gr_tensor outputs[] = {tensor_of<T>(shape, out0.data()), tensor_of<T>(shape, out1.data())};
    eval_tensors(*program, kDtype<T>, inputs, outputs, thread_pool_for(threads));
    out0.insert(out0.end(), out1.begin(), out1.end());
    results.push_back(std::move(out0));
  }
  for (size_t t = 1; t < results.size(); ++t)
    EXPECT_EQ(std::memcmp(results[0].data(), results[t].data(), results[0].size() * sizeof(T)), 0);
  // And the same bits as evaluating each row with the row and column values at hand.
  const auto& got = results[0];
  for (int i = 0; i < 5; ++i) {
    std::vector<T> f(full.begin() + i * 7001, full.begin() + (i + 1) * 7001);
    const T* var_ptrs[] = {f.data(), &column[i], row.data(), one.data()};
    const int32_t is_scalar[] = {0, 1, 0, 1};
    std::vector<T> want0(7001), want1(7001);
    T* out_ptrs[] = {want0.data(), want1.data()};
    program->eval(7001, var_ptrs, is_scalar, out_ptrs);
    EXPECT_EQ(std::memcmp(want0.data(), got.data() + i * 7001, 7001 * sizeof(T)), 0) << i;
    EXPECT_EQ(std::memcmp(want1.data(), got.data() + full.size() + i * 7001, 7001 * sizeof(T)), 0);
  }
}

TYPED_TEST(ExprEvalTensors, SizeZeroAndScalarOutputs) {
  using T = TypeParam;
  const std::vector<T> none;
  EXPECT_TRUE(eval_broadcast<T>("a + b", {0, 3}, none, {3}, std::vector<T>{1, 2, 3}, nullptr).empty());
  EXPECT_TRUE(eval_broadcast<T>("a * b", {4, 0}, none, {1}, std::vector<T>{2}, nullptr).empty());
  const std::vector<T> got = eval_broadcast<T>("a - b", {}, std::vector<T>{5}, {1, 1},
                                               std::vector<T>{2}, nullptr);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], T(3));
}

TYPED_TEST(ExprEvalTensors, InputUsedAsOutputBuffer) {
  using T = TypeParam;
  std::vector<T> a(3000), b(3000);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<T>(i % 17) - 8, b[i] = T(0.5);
  const std::vector<T> want = eval_broadcast<T>("a * exp(a) + b", {3000}, a, {3000}, b, nullptr);
  const auto program = compile_one("a * exp(a) + b", {"a", "b"});
  const gr_tensor inputs[] = {tensor_of<T>({3000}, a.data()), tensor_of<T>({3000}, b.data())};
  gr_tensor outputs[] = {tensor_of<T>({3000}, a.data())};
  eval_tensors(*program, kDtype<T>, inputs, outputs, thread_pool_for(2));
  EXPECT_EQ(std::memcmp(a.data(), want.data(), a.size() * sizeof(T)), 0);
}

TEST(ExprEvalTensors, InvalidInputsAreRefused) {
  const auto program = compile_one("a + b", {"a", "b"});
  std::vector<float> a(6), b(4), out(6);
  const gr_tensor bad_inputs[] = {tensor_of<float>({2, 3}, a.data()), tensor_of<float>({4}, b.data())};
  gr_tensor outputs[] = {tensor_of<float>({2, 3}, out.data())};
  EXPECT_THROW(eval_tensors(*program, GR_F32, bad_inputs, outputs, nullptr), std::invalid_argument);
  const gr_tensor one_input[] = {tensor_of<float>({2, 3}, a.data())};
  EXPECT_THROW(eval_tensors(*program, GR_F32, one_input, outputs, nullptr), std::invalid_argument);
  const gr_tensor good[] = {tensor_of<float>({2, 3}, a.data()), tensor_of<float>({3}, b.data())};
  EXPECT_THROW(eval_tensors(*program, GR_F64, good, outputs, nullptr), std::invalid_argument);
  const gr_tensor too_many_axes[] = {tensor_of<float>({1, 2, 3}, a.data()),
                                     tensor_of<float>({3}, b.data())};
  EXPECT_THROW(eval_tensors(*program, GR_F32, too_many_axes, outputs, nullptr),
               std::invalid_argument);
}

TEST(ExprBroadcastShapes, FollowNumpy) {
  using Shape = std::vector<int64_t>;
  EXPECT_EQ(broadcast_shapes(Shape{3, 1}, Shape{1, 4}), (Shape{3, 4}));
  EXPECT_EQ(broadcast_shapes(Shape{4}, Shape{2, 3, 4}), (Shape{2, 3, 4}));
  EXPECT_EQ(broadcast_shapes(Shape{}, Shape{2, 3}), (Shape{2, 3}));
  EXPECT_EQ(broadcast_shapes(Shape{0, 3}, Shape{3}), (Shape{0, 3}));
  EXPECT_EQ(broadcast_shapes(Shape{1}, Shape{0}), (Shape{0}));
  EXPECT_EQ(broadcast_shapes(Shape{2, 1, 3}, Shape{4, 1}), (Shape{2, 4, 3}));
  try {
    broadcast_shapes(Shape{2, 3}, Shape{4});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "shapes (2, 3) and (4,) do not broadcast");
  }
}

}  // namespace
}  // namespace graphrun::expr
