// The formulas of `derivative` at one position of a row of L samples: numpy.gradient's for
// the first derivative by central differences, closed-form stencils on uniform grids,
// Fornberg weights on non-uniform ones. The CPU kernel (derivative_rule.h) and the CUDA
// kernels (derivative.cu, and the one generated with an epilogue folded in,
// derivative_cuda_source.h) all evaluate these, so all give the same bits.
//
// NVRTC compiles this file's text too (derivative_cuda_source.cpp embeds it with
// fornberg.h, unroll.h, row_position.h and core/host_device.h, their #include lines
// dropped): it may include nothing else, and int64_t is all it takes from <cstdint>.
#pragma once

#include "core/host_device.h"
#include "fornberg.h"
#include "unroll.h"

#include <cstdint>

namespace graphrun::calculus {

/// Which differences a derivative node takes, validated.
struct DerivativeScheme {
  enum class Kind { kCentral, kForward, kBackward };
  Kind kind = Kind::kCentral;
  int order = 1;       // 1: first derivative, 2: second
  int accuracy = 2;    // central: 2 or 4 (of the interior stencil)
  int edge_order = 1;  // central: 1 or 2 (of the two end points)
};

/// The derivative of one row at any position: the scheme, the row length and the spacing
/// (plain data, copied to the device as a kernel argument; t may be a device pointer there).
template <typename T> struct DerivativeStencil {
  DerivativeScheme s;
  int64_t n = 0;        // samples per row
  const T* t = nullptr;  // sample positions; nullptr: uniform step dx
  double dx = 1.0;

  /// numpy.gradient treats positions with equal steps as a uniform grid of that step: call
  /// this when every t[i+1] - t[i] equals t[1] - t[0] (uniformly_spaced).
  GRAPHRUN_HD void treat_as_uniform() {
    dx = static_cast<double>(t[1] - t[0]);
    t = nullptr;
  }

  /// The derivative at position i (0 <= i < n) of row x.
  GRAPHRUN_HD T at(const T* x, int64_t i) const {
    using Kind = DerivativeScheme::Kind;
    const int64_t last = n - 1;
    const bool wide = s.accuracy == 4 && i >= 2 && i <= n - 3;
    if (s.order == 1) {
      if (s.kind == Kind::kForward) return one_sided(x, i < last - 1 ? i : last - 1);
      if (s.kind == Kind::kBackward) return one_sided(x, i - 1 > 0 ? i - 1 : 0);
      if (i == 0) return numpy_first(x);
      if (i == last) return numpy_last(x);
      return wide ? five_point(x, i) : numpy_central(x, i);
    }
    if (s.kind == Kind::kForward) return three_point(x, i + 1 < last - 1 ? i + 1 : last - 1);
    if (s.kind == Kind::kBackward) return three_point(x, i - 1 > 1 ? i - 1 : 1);
    if (i == 0) return s.edge_order == 1 ? three_point(x, 1) : four_point_end(x, true);
    if (i == last) return s.edge_order == 1 ? three_point(x, last - 1) : four_point_end(x, false);
    return wide ? five_point(x, i) : three_point(x, i);
  }

  /// The step between samples i and i+1 (spacing.h's step_at, spelled out for NVRTC).
  GRAPHRUN_HD T h(int64_t i) const { return t ? t[i + 1] - t[i] : T(dx); }

  GRAPHRUN_HD T numpy_central(const T* x, int64_t i) const {
    if (!t) return (x[i + 1] - x[i - 1]) / T(2.0 * dx);
    const T dx1 = h(i - 1), dx2 = h(i);
    const T a = -dx2 / (dx1 * (dx1 + dx2));
    const T b = (dx2 - dx1) / (dx1 * dx2);
    const T c = dx1 / (dx2 * (dx1 + dx2));
    return a * x[i - 1] + b * x[i] + c * x[i + 1];
  }

  GRAPHRUN_HD T numpy_first(const T* x) const {
    if (s.edge_order == 1) return one_sided(x, 0);
    T a, b, c;
    if (!t) {
      a = T(-1.5 / dx);
      b = T(2. / dx);
      c = T(-0.5 / dx);
    } else {
      const T dx1 = h(0), dx2 = h(1);
      // numpy computes 2.*dx1 + dx2 in double (a Python float times a numpy scalar).
      a = T(-(2. * dx1 + double(dx2)) / double(dx1 * (dx1 + dx2)));
      b = (dx1 + dx2) / (dx1 * dx2);
      c = -dx1 / (dx2 * (dx1 + dx2));
    }
    return a * x[0] + b * x[1] + c * x[2];
  }

  GRAPHRUN_HD T numpy_last(const T* x) const {
    if (s.edge_order == 1) return one_sided(x, n - 2);
    T a, b, c;
    if (!t) {
      a = T(0.5 / dx);
      b = T(-2. / dx);
      c = T(1.5 / dx);
    } else {
      const T dx1 = h(n - 3), dx2 = h(n - 2);
      a = dx2 / (dx1 * (dx1 + dx2));
      b = -(dx2 + dx1) / (dx1 * dx2);
      c = T((2. * dx2 + double(dx1)) / double(dx2 * (dx1 + dx2)));
    }
    return a * x[n - 3] + b * x[n - 2] + c * x[n - 1];
  }

  /// (x[i+1] - x[i]) / h_i
  GRAPHRUN_HD T one_sided(const T* x, int64_t i) const { return (x[i + 1] - x[i]) / h(i); }

  /// Fornberg's N-point stencil over samples first .. first+N-1, at position i.
  template <int N> GRAPHRUN_HD T weighted(const T* x, int64_t first, int64_t i) const {
    T z[N], w[N];
    GRAPHRUN_FULL_UNROLL
    for (int j = 0; j < N; ++j) z[j] = t[first + j] - t[i];
    if (s.order == 1)
      fornberg_weights<N, 1>(z, w);
    else
      fornberg_weights<N, 2>(z, w);
    T v = w[0] * x[first];
    GRAPHRUN_FULL_UNROLL
    for (int j = 1; j < N; ++j) v = v + w[j] * x[first + j];
    return v;
  }

  GRAPHRUN_HD T three_point(const T* x, int64_t i) const {
    if (t) return weighted<3>(x, i - 1, i);
    return ((x[i - 1] - T(2) * x[i]) + x[i + 1]) / T(dx * dx);
  }

  GRAPHRUN_HD T five_point(const T* x, int64_t i) const {
    if (t) return weighted<5>(x, i - 2, i);
    if (s.order == 1) return (((x[i - 2] - T(8) * x[i - 1]) + T(8) * x[i + 1]) - x[i + 2]) / T(12.0 * dx);
    return ((((-x[i - 2] + T(16) * x[i - 1]) - T(30) * x[i]) + T(16) * x[i + 1]) - x[i + 2]) / T(12.0 * dx * dx);
  }

  GRAPHRUN_HD T four_point_end(const T* x, bool at_start) const {
    if (t) return at_start ? weighted<4>(x, 0, 0) : weighted<4>(x, n - 4, n - 1);
    if (at_start) return (((T(2) * x[0] - T(5) * x[1]) + T(4) * x[2]) - x[3]) / T(dx * dx);
    return (((T(2) * x[n - 1] - T(5) * x[n - 2]) + T(4) * x[n - 3]) - x[n - 4]) / T(dx * dx);
  }
};

}  // namespace graphrun::calculus
