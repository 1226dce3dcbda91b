// What the two modes of the ssm op compute, and the pieces both use.
#pragma once

#include "common/real_fft.h"
#include "sequence/ssm_discretize.h"

#include <graphrun/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace graphrun::sequence {

/// y[b, d, t] = Σ_n C h_t + Dskip·u_t of the discrete system sys driven by u (batch, D, L);
/// final (batch, D, N) = h after the last step.
template <typename T> struct SsmProblem {
  int64_t batch, channels, states, length;
  const T* u;
  const T* dskip;  // null: no skip term
  const DiscreteSsm* sys;
  T* y;
  T* final;
  /// The state before the first step (batch, D, N), or null for zeros: a block of a time axis
  /// split over MPI ranks starts from what the ranks before it leave (recurrent mode).
  const T* h_in = nullptr;
};

/// Finishes one row of y in place: adds Dskip·u when there is a skip term, then applies the
/// node's fused epilogue.
template <typename T>
void finish_ssm_row(const plugin::Node& node, const SsmProblem<T>& p, int64_t row, T* y) {
  const T* u = p.u + row * p.length;
  if (p.dskip) {
    const T ds = p.dskip[row % p.channels];
    for (int64_t t = 0; t < p.length; ++t) y[t] = y[t] + ds * u[t];
  }
  node.apply_epilogue(y, p.length);
}

/// Whether a causal convolution of length L is cheaper through the FFT than directly
/// (L(L+1)/2 multiply-adds against three transforms of the padded size).
inline bool convolve_by_fft(int64_t length) {
  const int64_t size = fft::fast_fft_size(2 * length - 1);
  return length * (length + 1) / 2 > 6 * size * static_cast<int64_t>(std::log2(static_cast<double>(size)) + 1);
}

/// Steps of work per parallel task.
inline constexpr int64_t kSsmTaskSteps = int64_t{1} << 16;

/// Rows (batch·channel pairs) per task when each costs `row_work` steps.
inline int64_t ssm_row_grain(int64_t row_work) {
  return std::max<int64_t>(1, kSsmTaskSteps / std::max<int64_t>(row_work, 1));
}

}  // namespace graphrun::sequence
