// The integral of one row over each interval [i, i+1] between samples, as `integrate`'s
// methods define it: scipy's cumulative_trapezoid and cumulative_simpson (1.12) formulas, and
// the left Riemann sum. Their running sum is the cumulative integral. term() is shared by the
// CPU kernel and the CUDA kernel (integrate.cu), so both sum the same terms.
#pragma once

#include "spacing.h"

#include <cstdint>
#include <string>

namespace graphrun::calculus {

/// The methods of `integrate`.
enum class IntegralMethod { kTrapezoid, kRectangle, kSimpson };

/// Reads attribute `method`.
IntegralMethod read_integral_method(const plugin::Node& node);

/// Why simpson refuses positions t: t[i+1] (next) does not exceed t[i] (prev).
std::string unordered_positions_error(int64_t i, double prev, double next);

/// Per-interval integrals of a row of `length` samples (plain data: the CUDA kernel gets a
/// copy, its t a device pointer).
template <typename T> class IntegralTerms {
 public:
  /// t: the sample positions (nullptr: uniform step dx).
  IntegralTerms(IntegralMethod method, int64_t length, const T* t, double dx);

  /// The integral over [i, i+1], 0 <= i < length - 1, of row x (a pointer, or anything
  /// that reads sample j of the row as x[j]).
  template <typename Row> GRAPHRUN_HD T term(const Row& x, int64_t i) const {
    switch (method_) {
      case IntegralMethod::kTrapezoid: return h(i) * (x[i + 1] + x[i]) / T(2);
      case IntegralMethod::kRectangle: return x[i] * h(i);
      case IntegralMethod::kSimpson: break;
    }
    // scipy pairs intervals: an even one (not the last) from the three samples starting at
    // it, the others from the three samples ending one past it, read backwards.
    const bool ahead = i % 2 == 0 && i < n_ - 2;
    const int64_t far = ahead ? i + 2 : i - 1;
    const T near = ahead ? x[i] : x[i + 1], mid = ahead ? x[i + 1] : x[i];
    if (!t_) return T(dx_) / T(3) * ((T(5) * near / T(4) + T(2) * mid) - x[far] / T(4));
    const T x21 = h(i), x32 = ahead ? h(i + 1) : h(i - 1);
    const T x31 = x21 + x32;
    const T x21_x31 = x21 / x31;
    const T x21_x32 = x21 / x32;
    const T x21x21_x31x32 = x21_x31 * x21_x32;
    const T coeff1 = T(3) - x21_x31;
    const T coeff2 = T(3) + x21x21_x31x32 + x21_x31;
    const T coeff3 = -x21x21_x31x32;
    return x21 / T(6) * (coeff1 * near + coeff2 * mid + coeff3 * x[far]);
  }

  /// out[j] = term(x, first + j) for j < n; vectorizable for trapezoid and rectangle.
  void fill(const T* x, int64_t first, int64_t n, T* out) const;

  /// Empty, or why t does not suit the method (simpson needs strictly increasing t).
  std::string check_positions() const;

  /// The method in effect (simpson on fewer than 3 samples is the trapezoid rule).
  IntegralMethod method() const { return method_; }

 private:
  GRAPHRUN_HD T h(int64_t i) const { return step_at(t_, T(dx_), i); }

  IntegralMethod method_;
  int64_t n_;
  const T* t_;
  double dx_;
};

}  // namespace graphrun::calculus
