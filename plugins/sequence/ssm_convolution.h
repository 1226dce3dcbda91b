// ssm's convolution mode as __host__ __device__ pieces, for its CUDA kernel
// (ssm_convolution.cu) and the host tests that replay it against the CPU's convolution mode
// (ssm_convolution-inl.h, tests/sequence).
//
// The kernel K[d, l] = Σ_n C·B̄·Āˡ and the final state B̄·Σ_t Ā^(L-1-t)·u_t are made in double
// from the powers of Ā exactly as the CPU makes them (kernel_and_final): l = l0 + j in blocks
// of 64 steps, Āˡ = base(l0)·Ā^j, Ā^j by repeated products from 1, base(0) = 1, base(l0) =
// pow(Ā, l0) every 64th block, else base(l0 - 64)·Ā^64 with Ā^64 = Ā^63·Ā; K's sum over
// states in the lane block's order (lane_block.h: 8 doubles, lane p adds states n ≡ p mod 8 in
// order, then the lanes in a pairwise tree); final's sum in order of l from 0. So on the
// host these give the CPU's bits; on the device the same, up to the discretization's exp
// (CUDA's, within an ulp or two).
//
// The causal convolution of each row of u with its channel's K (in T): directly where the CPU
// convolves directly (convolve_by_fft false: y_t = Σ_{l≤t} K_l·u_{t-l} from 0 in order of l,
// the CPU's bits), else through real FFTs of the CPU's size fast_fft_size(2L − 1): both rows
// zero-padded to `size`, the spectra multiplied (the CPU's complex product), transformed back
// and scaled by 1/size; then y + Dskip·u. The functors below give element i of each step.
#pragma once

#include "../common/complex_product.h"
#include "lane_block.h"
#include "ssm_discretize.h"  // GRAPHRUN_HD, ew::pow

#include <cstdint>

// The lane loops unrolled on the device (the lanes stay in registers); nothing on the host.
#if defined(__CUDACC__)
#define GRAPHRUN_SSM_UNROLL _Pragma("unroll")
#else
#define GRAPHRUN_SSM_UNROLL
#endif

namespace graphrun::sequence {

/// Steps per block of powers, and steps between the powers made afresh by pow().
inline constexpr int64_t kSsmPowerSteps = 64;
inline constexpr int64_t kSsmPowerResync = 64 * kSsmPowerSteps;
/// Steps of the final state's sum per device thread: one chunk for L <= 4096 (the CPU's bits);
/// longer sums add the chunks' sums in order.
inline constexpr int64_t kSsmFinalChunk = kSsmPowerResync;

/// The FFT path's rows per round of transforms: as many as `budget` bytes of buffers hold
/// (`row_bytes` each: a padded row and its spectrum), at least one, at most `rows`.
constexpr int64_t kSsmRoundBytes = int64_t{512} << 20;
GRAPHRUN_HD constexpr int64_t ssm_rows_per_round(int64_t rows, int64_t row_bytes, int64_t budget = kSsmRoundBytes) {
  const int64_t fit = budget / row_bytes;
  return fit < 1 ? 1 : fit > rows ? rows : fit;
}

/// Ā^j (j <= 64) as the CPU makes it: j products from 1.
GRAPHRUN_HD inline double ssm_power_within(double a, int64_t j) {
  double p = 1.0;
  for (int64_t i = 0; i < j; ++i) p = p * a;
  return p;
}

/// Ā^64, the CPU's step from one block's base to the next.
GRAPHRUN_HD inline double ssm_power_step(double a) { return ssm_power_within(a, kSsmPowerSteps); }

/// The CPU's base(l0) for l0 a multiple of 64 (step = ssm_power_step(a)).
GRAPHRUN_HD inline double ssm_power_base(double a, double step, int64_t l0) {
  const int64_t resync = l0 / kSsmPowerResync * kSsmPowerResync;
  double base = resync == 0 ? 1.0 : ew::pow(a, static_cast<double>(resync));
  for (int64_t m = resync; m < l0; m += kSsmPowerSteps) base = base * step;
  return base;
}

/// Āˡ as the CPU forms it: base(l0)·Ā^j.
GRAPHRUN_HD inline double ssm_power(double a, int64_t l) {
  const int64_t j = l % kSsmPowerSteps;
  return ssm_power_base(a, ssm_power_step(a), l - j) * ssm_power_within(a, j);
}

/// K = Σ_n cb[n]·power(n) over `states` (cb = C·B̄, power(n) = Āₙˡ), in the CPU's order.
template <typename PowerOf>
GRAPHRUN_HD inline double ssm_kernel_value(int64_t states, const double* cb, const PowerOf& power) {
  constexpr int kLanes = static_cast<int>(kBlockLanes<double>);
  double lane[kLanes];
GRAPHRUN_SSM_UNROLL
  for (int p = 0; p < kLanes; ++p) lane[p] = 0.0;
  for (int64_t n0 = 0; n0 < states; n0 += kLanes) {
GRAPHRUN_SSM_UNROLL
    for (int p = 0; p < kLanes; ++p)
      if (n0 + p < states) lane[p] = lane[p] + cb[n0 + p] * power(n0 + p);
  }
GRAPHRUN_SSM_UNROLL
  for (int half = kLanes / 2; half >= 1; half /= 2)
GRAPHRUN_SSM_UNROLL
    for (int p = 0; p < half; ++p) lane[p] = lane[p] + lane[p + half];
  return lane[0];
}

/// Chunk c of one state's final sum: Σ Āˡ·u_row[L-1-l] over l in [c·4096, min(L, (c+1)·4096)),
/// from 0 in order of l, each power formed as the CPU forms it.
template <typename T>
GRAPHRUN_HD inline double ssm_final_chunk(double a, const T* u_row, int64_t length, int64_t chunk) {
  const double step = ssm_power_step(a);
  const int64_t begin = chunk * kSsmFinalChunk;
  const int64_t end = length < begin + kSsmFinalChunk ? length : begin + kSsmFinalChunk;
  double acc = 0.0, base = ssm_power_base(a, step, begin);
  for (int64_t l0 = begin; l0 < end; l0 += kSsmPowerSteps) {
    if (l0 > begin) base = base * step;
    const int64_t stop = end < l0 + kSsmPowerSteps ? end : l0 + kSsmPowerSteps;
    double within = 1.0;
    for (int64_t l = l0; l < stop; ++l) {
      acc = acc + base * within * static_cast<double>(u_row[length - 1 - l]);
      within = within * a;
    }
  }
  return acc;
}

/// Chunks of the final sum for L steps.
GRAPHRUN_HD constexpr int64_t ssm_final_chunks(int64_t length) {
  return (length + kSsmFinalChunk - 1) / kSsmFinalChunk;
}

/// final = B̄·(the chunks' sums added in order).
GRAPHRUN_HD inline double ssm_final_value(double b_bar, const double* chunk_sums, int64_t chunks) {
  double acc = 0.0;
  for (int64_t c = 0; c < chunks; ++c) acc = acc + chunk_sums[c];
  return b_bar * acc;
}

// ---- The steps of the CUDA kernel, element i of each -----------------------------------

/// Per (channel, state), (D, N) row-major, in double: Ā, B̄, C·B̄ and Ā^64.
struct SsmStateTables {
  double *a_bar, *b_bar, *cb, *step;
};

/// Entry k = d·N + n of the tables, from A, B, C (T) and the step (dt[d], or dt_value when
/// dt is null) as the CPU's discretize_all and kernel_and_final make them.
template <typename T>
GRAPHRUN_HD inline void ssm_discretize_state(int64_t k, int64_t states, const T* a, const T* b, const T* c,
                                             const T* dt, double dt_value, Discretization method,
                                             const SsmStateTables& out) {
  const double step = dt ? static_cast<double>(dt[k / states]) : dt_value;
  const DiscreteState s = discretize(method, static_cast<double>(a[k]), static_cast<double>(b[k]), step);
  out.a_bar[k] = s.a_bar;
  out.b_bar[k] = s.b_bar;
  out.cb[k] = static_cast<double>(c[k]) * s.b_bar;
  out.step[k] = ssm_power_step(s.a_bar);
}

/// within (D·N, 64): Ā^j of state k = i / 64.
struct SsmWithinAt {
  const double* a_bar;
  GRAPHRUN_HD double operator()(int64_t i) const {
    return ssm_power_within(a_bar[i / kSsmPowerSteps], i % kSsmPowerSteps);
  }
};

/// base (D, blocks, N): block b's base power of state n of channel d.
struct SsmBaseAt {
  SsmStateTables s;
  int64_t states, blocks;
  GRAPHRUN_HD double operator()(int64_t i) const {
    const int64_t n = i % states, d = i / states / blocks, block = i / states % blocks;
    return ssm_power_base(s.a_bar[d * states + n], s.step[d * states + n], block * kSsmPowerSteps);
  }
};

/// K[d, l] in T (D, L), each power base·within from the tables.
template <typename T> struct SsmKernelAt {
  const double* cb;
  const double* within;
  const double* base;
  int64_t states, length, blocks;
  GRAPHRUN_HD T operator()(int64_t i) const {
    const int64_t d = i / length, l = i % length, j = l % kSsmPowerSteps;
    const double* base_row = base + (d * blocks + l / kSsmPowerSteps) * states;
    const double* within_rows = within + d * states * kSsmPowerSteps + j;
    const auto power = [&](int64_t n) { return base_row[n] * within_rows[n * kSsmPowerSteps]; };
    return static_cast<T>(ssm_kernel_value(states, cb + d * states, power));
  }
};

/// Chunk c of the final sum of (row, state n): (rows, N, chunks).
template <typename T> struct SsmFinalChunkAt {
  const double* a_bar;
  const T* u;
  int64_t channels, states, length, chunks;
  GRAPHRUN_HD double operator()(int64_t i) const {
    const int64_t c = i % chunks, n = i / chunks % states, row = i / chunks / states;
    return ssm_final_chunk(a_bar[row % channels * states + n], u + row * length, length, c);
  }
};

/// final (rows, N) in T.
template <typename T> struct SsmFinalAt {
  const double* b_bar;
  const double* chunk_sums;
  int64_t channels, states, chunks;
  GRAPHRUN_HD T operator()(int64_t i) const {
    const int64_t n = i % states, row = i / states;
    return static_cast<T>(ssm_final_value(b_bar[row % channels * states + n], chunk_sums + i * chunks, chunks));
  }
};

// ---- The convolution, element i of each step ------------------------------------------

/// Rows of `length` values zero-padded to `size`: element (r, s) of rows first_row + r.
template <typename T> struct SsmPaddedRows {
  const T* rows;
  int64_t length, size, first_row;
  GRAPHRUN_HD T operator()(int64_t i) const {
    const int64_t r = i / size, s = i % size;
    return s < length ? rows[(first_row + r) * length + s] : T(0);
  }
};

/// Bin k of row first_row + r (r = i / bins): u's spectrum times its channel's K spectrum,
/// the CPU's product (common/complex_product.h). C is a pair (x, y).
template <typename T, typename C> struct SsmSpectrumProduct {
  const C* u_spectra;  // (rows of the round, bins)
  const C* k_spectra;  // (channels, bins)
  int64_t bins, channels, first_row;
  GRAPHRUN_HD C operator()(int64_t i) const {
    const int64_t k = i % bins, d = (first_row + i / bins) % channels;
    const C a = u_spectra[i], b = k_spectra[d * bins + k];
    C out;
    common::complex_product(a.x, a.y, b.x, b.y, out.x, out.y);
    return out;
  }
};

/// y_t + Dskip·u_t of row `row` (channel row % channels), y_t given.
template <typename T>
GRAPHRUN_HD inline T ssm_with_skip(T y, const T* dskip, const T* u, int64_t channels, int64_t length, int64_t row,
                                   int64_t t) {
  return dskip ? y + dskip[row % channels] * u[row * length + t] : y;
}

/// Output (r, t) of rows first_row + r: the inverse transform's value times `scale` (1/size),
/// plus the skip term.
template <typename T> struct SsmFftOutput {
  const T* real;  // (rows of the round, size)
  const T* u;
  const T* dskip;
  int64_t channels, length, size, first_row;
  T scale;
  GRAPHRUN_HD T operator()(int64_t i) const {
    const int64_t r = i / length, t = i % length;
    return ssm_with_skip(real[r * size + t] * scale, dskip, u, channels, length, first_row + r, t);
  }
};

/// Output (row, t) convolved directly: Σ_{l≤t} K_l·u_{t-l} from 0 in order of l, plus the skip.
template <typename T> struct SsmDirectOutput {
  const T* k;  // (channels, length)
  const T* u;
  const T* dskip;
  int64_t channels, length;
  GRAPHRUN_HD T operator()(int64_t i) const {
    const int64_t row = i / length, t = i % length;
    const T* k_row = k + row % channels * length;
    const T* u_row = u + row * length;
    T y = T(0);
    for (int64_t l = 0; l <= t; ++l) y = y + k_row[l] * u_row[t - l];
    return ssm_with_skip(y, dskip, u, channels, length, row, t);
  }
};

}  // namespace graphrun::sequence
