// The CPU kernel of normal draws (plugins/core/random_normal_cpu.cpp) on every SIMD target
// compiled in, each forced in turn, at element indices the op's tests cannot reach (across
// the 2^32 carry into the counter's high word, and at the top of the 64-bit range): the
// vector Philox in 64-bit lanes against the scalar fallback, which calls philox.h's function
// itself, to the bit (SSE4 and the fallback share SLEEF's functions without FMA, AVX2 and
// AVX-512 those with it); every target against random_value, the CUDA kernel's function, to
// the last bits of log and cos; f32 as the f64 value rounded once.
#include "core/random_normal_cpu.h"
#include "core/random_value.h"

#include <hwy/targets.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace graphrun::core {
namespace {

/// The target's family: targets of one family give the same bits (math-inl.h).
std::string family(int64_t target) {
  return target == HWY_AVX2 || target == HWY_AVX3 || target == HWY_AVX3_DL ? "fma" : "plain";
}

struct Range {
  uint64_t seed, first;
  int64_t n;  // not a multiple of the 256-element block: the last one ends inside it
};

const Range kRanges[] = {
    {0, 0, 600},
    {0x0123456789abcdefull, (uint64_t{1} << 32) - 300, 700},  // the low word wraps mid-block
    {~uint64_t{0}, ~uint64_t{0} - 520, 521},                  // up to the last index
    {42, (uint64_t{5} << 32) + 17, 333},
};

TEST(RandomNormalCpu, VectorPhiloxMatchesTheScalarOneOnEveryTarget) {
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  ASSERT_FALSE(targets.empty());
  for (const Range& r : kRanges) {
    const RandomParams p{true, r.seed, 0.5, 3, 0, 1};
    std::map<std::string, std::vector<double>> first_of_family;
    for (int64_t target : targets) {
      hwy::SetSupportedTargetsForTest(target);
      SCOPED_TRACE(std::string(hwy::TargetName(target)) + ", first index " + std::to_string(r.first));
      std::vector<double> y(static_cast<size_t>(r.n));
      std::vector<float> y32(static_cast<size_t>(r.n));
      random_normal_cpu(p, r.first, r.n, y.data());
      random_normal_cpu(p, r.first, r.n, y32.data());
      for (int64_t k = 0; k < r.n; ++k) {
        const double expected = random_value<double>(p, r.first + static_cast<uint64_t>(k));
        // mean + std * z with |mean| = 0.5: the bound scales with the terms, not the sum.
        ASSERT_NEAR(y[k], expected, 1e-14 * (3 + std::abs(expected))) << "element " << k;
        ASSERT_EQ(y32[k], static_cast<float>(y[k])) << "element " << k;
      }
      auto [it, fresh] = first_of_family.emplace(family(target), y);
      if (!fresh) {
        EXPECT_EQ(std::memcmp(it->second.data(), y.data(), y.size() * sizeof(double)), 0);
      }
    }
    hwy::SetSupportedTargetsForTest(0);
  }
}

TEST(RandomNormalCpu, ARangeEqualsItsPiecesDrawnApart) {
  // Chunks starting anywhere (the thread split) give the bits of one call over the range.
  const RandomParams p{true, 7, 0, 1, 0, 1};
  const uint64_t first = (uint64_t{1} << 32) - 1000;
  const int64_t n = 3000;
  std::vector<double> whole(n), pieces(n);
  random_normal_cpu(p, first, n, whole.data());
  for (int64_t b : {int64_t{0}, int64_t{1}, int64_t{257}, int64_t{1000}, int64_t{2999}}) {
    random_normal_cpu(p, first, b, pieces.data());
    random_normal_cpu(p, first + static_cast<uint64_t>(b), n - b, pieces.data() + b);
    EXPECT_EQ(std::memcmp(whole.data(), pieces.data(), sizeof(double) * n), 0) << "split at " << b;
  }
}

}  // namespace
}  // namespace graphrun::core
