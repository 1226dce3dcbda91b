// SIMD lanes for the conv1d kernels (GCC vectors of the target's widest ISA) and a
// vectorized silu on them through SLEEF's 1-ulp exp.
#pragma once

#include "common/simd_lanes.h"

#include <sleef.h>

#include <cstdint>
#include <cstring>

namespace graphrun::signal {

using lanes::kLaneWidth;
using lanes::Lane;
using lanes::load_lane;
using lanes::splat;
using lanes::store_lane;

/// e^x on every lane, SLEEF's 1-ulp exp for the target's vector width.
template <typename T> Lane<T> lane_exp(Lane<T> x) {
  constexpr bool kFloat = sizeof(T) == sizeof(float);
#if defined(__AVX512F__)
  if constexpr (kFloat) return Sleef_expf16_u10(x);
  else return Sleef_expd8_u10(x);
#elif defined(__AVX2__)
  if constexpr (kFloat) return Sleef_expf8_u10(x);
  else return Sleef_expd4_u10(x);
#else
  for (int i = 0; i < kLaneWidth<T>; ++i) {
    if constexpr (kFloat) x[i] = Sleef_expf_u10(x[i]);
    else x[i] = Sleef_exp_u10(x[i]);
  }
  return x;
#endif
}

/// x·sigmoid(x) with e = exp(-|x|): x/(1+e) for x >= 0, x·e/(1+e) below, so exp never
/// overflows; NaN stays NaN.
template <typename T> Lane<T> lane_silu(Lane<T> x) {
  const Lane<T> e = lane_exp<T>(x > T(0) ? -x : x);
  const Lane<T> one = splat<T>(1);
  return x * (x >= T(0) ? one : e) / (one + e);
}

/// silu in place over n values; a short tail goes through one zero-padded lane so every
/// value is computed the same way wherever it sits.
template <typename T> void silu_in_place(T* p, int64_t n) {
  constexpr int64_t w = kLaneWidth<T>;
  int64_t i = 0;
  for (; i + w <= n; i += w) store_lane(p + i, lane_silu<T>(load_lane(p + i)));
  if (i == n) return;
  T tail[w] = {};
  std::memcpy(tail, p + i, static_cast<size_t>(n - i) * sizeof(T));
  Lane<T> v = lane_silu<T>(load_lane(tail));
  std::memcpy(p + i, &v, static_cast<size_t>(n - i) * sizeof(T));
}

}  // namespace graphrun::signal
