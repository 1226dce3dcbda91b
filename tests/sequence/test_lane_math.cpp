// The SIMD helpers of the sequence kernels against the C library and plain loops: the f32
// exp/softplus/silu/tanh polynomials, the fixed-order lane sums, lane shifts, and the
// in-register scan of a vector of steps.
#include "chunked_scan.h"
#include "lane_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

namespace graphrun::sequence {
namespace {

using S = Simd<float>;

// Largest error of f against the double reference over [lo, hi], relative to the reference
// (absolute below the smallest normal float, where a relative error means nothing).
double worst_error(const std::function<FloatLanes(FloatLanes)>& f, const std::function<double(double)>& ref,
                   double lo, double hi) {
  double worst = 0;
  const int count = 200000;
  for (int i = 0; i < count; i += S::kWidth) {
    float x[S::kWidth];
    for (int k = 0; k < S::kWidth; ++k) x[k] = static_cast<float>(lo + (hi - lo) * (i + k) / count);
    const FloatLanes y = f(S::load(x));
    for (int k = 0; k < S::kWidth; ++k) {
      const double r = ref(x[k]);
      if (!std::isfinite(r) || std::fabs(r) > std::numeric_limits<float>::max()) continue;
      const double scale = std::max(std::fabs(r), double{std::numeric_limits<float>::min()});
      worst = std::max(worst, std::fabs(y[k] - r) / scale);
    }
  }
  return worst;
}

TEST(LaneMath, ExpIsWithinTwoUlp) {
  EXPECT_LT(worst_error([](FloatLanes v) { return exp_lanes(v); }, [](double x) { return std::exp(x); }, -87, 88.7),
            2.5e-7);
}

TEST(LaneMath, SoftplusMatchesTorchDefinition) {
  auto ref = [](double x) { return x > 20 ? x : std::log1p(std::exp(x)); };
  EXPECT_LT(worst_error([](FloatLanes v) { return softplus_lanes(v); }, ref, -80, 40), 3e-7);
}

TEST(LaneMath, SiluAndTanhAreWithinAFewUlp) {
  EXPECT_LT(worst_error([](FloatLanes v) { return silu_lanes(v); }, [](double x) { return x / (1 + std::exp(-x)); },
                        -80, 80),
            4e-7);
  EXPECT_LT(worst_error([](FloatLanes v) { return tanh_lanes(v); }, [](double x) { return std::tanh(x); }, -20, 20),
            3e-7);
}

// f applied to the 8 special inputs below, through map_lanes (any lane width).
std::vector<float> on_special_values(FloatLanes (*f)(FloatLanes)) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {std::numeric_limits<float>::quiet_NaN(), inf, -inf, 200.0f, -200.0f, 0.0f, -0.0f, 1e-30f};
  map_lanes(x.data(), static_cast<int64_t>(x.size()), f);
  return x;
}

TEST(LaneMath, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> e = on_special_values(exp_lanes), sp = on_special_values(softplus_lanes);
  const std::vector<float> th = on_special_values(tanh_lanes), si = on_special_values(silu_lanes);
  EXPECT_TRUE(std::isnan(e[0]) && std::isnan(sp[0]) && std::isnan(th[0]) && std::isnan(si[0]));
  EXPECT_EQ(e[1], inf);
  EXPECT_EQ(e[2], 0.0f);
  EXPECT_EQ(e[3], inf);
  EXPECT_EQ(e[4], 0.0f);
  EXPECT_EQ(e[5], 1.0f);
  EXPECT_EQ(sp[1], inf);
  EXPECT_EQ(sp[2], 0.0f);
  EXPECT_EQ(sp[3], 200.0f);
  EXPECT_EQ(th[1], 1.0f);
  EXPECT_EQ(th[2], -1.0f);
  EXPECT_EQ(th[7], 1e-30f);
  EXPECT_EQ(si[3], 200.0f);
  EXPECT_EQ(si[4], 0.0f);
}

template <typename T> void check_sums() {
  using L = Simd<T>;
  std::mt19937 gen(7);
  std::normal_distribution<double> normal;
  typename L::V v[L::kWidth];
  for (auto& vec : v)
    for (int i = 0; i < L::kWidth; ++i) vec[i] = static_cast<T>(normal(gen));
  const typename L::V all = L::sums(v);
  for (int j = 0; j < L::kWidth; ++j) {
    T tree[L::kWidth];
    for (int i = 0; i < L::kWidth; ++i) tree[i] = v[j][i];
    for (int half = L::kWidth / 2; half >= 1; half /= 2)
      for (int i = 0; i < half; ++i) tree[i] = tree[i] + tree[i + half];
    EXPECT_EQ(L::sum(v[j]), tree[0]) << "vector " << j;
    EXPECT_EQ(all[j], tree[0]) << "vector " << j;
  }
}

TEST(LaneMath, SumsFollowOnePairwiseTree) {
  check_sums<float>();
  check_sums<double>();
}

TEST(LaneMath, ShiftUpFillsTheFirstLanes) {
  float x[S::kWidth];
  for (int i = 0; i < S::kWidth; ++i) x[i] = static_cast<float>(i + 1);
  const FloatLanes y = S::shift_up<2>(S::load(x), S::broadcast(-1.0f));
  EXPECT_EQ(y[0], -1.0f);
  EXPECT_EQ(y[1], -1.0f);
  for (int i = 2; i < S::kWidth; ++i) EXPECT_EQ(y[i], x[i - 2]);
}

TEST(ChunkedScan, LaneScanComposesTheSteps) {
  using L = Simd<double>;
  std::mt19937 gen(3);
  std::uniform_real_distribution<double> uniform(-1, 1);
  L::V a, b;
  for (int i = 0; i < L::kWidth; ++i) {
    a[i] = uniform(gen);
    b[i] = uniform(gen);
  }
  const L::V a0 = a, b0 = b;
  scan_lanes<double>(a, b);
  double h = 0, product = 1;
  for (int i = 0; i < L::kWidth; ++i) {
    h = a0[i] * h + b0[i];
    product *= a0[i];
    EXPECT_NEAR(b[i], h, 1e-15) << i;
    EXPECT_NEAR(a[i], product, 1e-15) << i;
  }
}

TEST(ChunkedScan, RunStepsMatchesTheLoopAnyLength) {
  std::mt19937 gen(5);
  std::uniform_real_distribution<double> uniform(-1, 1);
  std::vector<double> a(300), b(300), out(300);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = uniform(gen);
    b[i] = uniform(gen);
  }
  for (int64_t n : {0, 1, 7, 8, 9, 64, 299}) {
    const ScanMap<double> map = run_steps(ScanRow<double>{a.data(), 1, b.data()}, 1, n, 0.5, out.data());
    double h = 0.5, product = 1;
    for (int64_t t = 0; t < n; ++t) {
      h = a[t + 1] * h + b[t + 1];
      product *= a[t + 1];
      EXPECT_NEAR(out[t], h, 1e-14) << "n " << n << " t " << t;
    }
    EXPECT_NEAR(map.b, h, 1e-14);
    EXPECT_NEAR(map.a, product, 1e-14);
  }
}

}  // namespace
}  // namespace graphrun::sequence
