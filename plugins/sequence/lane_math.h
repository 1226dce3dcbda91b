// SIMD lanes for the sequence kernels and the functions they need on them: exp, softplus,
// silu, tanh. The f32 versions are Cephes polynomials written on GCC vectors (1–2 ulp), so
// they inline into the scan loops instead of being calls; the f64 versions apply the C
// library lane by lane, keeping its accuracy for the 1e-12 tolerance of f64 graphs.
#pragma once

#include "common/simd_lanes.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

namespace graphrun::sequence {

using lanes::kVectorBytes;

/// GCC vector types of kVectorBytes: Simd<T>::V holds kWidth values of T.
template <typename T> struct Simd {
  using V = lanes::Lane<T>;
  static constexpr int kWidth = static_cast<int>(lanes::kLaneWidth<T>);

  /// kWidth values from p (any alignment).
  static V load(const T* p) { return lanes::load_lane(p); }
  /// kWidth values to p (any alignment).
  static void store(T* p, V v) { lanes::store_lane(p, v); }
  /// Every lane equal to x (0 - x would lose the sign of -0).
  static V broadcast(T x) {
    V v;
    for (int i = 0; i < kWidth; ++i) v[i] = x;
    return v;
  }
  /// The lanes added in a fixed pairwise tree (lane i + lane i + W/2, and so on down), in
  /// registers: the same order on every call.
  static T sum(V v) {
    if constexpr (kWidth >= 16) v = v + rotate_down<8>(v, Lanes{});
    if constexpr (kWidth >= 8) v = v + rotate_down<4>(v, Lanes{});
    if constexpr (kWidth >= 4) v = v + rotate_down<2>(v, Lanes{});
    return v[0] + v[1];
  }
  /// a·b + c with one rounding (one instruction where the target has FMA).
  static V fma(V a, V b, V c) {
    for (int i = 0; i < kWidth; ++i) a[i] = std::fma(a[i], b[i], c[i]);
    return a;
  }
  /// The sums of kWidth vectors at once: lane j of the result is sum(v[j]), added in the
  /// same tree as sum(), but the vectors are folded into each other so every shuffle and
  /// add serves all of them (kWidth - 1 merges instead of kWidth·log2(kWidth) folds).
  static V sums(const V* v) {
    V level[kWidth / 2];
    int count = merge_level<kWidth / 2>(v, kWidth, level);
    if constexpr (kWidth >= 8) count = merge_level<kWidth / 4>(level, count, level);
    if constexpr (kWidth >= 16) count = merge_level<kWidth / 8>(level, count, level);
    if constexpr (kWidth >= 4) merge_level<1>(level, count, level);
    return bit_reversed(level[0], Lanes{});
  }
  /// Lane i of the result is lane i - K of v, and lane i of `fill` in the first K lanes.
  template <int K> static V shift_up(V v, V fill) { return shift_up<K>(v, fill, Lanes{}); }
  /// Every lane equal to the last lane of v.
  static V broadcast_last(V v) { return broadcast_last(v, Lanes{}); }

 private:
  using Lanes = std::make_index_sequence<kWidth>;
  /// Folds pairs of vectors whose lanes hold partial sums in blocks of 2G: each block adds
  /// its lanes i and i + G, x's blocks and y's blocks interleaved in the result.
  template <int G> static int merge_level(const V* from, int count, V* to) {
    for (int k = 0; k < count / 2; ++k)
      to[k] = merge_half<G, false>(from[2 * k], from[2 * k + 1], Lanes{}) +
              merge_half<G, true>(from[2 * k], from[2 * k + 1], Lanes{});
    return count / 2;
  }
  template <int G, bool kUpper, size_t... I> static V merge_half(V x, V y, std::index_sequence<I...>) {
    return __builtin_shufflevector(
        x, y, static_cast<int>(I / G / 2 * 2 * G + I % G + (kUpper ? G : 0) + (I / G % 2 ? kWidth : 0))...);
  }
  /// After the merges lane i holds the sum of vector bit_reverse(i); this puts it back at i.
  static constexpr int bit_reverse(int i) {
    int r = 0;
    for (int bit = 1; bit < kWidth; bit <<= 1) r = r * 2 + ((i & bit) ? 1 : 0);
    return r;
  }
  template <size_t... I> static V bit_reversed(V v, std::index_sequence<I...>) {
    return __builtin_shufflevector(v, v, bit_reverse(static_cast<int>(I))...);
  }
  template <size_t... I> static V broadcast_last(V v, std::index_sequence<I...>) {
    return __builtin_shufflevector(v, v, (static_cast<int>(I) * 0 + kWidth - 1)...);
  }
  template <int K, size_t... I> static V rotate_down(V v, std::index_sequence<I...>) {
    return __builtin_shufflevector(v, v, static_cast<int>((I + K) % kWidth)...);
  }
  template <int K, size_t... I> static V shift_up(V v, V fill, std::index_sequence<I...>) {
    return __builtin_shufflevector(v, fill, (static_cast<int>(I) < K ? kWidth + static_cast<int>(I)
                                                                     : static_cast<int>(I) - K)...);
  }
};

/// f32 lanes, and int32 lanes of the same width (the exponent arithmetic of exp).
using FloatLanes = Simd<float>::V;
typedef int32_t IntLanes __attribute__((vector_size(kVectorBytes)));

/// e^x on f32 lanes: Cephes expf (k = round(x/ln 2), a degree-7 polynomial on the rest),
/// 2^k applied in two halves so that underflow to 0 and overflow to inf come out right.
[[gnu::always_inline]] inline FloatLanes exp_lanes(FloatLanes x) {
  x = x < -104.0f ? -104.0f : x;  // NaN compares false and passes through
  x = x > 89.0f ? 89.0f : x;
  using S = Simd<float>;
  constexpr float kShifter = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer
  const FloatLanes t = S::fma(x, S::broadcast(1.44269504088896341f), S::broadcast(kShifter));
  const FloatLanes k = t - kShifter;
  const IntLanes ki = std::bit_cast<IntLanes>(t) - std::bit_cast<int32_t>(kShifter);
  FloatLanes r = S::fma(k, S::broadcast(-0.693359375f), x);
  r = S::fma(k, S::broadcast(2.12194440e-4f), r);
  FloatLanes p = S::fma(S::broadcast(1.9875691500e-4f), r, S::broadcast(1.3981999507e-3f));
  p = S::fma(p, r, S::broadcast(8.3334519073e-3f));
  p = S::fma(p, r, S::broadcast(4.1665795894e-2f));
  p = S::fma(p, r, S::broadcast(1.6666665459e-1f));
  p = S::fma(p, r, S::broadcast(5.0000001201e-1f));
  p = S::fma(p, r * r, r) + 1.0f;
  const IntLanes k1 = ki >> 1, k2 = ki - k1;
  return p * std::bit_cast<FloatLanes>((k1 + 127) << 23) *
         std::bit_cast<FloatLanes>((k2 + 127) << 23);
}

/// log(1 + e^x) as torch.nn.functional.softplus (x itself above 20), computed as
/// max(x, 0) + log1p(e^-|x|) with log1p(y) = 2·atanh(y / (2 + y)) summed as its series:
/// no cancellation for small y, no overflow for large x.
[[gnu::always_inline]] inline FloatLanes softplus_lanes(FloatLanes x) {
  const FloatLanes y = exp_lanes(x < 0.0f ? x : -x);
  const FloatLanes s = y / (2.0f + y);
  const FloatLanes s2 = s * s;
  FloatLanes q = s2 * (1.0f / 15) + 1.0f / 13;
  q = q * s2 + 1.0f / 11;
  q = q * s2 + 1.0f / 9;
  q = q * s2 + 1.0f / 7;
  q = q * s2 + 1.0f / 5;
  q = q * s2 + 1.0f / 3;
  q = q * s2 + 1.0f;
  const FloatLanes value = (x > 0.0f ? x : 0.0f) + 2.0f * s * q;
  return x > 20.0f ? x : value;
}

/// x·sigmoid(x) with e = e^-|x|, so the exponential never overflows.
[[gnu::always_inline]] inline FloatLanes silu_lanes(FloatLanes x) {
  const FloatLanes e = exp_lanes(x < 0.0f ? x : -x);
  return x * (x >= 0.0f ? 1.0f : e) / (1.0f + e);
}

/// tanh on f32 lanes, Cephes tanhf: an odd polynomial below |x| = 0.625 (where 1 - e^-2|x|
/// would cancel), 1 - 2/(e^2|x| + 1) with the sign of x above.
[[gnu::always_inline]] inline FloatLanes tanh_lanes(FloatLanes x) {
  const FloatLanes z = x * x;
  FloatLanes p = -5.70498872745e-3f * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const FloatLanes small = x + x * z * p;
  const FloatLanes ax = x < 0.0f ? -x : x;
  const FloatLanes large = 1.0f - 2.0f / (exp_lanes(2.0f * ax) + 1.0f);
  return ax < 0.625f ? small : (x < 0.0f ? -large : large);
}

/// The f64 counterparts, lane by lane through the C library.
template <typename V, typename F> V each_lane(V x, F f) {
  for (int i = 0; i < Simd<double>::kWidth; ++i) x[i] = f(x[i]);
  return x;
}
inline Simd<double>::V exp_lanes(Simd<double>::V x) {
  return each_lane(x, [](double v) { return std::exp(v); });
}
inline Simd<double>::V softplus_lanes(Simd<double>::V x) {
  return each_lane(x, [](double v) { return v > 20.0 ? v : std::log1p(std::exp(v)); });
}
inline Simd<double>::V silu_lanes(Simd<double>::V x) {
  return each_lane(x, [](double v) {
    const double e = std::exp(-std::fabs(v));
    return v * (v >= 0.0 ? 1.0 : e) / (1.0 + e);
  });
}
inline Simd<double>::V tanh_lanes(Simd<double>::V x) {
  return each_lane(x, [](double v) { return std::tanh(v); });
}

/// out[0, n) = f(in[0, n)) a vector at a time (in may be out); a short tail goes through
/// one zero-padded vector, so each value is computed the same way wherever it sits.
template <typename T, typename F> void map_lanes(const T* in, int64_t n, T* out, F f) {
  using S = Simd<T>;
  int64_t i = 0;
  for (; i + S::kWidth <= n; i += S::kWidth) S::store(out + i, f(S::load(in + i)));
  if (i == n) return;
  T tail[S::kWidth] = {};
  std::memcpy(tail, in + i, static_cast<size_t>(n - i) * sizeof(T));
  const typename S::V v = f(S::load(tail));
  std::memcpy(out + i, &v, static_cast<size_t>(n - i) * sizeof(T));
}

/// map_lanes in place.
template <typename T, typename F> void map_lanes(T* p, int64_t n, F f) { map_lanes(p, n, p, f); }

/// y[j] = sum(products[j]) for j < n, kWidth at a time; the padding of products up to a
/// multiple of kWidth is zeroed here, so the last sums come out of the same tree.
template <typename T> void store_lane_sums(typename Simd<T>::V* products, int64_t n, T* y) {
  using S = Simd<T>;
  for (int64_t j = n; j % S::kWidth; ++j) products[j] = typename S::V{};
  for (int64_t j = 0; j < n; j += S::kWidth) {
    const typename S::V sums = S::sums(products + j);
    std::memcpy(y + j, &sums, static_cast<size_t>(std::min<int64_t>(S::kWidth, n - j)) * sizeof(T));
  }
}

/// Visits state vectors [0, count) in runs of at most 4, calling f.template operator()<K>(first)
/// with the run's length K as a constant: a run's states then live in registers across steps.
template <typename F> void for_state_runs(int64_t count, F&& f) {
  for (int64_t first = 0; first < count; first += 4) {
    switch (std::min<int64_t>(4, count - first)) {
      case 1: f.template operator()<1>(first); break;
      case 2: f.template operator()<2>(first); break;
      case 3: f.template operator()<3>(first); break;
      default: f.template operator()<4>(first); break;
    }
  }
}

}  // namespace graphrun::sequence
