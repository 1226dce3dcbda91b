// Finite-difference weights on arbitrary nodes (B. Fornberg, "Generation of finite difference
// formulas on arbitrarily spaced grids", Math. Comp. 51 (1988)), for the stencils of
// `derivative` on non-uniform grids.
#pragma once

#include <array>
#include <cstddef>

namespace graphrun::calculus {

/// Most nodes of one stencil.
inline constexpr int kMaxStencilNodes = 5;

/// Weights w such that sum_j w[j] * f(z[j]) approximates the `order`-th derivative of f at 0
/// (exact for polynomials of degree < n); z are the n node positions relative to the point.
template <typename T>
std::array<T, kMaxStencilNodes> fornberg_weights(const T* z, int n, int order) {
  // c[j][k]: weight of node j for derivative k, built up one node at a time.
  T c[kMaxStencilNodes][3] = {};
  T c1 = 1, c4 = z[0];
  c[0][0] = 1;
  for (int i = 1; i < n; ++i) {
    const int mn = i < order ? i : order;
    T c2 = 1;
    const T c5 = c4;
    c4 = z[i];
    for (int j = 0; j < i; ++j) {
      const T c3 = z[i] - z[j];
      c2 *= c3;
      if (j == i - 1) {
        for (int k = mn; k >= 1; --k) c[i][k] = c1 * (T(k) * c[i - 1][k - 1] - c5 * c[i - 1][k]) / c2;
        c[i][0] = -c1 * c5 * c[i - 1][0] / c2;
      }
      for (int k = mn; k >= 1; --k) c[j][k] = (c4 * c[j][k] - T(k) * c[j][k - 1]) / c3;
      c[j][0] = c4 * c[j][0] / c3;
    }
    c1 = c2;
  }
  std::array<T, kMaxStencilNodes> w{};
  for (int j = 0; j < n; ++j) w[static_cast<size_t>(j)] = c[j][order];
  return w;
}

}  // namespace graphrun::calculus
