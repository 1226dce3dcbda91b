// The `random` op's normal draws on the CPU, compiled for every SIMD target and dispatched at
// run time. Box–Muller as random_value.h defines it, with log and cos from graphrun's SIMD
// math (SLEEF's 1-ulp functions) on whole vectors, and Philox in vector registers, four
// vectors' rounds interleaved: 4.5-5x less CPU than per-element Philox with glibc's scalar
// log and cos (bench/RESULTS.md, issue 12 item 11), and the register Philox 25% less again
// than Philox rounds over arrays (issue 11 item 3). Every element goes through the same
// vector code (a short tail is computed in a full block and copied), so the bits depend only
// on (seed, index), never on the chunking, hence not on the thread count.
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

/// Elements per block: a multiple of kChains vectors on every target, small enough for the
/// stack.
constexpr int64_t kNormalBlock = 256;

#if HWY_TARGET == HWY_SCALAR
constexpr int kChains = 1;

/// The uniforms (u1, u2) of element `index` (the one lane): philox.h's function itself.
template <class DF>
HWY_INLINE void philox_uniforms(DF, uint64_t seed, uint64_t index, double* HWY_RESTRICT u1,
                                double* HWY_RESTRICT u2) {
  const PhiloxBlock b = philox_block_of_element(seed, index);
  *u1 = unit_double(b[0], b[1]);
  *u2 = unit_double(b[2], b[3]);
}
#else
/// Vectors whose Philox rounds are interleaved: each vector's ten rounds are one chain of
/// dependent multiplies, shifts and xors, and four independent chains keep the vector units
/// busy (measured: 2 and 8 chains are slower on AVX-512, 8 spill registers). Arrays of
/// vectors: fine on the x86 targets graphrun compiles (math-inl.h is x86-only), not on
/// sizeless ones (SVE, RVV).
constexpr int kChains = 4;

/// The uniforms (u1[k], u2[k]) of the elements index + k, k < kChains · Lanes(df), the j-th
/// vector's lanes being the j-th Lanes(df) of them: Philox4x32-10 with each word in a 64-bit
/// lane, so that a round is two 32x32->64 bit multiplies (MulEven reads the low half of each
/// lane), two shifts and two three-way xors, with no shuffles. The high halves of c1, c3
/// (and hence of c0, c2) carry garbage that no multiply reads and that the final combination
/// masks off: the same integer bits as philox_block_of_element (the tests compare with it
/// across the 2^32 carry of the index).
template <class DF>
HWY_INLINE void philox_uniforms(DF df, uint64_t seed, uint64_t index, double* HWY_RESTRICT u1,
                                double* HWY_RESTRICT u2) {
  const hn::RebindToUnsigned<DF> du;  // u64 lanes
  const hn::RebindToSigned<DF> di;    // i64 lanes, for the exact conversion to double
  const hn::Repartition<uint32_t, decltype(du)> d32;
  using VU = hn::Vec<decltype(du)>;
  const size_t lanes = hn::Lanes(du);
  const auto m0 = hn::BitCast(d32, hn::Set(du, uint64_t{kPhiloxMultiplier0}));
  const auto m1 = hn::BitCast(d32, hn::Set(du, uint64_t{kPhiloxMultiplier1}));
  VU c0[kChains], c1[kChains], c2[kChains], c3[kChains];
  for (int j = 0; j < kChains; ++j) {
    c0[j] = hn::Iota(du, index + j * lanes);  // low word of the index (the high half is never read)
    c1[j] = hn::ShiftRight<32>(c0[j]);
    c2[j] = hn::Zero(du);
    c3[j] = hn::Zero(du);
  }
  uint32_t key0 = static_cast<uint32_t>(seed), key1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key0 += kPhiloxWeyl0;
      key1 += kPhiloxWeyl1;
    }
    const auto k0 = hn::Set(du, uint64_t{key0}), k1 = hn::Set(du, uint64_t{key1});
    for (int j = 0; j < kChains; ++j) {
      const auto p0 = hn::MulEven(hn::BitCast(d32, c0[j]), m0);
      const auto p1 = hn::MulEven(hn::BitCast(d32, c2[j]), m1);
      c0[j] = hn::Xor3(hn::ShiftRight<32>(p1), c1[j], k0);
      c2[j] = hn::Xor3(hn::ShiftRight<32>(p0), c3[j], k1);
      c1[j] = p1;
      c3[j] = p0;
    }
  }
  // unit_double: the top 53 bits of (high << 32 | low), below 2^53, so exact in double.
  const auto low_word = hn::Set(du, uint64_t{0xFFFFFFFFu});
  const auto scale = hn::Set(df, 0x1p-53);
  for (int j = 0; j < kChains; ++j) {
    const auto bits1 = hn::ShiftRight<11>(hn::Or(hn::ShiftLeft<32>(c0[j]), hn::And(c1[j], low_word)));
    const auto bits2 = hn::ShiftRight<11>(hn::Or(hn::ShiftLeft<32>(c2[j]), hn::And(c3[j], low_word)));
    hn::Store(hn::Mul(hn::ConvertTo(df, hn::BitCast(di, bits1)), scale), df, u1 + j * lanes);
    hn::Store(hn::Mul(hn::ConvertTo(df, hn::BitCast(di, bits2)), scale), df, u2 + j * lanes);
  }
}
#endif
static_assert(kNormalBlock % (kChains * HWY_MAX_BYTES / sizeof(double)) == 0);

/// Element first + k for k in [0, kNormalBlock), in double, into `z`.
void normal_block(const RandomParams& p, uint64_t first, double* HWY_RESTRICT z) {
  const hn::ScalableTag<double> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  // Two passes: the uniforms of the whole block first, in a loop without calls (a call to
  // log or cos between two Philox chains would keep the core from overlapping them); then
  // log and cos (SLEEF calls) on them.
  alignas(64) double u1[kNormalBlock], u2[kNormalBlock];
  for (int64_t k = 0; k < kNormalBlock; k += kChains * lanes)
    philox_uniforms(d, p.seed, first + static_cast<uint64_t>(k), u1 + k, u2 + k);
  const auto one = hn::Set(d, 1.0), minus_two = hn::Set(d, -2.0), two_pi = hn::Set(d, kRandomTwoPi);
  const auto mean = hn::Set(d, p.mean), std_dev = hn::Set(d, p.std);
  for (int64_t k = 0; k < kNormalBlock; k += lanes) {
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
