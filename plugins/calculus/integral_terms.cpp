#include "integral_terms.h"

#include <cstdio>

namespace graphrun::calculus {

IntegralMethod read_integral_method(const plugin::Node& node) {
  const std::string m = node.attr_string("method");
  if (m == "rectangle") return IntegralMethod::kRectangle;
  if (m == "simpson") return IntegralMethod::kSimpson;
  return IntegralMethod::kTrapezoid;
}

std::string unordered_positions_error(int64_t i, double prev, double next) {
  char text[200];
  std::snprintf(text, sizeof text,
                "port 't': simpson needs strictly increasing positions, but t[%lld] = %.17g "
                "follows t[%lld] = %.17g",
                static_cast<long long>(i + 1), next, static_cast<long long>(i), prev);
  return text;
}

template <typename T>
IntegralTerms<T>::IntegralTerms(IntegralMethod method, int64_t length, const T* t, double dx)
    : method_(method), n_(length), t_(t), dx_(dx) {
  // scipy.integrate.cumulative_simpson falls back to the trapezoid rule below 3 samples.
  if (method_ == IntegralMethod::kSimpson && n_ < 3) method_ = IntegralMethod::kTrapezoid;
}

template <typename T> void IntegralTerms<T>::fill(const T* x, int64_t first, int64_t n, T* out) const {
  const T* xs = x + first;
  if (method_ == IntegralMethod::kTrapezoid && !t_) {
    const T d = T(dx_);
    // * 1/2 rounds as / 2 does (a power of two), without a division per term.
    for (int64_t j = 0; j < n; ++j) out[j] = d * (xs[j + 1] + xs[j]) * T(0.5);
  } else if (method_ == IntegralMethod::kTrapezoid) {
    const T* ts = t_ + first;
    for (int64_t j = 0; j < n; ++j) out[j] = (ts[j + 1] - ts[j]) * (xs[j + 1] + xs[j]) * T(0.5);
  } else if (method_ == IntegralMethod::kRectangle && !t_) {
    const T d = T(dx_);
    for (int64_t j = 0; j < n; ++j) out[j] = xs[j] * d;
  } else if (method_ == IntegralMethod::kRectangle) {
    const T* ts = t_ + first;
    for (int64_t j = 0; j < n; ++j) out[j] = xs[j] * (ts[j + 1] - ts[j]);
  } else {
    for (int64_t j = 0; j < n; ++j) out[j] = term(x, first + j);
  }
}

template <typename T> std::string IntegralTerms<T>::check_positions() const {
  if (method_ != IntegralMethod::kSimpson || !t_) return {};
  for (int64_t i = 0; i + 1 < n_; ++i)
    if (!(t_[i + 1] - t_[i] > T(0)))
      return unordered_positions_error(i, static_cast<double>(t_[i]), static_cast<double>(t_[i + 1]));
  return {};
}

template class IntegralTerms<float>;
template class IntegralTerms<double>;

}  // namespace graphrun::calculus
