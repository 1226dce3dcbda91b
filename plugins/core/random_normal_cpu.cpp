// The `random` op's normal draws on the CPU, compiled for every SIMD target and dispatched at
// run time. Box–Muller as random_value.h defines it, with log and cos from graphrun's SIMD
// math (SLEEF's 1-ulp functions) on whole vectors, and Philox vectorized across the block:
// 4.5-5x less CPU than per-element Philox with glibc's scalar log and cos (bench/RESULTS.md,
// issue 12 item 11). Every element goes through the same vector code (a short tail is
// computed in a full block and copied), so the bits depend only on (seed, index), never on
// the chunking, hence not on the thread count.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/random_normal_cpu.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "graphrun/numerics/math-inl.h"
#include "random_normal_cpu.h"

#include <algorithm>

HWY_BEFORE_NAMESPACE();
namespace graphrun::core::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
namespace num = graphrun::numerics::HWY_NAMESPACE;

/// Elements per block: a multiple of every target's lane count, small enough for the stack.
constexpr int64_t kNormalBlock = 256;

/// Element first + k for k in [0, kNormalBlock), in double, into `z`.
void normal_block(const RandomParams& p, uint64_t first, double* HWY_RESTRICT z) {
  // Philox4x32-10 of every element's counter, round by round over the whole block (the
  // element loops vectorize: the same integer bits as philox_block_of_element, faster).
  alignas(64) uint32_t c0[kNormalBlock], c1[kNormalBlock], c2[kNormalBlock], c3[kNormalBlock];
  for (int64_t k = 0; k < kNormalBlock; ++k) {
    const uint64_t index = first + static_cast<uint64_t>(k);
    c0[k] = static_cast<uint32_t>(index);
    c1[k] = static_cast<uint32_t>(index >> 32);
    c2[k] = 0;
    c3[k] = 0;
  }
  uint32_t key0 = static_cast<uint32_t>(p.seed), key1 = static_cast<uint32_t>(p.seed >> 32);
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key0 += kPhiloxWeyl0;
      key1 += kPhiloxWeyl1;
    }
    for (int64_t k = 0; k < kNormalBlock; ++k) philox_round(c0[k], c1[k], c2[k], c3[k], key0, key1);
  }
  alignas(64) double u1[kNormalBlock], u2[kNormalBlock];
  for (int64_t k = 0; k < kNormalBlock; ++k) {
    u1[k] = unit_double(c0[k], c1[k]);
    u2[k] = unit_double(c2[k], c3[k]);
  }
  const hn::ScalableTag<double> d;
  const auto one = hn::Set(d, 1.0), minus_two = hn::Set(d, -2.0), two_pi = hn::Set(d, kRandomTwoPi);
  const auto mean = hn::Set(d, p.mean), std_dev = hn::Set(d, p.std);
  for (int64_t k = 0; k < kNormalBlock; k += static_cast<int64_t>(hn::Lanes(d))) {
    // The operations of random_value, in its order, each rounded once (no fused multiply-add).
    const auto radius = hn::Sqrt(hn::Mul(minus_two, num::Log(d, hn::Sub(one, hn::Load(d, u1 + k)))));
    const auto z_std = hn::Mul(radius, num::Cos(d, hn::Mul(two_pi, hn::Load(d, u2 + k))));
    hn::Store(hn::Add(mean, hn::Mul(std_dev, z_std)), d, z + k);
  }
}

template <typename T> void normal_range(const RandomParams& p, uint64_t first, int64_t n, T* HWY_RESTRICT y) {
  alignas(64) double z[kNormalBlock];
  for (int64_t done = 0; done < n; done += kNormalBlock) {
    normal_block(p, first + static_cast<uint64_t>(done), z);
    const int64_t count = std::min(kNormalBlock, n - done);
    for (int64_t k = 0; k < count; ++k) y[done + k] = static_cast<T>(z[k]);
  }
}
void normal_f32(const RandomParams& p, uint64_t first, int64_t n, float* y) { normal_range(p, first, n, y); }
void normal_f64(const RandomParams& p, uint64_t first, int64_t n, double* y) { normal_range(p, first, n, y); }

}  // namespace graphrun::core::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace graphrun::core {

HWY_EXPORT(normal_f32);
HWY_EXPORT(normal_f64);

void random_normal_cpu(const RandomParams& p, uint64_t first, int64_t n, float* y) {
  HWY_DYNAMIC_DISPATCH(normal_f32)(p, first, n, y);
}
void random_normal_cpu(const RandomParams& p, uint64_t first, int64_t n, double* y) {
  HWY_DYNAMIC_DISPATCH(normal_f64)(p, first, n, y);
}

}  // namespace graphrun::core
#endif  // HWY_ONCE
