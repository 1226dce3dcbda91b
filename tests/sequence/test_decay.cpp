// selective_scan's f32 decay factors (decay-inl.h) on every SIMD target compiled in, each
// forced in turn: 2^x against exp2 in double, within 1 ulp with FMA and 2 without (the
// polynomial's error; the power of 2 is exact) over the normal range; 0 below 2^-126.5,
// inf from 2^127.5, NaN for NaN and infinite x; and the same bits on every target of one
// family (FMA: AVX2 and AVX-512; no FMA: SSE4 and the fallbacks).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sequence/test_decay.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "sequence/decay-inl.h"

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {

/// y[i] = Exp2Decay(x[i]) for i < n (n a multiple of 16, the widest vector).
void decay_f32(const float* x, int64_t n, float* y) {
  const hn::ScalableTag<float> d;
  for (int64_t i = 0; i < n; i += static_cast<int64_t>(hn::Lanes(d)))
    hn::StoreU(Exp2Decay(d, hn::LoadU(d, x + i)), d, y + i);
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "sequence/scan_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace graphrun::sequence {
namespace {

HWY_EXPORT(decay_f32);

/// 2^20 + 1 points evenly over [-130, 130], small magnitudes down to 1e-30, the range's edges
/// and the special values; a multiple of 16 long.
std::vector<float> arguments() {
  std::vector<float> x;
  const int kPoints = 1 << 20;
  for (int i = 0; i <= kPoints; ++i) x.push_back(static_cast<float>(-130.0 + 260.0 * i / kPoints));
  for (float v = 1e-30f; v < 1.0f; v *= 1.7f) {
    x.push_back(v);
    x.push_back(-v);
  }
  const float inf = std::numeric_limits<float>::infinity();
  for (float v : {-126.5f, -126.4999f, -126.5001f, -126.0f, 0.0f, -0.0f, 127.0f, 127.4999f, 127.5f, 128.0f,
                  inf, -inf, std::numeric_limits<float>::quiet_NaN()})
    x.push_back(v);
  while (x.size() % 16) x.push_back(0.5f);
  return x;
}

std::vector<float> decay_on(const std::vector<float>& x) {
  std::vector<float> y(x.size());
  HWY_DYNAMIC_DISPATCH(decay_f32)(x.data(), static_cast<int64_t>(x.size()), y.data());
  return y;
}

/// The target's family: targets of one family give the same bits.
std::string family(int64_t target) {
  return target == HWY_AVX2 || target == HWY_AVX3 || target == HWY_AVX3_DL ? "fma" : "plain";
}

TEST(Decay, IsExp2WithinAnUlpOrTwoOnEveryTarget) {
  const std::vector<float> x = arguments();
  std::map<std::string, std::vector<float>> first_of_family;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(hwy::TargetName(target));
    const std::vector<float> y = decay_on(x);
    // Without FMA each multiply-add of the polynomial rounds twice.
    const double ulps = family(target) == "fma" ? 1.0 : 2.0;
    for (size_t i = 0; i < x.size(); ++i) {
      const float xi = x[i], yi = y[i];
      if (std::isnan(xi) || std::isinf(xi)) {
        EXPECT_TRUE(std::isnan(yi)) << "x = " << xi << ": " << yi;
      } else if (xi < -126.5f) {
        EXPECT_EQ(yi, 0.0f) << "x = " << xi;
      } else if (xi >= 127.5f) {
        EXPECT_EQ(yi, std::numeric_limits<float>::infinity()) << "x = " << xi;
      } else {
        const double exact = std::exp2(static_cast<double>(xi));
        // Below 2^-126 the factor is subnormal: one rounding of a subnormal's spacing.
        const double ulp = exact < 0x1p-126 ? 0x1p-149 : std::ldexp(1.0, std::ilogb(exact) - 23);
        EXPECT_LE(std::abs(yi - exact), ulps * ulp) << "x = " << xi << ": " << yi << " vs " << exact;
      }
    }
    auto [it, fresh] = first_of_family.emplace(family(target), y);
    if (!fresh) {
      EXPECT_EQ(std::memcmp(it->second.data(), y.data(), y.size() * sizeof(float)), 0);
    }
  }
  hwy::SetSupportedTargetsForTest(0);
}

// The CUDA kernels' scalar form (scan_math.h's exp2_decay, fused multiply-adds) gives the
// bits of the FMA targets' Exp2Decay, so selective_scan's f32 decay factors on the device
// equal the CPU's there.
TEST(Decay, TheCudaScalarFormHasTheFmaTargetsBits) {
  const std::vector<float> x = arguments();
  bool compared = false;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    if (family(target) != "fma") continue;
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(hwy::TargetName(target));
    const std::vector<float> y = decay_on(x);
    compared = true;
    for (size_t i = 0; i < x.size(); ++i) {
      const float scalar = exp2_decay(x[i]);
      if (std::isnan(y[i])) {
        EXPECT_TRUE(std::isnan(scalar)) << "x = " << x[i];
      } else {
        ASSERT_EQ(std::memcmp(&scalar, &y[i], sizeof(float)), 0) << "x = " << x[i] << ": " << scalar << " vs " << y[i];
      }
    }
  }
  hwy::SetSupportedTargetsForTest(0);
  if (!compared) GTEST_SKIP() << "this CPU has no FMA target";
}

}  // namespace
}  // namespace graphrun::sequence
#endif  // HWY_ONCE
