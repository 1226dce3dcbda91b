// The CPU kernel of `max` over adjacent values (plugins/core/max_contiguous.cpp) on every
// SIMD target compiled in, each forced in turn, against a left-to-right scalar scan, to the
// bit: NaN at every position (first value, last lane of a vector, the scalar tail), infinities,
// and maxima of -0.0 and +0.0 in every order, which vector Max alone would settle by lane.
#include "core/max_contiguous.h"

#include <hwy/targets.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace graphrun::core {
namespace {

/// numpy.max as a plain scan: NaN if any value is NaN, else the first of the largest values.
template <typename T> T scan_max(const std::vector<T>& a) {
  T res = a[0];
  for (T v : a) {
    if (v != v) return std::numeric_limits<T>::quiet_NaN();
    res = v > res ? v : res;
  }
  return res;
}

template <typename T> bool same_bits(T a, T b) { return std::memcmp(&a, &b, sizeof(T)) == 0; }

/// Every target's max of a equals the scan's, bit for bit.
template <typename T> void expect_every_target(const std::vector<T>& a, const std::string& what) {
  const T expected = scan_max(a);
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    const T got = max_contiguous(a.data(), static_cast<int64_t>(a.size()));
    EXPECT_TRUE(same_bits(got, expected)) << what << ", n = " << a.size() << ", " << hwy::TargetName(target)
                                          << ": got " << got << ", expected " << expected;
  }
  hwy::SetSupportedTargetsForTest(0);
}

template <typename T> class MaxContiguous : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(MaxContiguous, Types);

TYPED_TEST(MaxContiguous, RandomValuesOfEveryLength) {
  using T = TypeParam;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  for (int64_t n = 1; n <= 300; ++n) {
    std::vector<T> a(static_cast<size_t>(n));
    for (T& v : a) v = T(normal(rng));
    expect_every_target(a, "random");
  }
}

TYPED_TEST(MaxContiguous, NanAnywhereWins) {
  using T = TypeParam;
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  for (int64_t n : {1, 2, 7, 16, 63, 64, 65, 129, 200}) {
    for (int64_t at = 0; at < n; ++at) {
      std::vector<T> a(static_cast<size_t>(n), T(-1));
      a[static_cast<size_t>(n / 2)] = inf;
      a[static_cast<size_t>(at)] = at % 2 ? nan : -nan;
      expect_every_target(a, "NaN at " + std::to_string(at));
    }
  }
}

TYPED_TEST(MaxContiguous, InfinitiesAndNegativeValues) {
  using T = TypeParam;
  const T inf = std::numeric_limits<T>::infinity();
  for (int64_t n : {3, 64, 131}) {
    std::vector<T> a(static_cast<size_t>(n), -inf);
    expect_every_target(a, "all -inf");
    a[static_cast<size_t>(n - 1)] = T(-3);
    expect_every_target(a, "-3 last");
    a[0] = inf;
    expect_every_target(a, "+inf first");
  }
}

TYPED_TEST(MaxContiguous, FirstZeroDecidesTheSignOfAZeroMaximum) {
  using T = TypeParam;
  for (int64_t n : {2, 5, 32, 64, 100, 257}) {
    for (int64_t first : {int64_t{0}, int64_t{1}, n / 3, n - 2}) {
      for (T zero : {T(-0.0), T(0.0)}) {
        std::vector<T> a(static_cast<size_t>(n), T(-2));
        a[static_cast<size_t>(first)] = zero;
        for (int64_t k = first + 1; k < n; k += 3) a[static_cast<size_t>(k)] = -zero;
        expect_every_target(a, "first zero at " + std::to_string(first));
      }
    }
  }
}

}  // namespace
}  // namespace graphrun::core
