// `derivative` along one row of L samples on the CPU: the formulas of derivative_stencil.h
// at any position, with vectorizable loops (the same bits) for the main stencil.
#pragma once

#include "derivative_stencil.h"
#include "spacing.h"

#include <graphrun/plugin.hpp>

#include <cstdint>

namespace graphrun::calculus {

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
  T at(const T* x, int64_t i) const { return st_.at(x, i); }

  /// out[i] = at(x, i) for i in [i0, i1), a range inside the interior.
  void interior(const T* x, T* out, int64_t i0, int64_t i1) const;

 private:
  DerivativeStencil<T> st_;
  int64_t lo_ = 0, hi_ = 0;
};

}  // namespace graphrun::calculus
