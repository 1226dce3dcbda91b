// Finite-difference weights on arbitrary nodes (B. Fornberg, "Generation of finite difference
// formulas on arbitrarily spaced grids", Math. Comp. 51 (1988)), for the stencils of
// `derivative` on non-uniform grids. Shared by its CPU and CUDA kernels: the node count and
// the order are template arguments, so on the device every index is a constant and the
// tables stay in registers.
#pragma once

#include "core/host_device.h"
#include "unroll.h"

namespace graphrun::calculus {

/// Most nodes of one stencil.
inline constexpr int kMaxStencilNodes = 5;

/// Writes w[0..N) such that sum_j w[j] * f(z[j]) approximates the Order-th derivative of f
/// at 0 (exact for polynomials of degree < N); z are the N node positions relative to the point.
template <int N, int Order, typename T> GRAPHRUN_HD void fornberg_weights(const T* z, T* w) {
  static_assert(N >= 2 && N <= kMaxStencilNodes && Order >= 1 && Order <= 2);
  // c[j][k]: weight of node j for derivative k, built up one node at a time.
  T c[N][Order + 1] = {};
  T c1 = 1, c4 = z[0];
  c[0][0] = 1;
  GRAPHRUN_FULL_UNROLL
  for (int i = 1; i < N; ++i) {
    const int mn = i < Order ? i : Order;
    T c2 = 1;
    const T c5 = c4;
    c4 = z[i];
    GRAPHRUN_FULL_UNROLL
    for (int j = 0; j < i; ++j) {
      const T c3 = z[i] - z[j];
      c2 *= c3;
      if (j == i - 1) {
        GRAPHRUN_FULL_UNROLL
        for (int k = mn; k >= 1; --k) c[i][k] = c1 * (T(k) * c[i - 1][k - 1] - c5 * c[i - 1][k]) / c2;
        c[i][0] = -c1 * c5 * c[i - 1][0] / c2;
      }
      GRAPHRUN_FULL_UNROLL
      for (int k = mn; k >= 1; --k) c[j][k] = (c4 * c[j][k] - T(k) * c[j][k - 1]) / c3;
      c[j][0] = c4 * c[j][0] / c3;
    }
    c1 = c2;
  }
  GRAPHRUN_FULL_UNROLL
  for (int j = 0; j < N; ++j) w[j] = c[j][Order];
}

}  // namespace graphrun::calculus
