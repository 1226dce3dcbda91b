#include "derivative_rule.h"

#include <algorithm>
#include <string>

namespace graphrun::calculus {

DerivativeScheme read_derivative_scheme(const plugin::Node& node) {
  DerivativeScheme s;
  const std::string kind = node.attr_string("scheme");
  s.kind = kind == "forward"    ? DerivativeScheme::Kind::kForward
           : kind == "backward" ? DerivativeScheme::Kind::kBackward
                                : DerivativeScheme::Kind::kCentral;
  auto one_of = [&](const char* attr, int a, int b) {
    const int64_t v = node.attr_int(attr);
    if (v != a && v != b)
      throw plugin::UserError(std::string(attr) + " must be " + std::to_string(a) + " or " +
                                  std::to_string(b) + ", got " + std::to_string(v),
                              attr);
    return static_cast<int>(v);
  };
  s.order = one_of("order", 1, 2);
  s.accuracy = one_of("accuracy", 2, 4);
  s.edge_order = one_of("edge_order", 1, 2);
  if (s.kind != DerivativeScheme::Kind::kCentral) {
    if (s.accuracy != 2)
      throw plugin::UserError("accuracy 4 applies to the central scheme only (scheme is " + kind + ")",
                              "accuracy");
    if (s.edge_order != 1)
      throw plugin::UserError("edge_order 2 applies to the central scheme only (scheme is " + kind + ")",
                              "edge_order");
  }
  return s;
}

int64_t min_derivative_length(const DerivativeScheme& s) {
  if (s.kind != DerivativeScheme::Kind::kCentral) return s.order + 1;
  return s.order == 1 ? s.edge_order + 1 : s.edge_order + 2;
}

template <typename T>
DerivativeRule<T>::DerivativeRule(const DerivativeScheme& scheme, int64_t length, const T* t, double dx)
    : s_(scheme), n_(length), t_(t), dx_(dx) {
  // numpy.gradient treats positions with equal steps as a uniform grid of that step.
  if (t_ && uniformly_spaced(t_, n_)) {
    dx_ = static_cast<double>(t_[1] - t_[0]);
    t_ = nullptr;
  }
  using Kind = DerivativeScheme::Kind;
  const bool wide = s_.kind == Kind::kCentral && s_.accuracy == 4;
  if (s_.kind == Kind::kForward) {
    lo_ = 0;
    hi_ = n_ - s_.order;
  } else if (s_.kind == Kind::kBackward) {
    lo_ = s_.order;
    hi_ = n_;
  } else {
    lo_ = wide ? 2 : 1;
    hi_ = wide ? n_ - 2 : n_ - 1;
  }
  hi_ = std::max(lo_, hi_);
}

template <typename T> T DerivativeRule<T>::numpy_central(const T* x, int64_t i) const {
  if (!t_) return (x[i + 1] - x[i - 1]) / T(2.0 * dx_);
  const T dx1 = h(i - 1), dx2 = h(i);
  const T a = -dx2 / (dx1 * (dx1 + dx2));
  const T b = (dx2 - dx1) / (dx1 * dx2);
  const T c = dx1 / (dx2 * (dx1 + dx2));
  return a * x[i - 1] + b * x[i] + c * x[i + 1];
}

template <typename T> T DerivativeRule<T>::numpy_first(const T* x) const {
  if (s_.edge_order == 1) return one_sided(x, 0);
  T a, b, c;
  if (!t_) {
    a = T(-1.5 / dx_);
    b = T(2. / dx_);
    c = T(-0.5 / dx_);
  } else {
    const T dx1 = h(0), dx2 = h(1);
    // numpy computes 2.*dx1 + dx2 in double (a Python float times a numpy scalar).
    a = T(-(2. * dx1 + double(dx2)) / double(dx1 * (dx1 + dx2)));
    b = (dx1 + dx2) / (dx1 * dx2);
    c = -dx1 / (dx2 * (dx1 + dx2));
  }
  return a * x[0] + b * x[1] + c * x[2];
}

template <typename T> T DerivativeRule<T>::numpy_last(const T* x) const {
  const int64_t n = n_;
  if (s_.edge_order == 1) return one_sided(x, n - 2);
  T a, b, c;
  if (!t_) {
    a = T(0.5 / dx_);
    b = T(-2. / dx_);
    c = T(1.5 / dx_);
  } else {
    const T dx1 = h(n - 3), dx2 = h(n - 2);
    a = dx2 / (dx1 * (dx1 + dx2));
    b = -(dx2 + dx1) / (dx1 * dx2);
    c = T((2. * dx2 + double(dx1)) / double(dx2 * (dx1 + dx2)));
  }
  return a * x[n - 3] + b * x[n - 2] + c * x[n - 1];
}

template <typename T> T DerivativeRule<T>::one_sided(const T* x, int64_t i) const {
  return (x[i + 1] - x[i]) / h(i);
}

template <typename T> T DerivativeRule<T>::weighted(const T* x, int64_t first, int n, int64_t i) const {
  T z[kMaxStencilNodes];
  for (int j = 0; j < n; ++j) z[j] = t_[first + j] - t_[i];
  const auto w = fornberg_weights(z, n, s_.order);
  T v = w[0] * x[first];
  for (int j = 1; j < n; ++j) v = v + w[static_cast<size_t>(j)] * x[first + j];
  return v;
}

template <typename T> T DerivativeRule<T>::three_point(const T* x, int64_t i) const {
  if (t_) return weighted(x, i - 1, 3, i);
  return ((x[i - 1] - T(2) * x[i]) + x[i + 1]) / T(dx_ * dx_);
}

template <typename T> T DerivativeRule<T>::five_point(const T* x, int64_t i) const {
  if (t_) return weighted(x, i - 2, 5, i);
  if (s_.order == 1)
    return (((x[i - 2] - T(8) * x[i - 1]) + T(8) * x[i + 1]) - x[i + 2]) / T(12.0 * dx_);
  return ((((-x[i - 2] + T(16) * x[i - 1]) - T(30) * x[i]) + T(16) * x[i + 1]) - x[i + 2]) /
         T(12.0 * dx_ * dx_);
}

template <typename T> T DerivativeRule<T>::four_point_end(const T* x, bool at_start) const {
  const int64_t n = n_;
  if (t_) return at_start ? weighted(x, 0, 4, 0) : weighted(x, n - 4, 4, n - 1);
  if (at_start) return (((T(2) * x[0] - T(5) * x[1]) + T(4) * x[2]) - x[3]) / T(dx_ * dx_);
  return (((T(2) * x[n - 1] - T(5) * x[n - 2]) + T(4) * x[n - 3]) - x[n - 4]) / T(dx_ * dx_);
}

template <typename T> T DerivativeRule<T>::at(const T* x, int64_t i) const {
  using Kind = DerivativeScheme::Kind;
  const int64_t last = n_ - 1;
  const bool wide = s_.accuracy == 4 && i >= 2 && i <= n_ - 3;
  if (s_.order == 1) {
    if (s_.kind == Kind::kForward) return one_sided(x, std::min(i, last - 1));
    if (s_.kind == Kind::kBackward) return one_sided(x, std::max<int64_t>(i - 1, 0));
    if (i == 0) return numpy_first(x);
    if (i == last) return numpy_last(x);
    return wide ? five_point(x, i) : numpy_central(x, i);
  }
  if (s_.kind == Kind::kForward) return three_point(x, std::min(i + 1, last - 1));
  if (s_.kind == Kind::kBackward) return three_point(x, std::max<int64_t>(i - 1, 1));
  if (i == 0) return s_.edge_order == 1 ? three_point(x, 1) : four_point_end(x, true);
  if (i == last) return s_.edge_order == 1 ? three_point(x, last - 1) : four_point_end(x, false);
  return wide ? five_point(x, i) : three_point(x, i);
}

template <typename T>
void DerivativeRule<T>::interior(const T* x, T* out, int64_t i0, int64_t i1) const {
  using Kind = DerivativeScheme::Kind;
  if (s_.order == 1 && s_.kind == Kind::kCentral && s_.accuracy == 2) {
    if (!t_) {
      const T div = T(2.0 * dx_);
      for (int64_t i = i0; i < i1; ++i) out[i] = (x[i + 1] - x[i - 1]) / div;
      return;
    }
    const T* t = t_;
    for (int64_t i = i0; i < i1; ++i) {
      const T dx1 = t[i] - t[i - 1], dx2 = t[i + 1] - t[i];
      const T a = -dx2 / (dx1 * (dx1 + dx2));
      const T b = (dx2 - dx1) / (dx1 * dx2);
      const T c = dx1 / (dx2 * (dx1 + dx2));
      out[i] = a * x[i - 1] + b * x[i] + c * x[i + 1];
    }
    return;
  }
  if (s_.order == 1 && s_.kind != Kind::kCentral && !t_) {
    const T step = T(dx_);
    const int64_t shift = s_.kind == Kind::kForward ? 0 : 1;
    for (int64_t i = i0; i < i1; ++i) out[i] = (x[i + 1 - shift] - x[i - shift]) / step;
    return;
  }
  if (s_.order == 2 && s_.kind == Kind::kCentral && s_.accuracy == 2 && !t_) {
    const T hh = T(dx_ * dx_);
    for (int64_t i = i0; i < i1; ++i) out[i] = ((x[i - 1] - T(2) * x[i]) + x[i + 1]) / hh;
    return;
  }
  for (int64_t i = i0; i < i1; ++i) out[i] = at(x, i);
}

template class DerivativeRule<float>;
template class DerivativeRule<double>;

}  // namespace graphrun::calculus
