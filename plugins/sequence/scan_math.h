// The per-step math of the sequence ops' CUDA kernels, as __host__ __device__ functions: the
// CUDA kernels (.cu) call them on the device and the host tests call the same code against
// the CPU ops (tests/sequence/test_cuda_scan.cpp). The CPU kernels compute the same
// formulas in SIMD lanes (Highway); where a function mirrors one of them it says which, and
// the tests check the bits or the tolerance.
#pragma once

#include <graphrun/cuda/elementwise_math.cuh>  // GRAPHRUN_HD, ew:: (softplus, silu, tanh, exp)

#include <cstdint>
#include <cstring>

namespace graphrun::sequence {

/// The map of one or more steps of h ↦ a·h + b.
template <typename T> struct AffineMap {
  T a, b;
};

/// The identity map (a = 1, b = 0): a padding step past the end of a sequence.
template <typename T> GRAPHRUN_HD inline AffineMap<T> identity_map() { return {T(1), T(0)}; }

/// `first` then `then`: h ↦ then.a·(first.a·h + first.b) + then.b. Associative (up to
/// rounding), which is what lets the steps of a chunk combine in a tree. Plain multiplies
/// and adds: the host (-ffp-contract=off) and the device (--fmad=false) round it alike.
template <typename T> GRAPHRUN_HD inline AffineMap<T> compose(AffineMap<T> first, AffineMap<T> then) {
  return {then.a * first.a, then.a * first.b + then.b};
}

/// The map applied to h.
template <typename T> GRAPHRUN_HD inline T apply(AffineMap<T> m, T h) { return m.a * h + m.b; }

/// exp2 of selective_scan's f32 decay argument x = Δ·(A·log2 e): the scalar form of the CPU's
/// Exp2Decay (decay-inl.h), with its multiply-adds fused as on the FMA targets (AVX2,
/// AVX-512), so the same bits as the CPU there. Round to nearest even, the exact remainder,
/// Cephes' polynomial, and 2^r from r clamped to [-127, 128] put into the exponent field.
GRAPHRUN_HD inline float exp2_decay(float x) {
  const float r = ::rintf(x);
  const float f = x - r;
  float p = 1.535336188319500e-4f;
  p = ::fmaf(p, f, 1.339887440266574e-3f);
  p = ::fmaf(p, f, 9.618437357674640e-3f);
  p = ::fmaf(p, f, 5.550332471162809e-2f);
  p = ::fmaf(p, f, 2.402264791363012e-1f);
  p = ::fmaf(p, f, 6.931472028550421e-1f);
  p = ::fmaf(p, f, 1.0f);
  // NaN r (x NaN or infinite) clamps to either end; p is NaN then, and so the result.
  const float clamped = ::fminf(::fmaxf(r, -127.0f), 128.0f);
  const float biased = clamped + (8388608.0f + 127.0f);
#if defined(__CUDA_ARCH__)
  const float power = __uint_as_float(__float_as_uint(biased) << 23);
#else
  uint32_t bits;
  std::memcpy(&bits, &biased, sizeof bits);
  bits <<= 23;
  float power;
  std::memcpy(&power, &bits, sizeof power);
#endif
  return p * power;
}

/// log2 e, by which selective_scan's f32 kernels scale A once (decay-inl.h's kLog2E).
inline constexpr float kDecayLog2E = 1.44269504088896340736f;

/// A as the decay factor's argument wants it: A·log2 e in f32 (the factor is a power of 2),
/// A itself in f64 (the factor is exp). As the CPU's scan_channels.
GRAPHRUN_HD inline float decay_rate(float a) { return a * kDecayLog2E; }
GRAPHRUN_HD inline double decay_rate(double a) { return a; }

/// exp(Δ·A) from the decay rate of decay_rate(A) and Δ: the CPU's decay_factor (2^x in f32,
/// exp in f64, where the device's exp is CUDA's, within an ulp of the CPU's SLEEF exp).
GRAPHRUN_HD inline float decay_factor(float rate, float dt) { return exp2_decay(rate * dt); }
GRAPHRUN_HD inline double decay_factor(double rate, double dt) { return ew::exp(rate * dt); }

/// selective_scan's Δ of one step: delta + delta_bias (when there is a bias), then softplus
/// when asked (graphrun's softplus, threshold 20).
template <typename T> GRAPHRUN_HD inline T selective_dt(T delta, const T* bias, bool softplus) {
  const T dt = bias ? delta + *bias : delta;
  return softplus ? ew::softplus(dt) : dt;
}

/// One step of one state of selective_scan: state ← factor·state + Bm·(Δ·u), the multiply-add
/// fused as the CPU's MulAdd on FMA targets.
template <typename T> GRAPHRUN_HD inline AffineMap<T> selective_step(T rate, T dt, T du, T bm) {
  return {decay_factor(rate, dt), bm * du};
}

/// Fused multiply-add in T (the CPU's MulAdd on FMA targets).
GRAPHRUN_HD inline float fused(float a, float b, float c) { return ::fmaf(a, b, c); }
GRAPHRUN_HD inline double fused(double a, double b, double c) { return ::fma(a, b, c); }

/// selective_scan's y of one step from Σ_n state·Cm: + Dskip·u (with a skip term), then
/// times silu(z) (with a gate); the CPU's order of operations.
template <typename T> GRAPHRUN_HD inline T selective_output(T sum, T u, const T* dskip, const T* z) {
  T y = dskip ? sum + *dskip * u : sum;
  if (z) y = y * ew::silu(*z);
  return y;
}

/// rnn's h_t[i] from the input projection W_xh·x_t (row i), the bias (null: none) and the
/// recurrent product W_hh·h_{t-1} (row i; `has_previous` false at t = 0 without h0, where
/// the CPU adds nothing): the CPU's order, bias + projection, then + the product, then act.
template <typename T> GRAPHRUN_HD inline T rnn_unit(T projection, const T* bias, T recurrent, bool has_previous, bool relu) {
  T v = bias ? *bias + projection : projection;
  if (has_previous) v = v + recurrent;
  return relu ? ew::relu(v) : ew::tanh(v);
}

}  // namespace graphrun::sequence
