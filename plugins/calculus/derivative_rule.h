// The formulas of `derivative` along one row of L samples: numpy.gradient's for the first
// derivative by central differences, closed-form stencils on uniform grids, Fornberg weights
// on non-uniform ones.
#pragma once

#include "fornberg.h"
#include "spacing.h"

#include <graphrun/plugin.hpp>

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

/// Reads attributes scheme, order, accuracy and edge_order; UserError on a combination that
/// does not apply (accuracy 4 or edge_order 2 with a one-sided scheme).
DerivativeScheme read_derivative_scheme(const plugin::Node& node);

/// Fewest samples a row needs for the scheme.
int64_t min_derivative_length(const DerivativeScheme& scheme);

/// Evaluates the derivative of one row at any position, with a vectorizable fast path for
/// the positions of the main stencil.
template <typename T> class DerivativeRule {
 public:
  /// t: the sample positions (nullptr: uniform step dx).
  DerivativeRule(const DerivativeScheme& scheme, int64_t length, const T* t, double dx);

  /// Positions [interior_begin, interior_end) use the main stencil (interior()).
  int64_t interior_begin() const { return lo_; }
  int64_t interior_end() const { return hi_; }

  /// The derivative at position i of row x.
  T at(const T* x, int64_t i) const;

  /// out[i] = at(x, i) for i in [i0, i1), a range inside the interior.
  void interior(const T* x, T* out, int64_t i0, int64_t i1) const;

 private:
  T numpy_central(const T* x, int64_t i) const;
  T numpy_first(const T* x) const;
  T numpy_last(const T* x) const;
  T one_sided(const T* x, int64_t i) const;  // (x[i+1] - x[i]) / h_i
  T three_point(const T* x, int64_t i) const;
  T five_point(const T* x, int64_t i) const;
  T four_point_end(const T* x, bool at_start) const;
  T weighted(const T* x, int64_t first, int n, int64_t i) const;  // Fornberg stencil
  T h(int64_t i) const { return step_at(t_, T(dx_), i); }

  DerivativeScheme s_;
  int64_t n_;
  const T* t_;  // nullptr when the spacing is uniform
  double dx_;
  int64_t lo_ = 0, hi_ = 0;
};

}  // namespace graphrun::calculus
