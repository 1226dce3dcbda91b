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
    : st_{scheme, length, t, dx} {
  if (t && uniformly_spaced(t, length)) st_.treat_as_uniform();
  using Kind = DerivativeScheme::Kind;
  const DerivativeScheme& s = st_.s;
  const int64_t n = length;
  const bool wide = s.kind == Kind::kCentral && s.accuracy == 4;
  if (s.kind == Kind::kForward) {
    lo_ = 0;
    hi_ = n - s.order;
  } else if (s.kind == Kind::kBackward) {
    lo_ = s.order;
    hi_ = n;
  } else {
    lo_ = wide ? 2 : 1;
    hi_ = wide ? n - 2 : n - 1;
  }
  hi_ = std::max(lo_, hi_);
}

template <typename T>
void DerivativeRule<T>::interior(const T* x, T* out, int64_t i0, int64_t i1) const {
  using Kind = DerivativeScheme::Kind;
  const DerivativeScheme& s = st_.s;
  const double dx = st_.dx;
  if (s.order == 1 && s.kind == Kind::kCentral && s.accuracy == 2) {
    if (!st_.t) {
      const T div = T(2.0 * dx);
      for (int64_t i = i0; i < i1; ++i) out[i] = (x[i + 1] - x[i - 1]) / div;
      return;
    }
    const T* t = st_.t;
    for (int64_t i = i0; i < i1; ++i) {
      const T dx1 = t[i] - t[i - 1], dx2 = t[i + 1] - t[i];
      const T a = -dx2 / (dx1 * (dx1 + dx2));
      const T b = (dx2 - dx1) / (dx1 * dx2);
      const T c = dx1 / (dx2 * (dx1 + dx2));
      out[i] = a * x[i - 1] + b * x[i] + c * x[i + 1];
    }
    return;
  }
  if (s.order == 1 && s.kind != Kind::kCentral && !st_.t) {
    const T step = T(dx);
    const int64_t shift = s.kind == Kind::kForward ? 0 : 1;
    for (int64_t i = i0; i < i1; ++i) out[i] = (x[i + 1 - shift] - x[i - shift]) / step;
    return;
  }
  if (s.order == 2 && s.kind == Kind::kCentral && s.accuracy == 2 && !st_.t) {
    const T hh = T(dx * dx);
    for (int64_t i = i0; i < i1; ++i) out[i] = ((x[i - 1] - T(2) * x[i]) + x[i + 1]) / hh;
    return;
  }
  for (int64_t i = i0; i < i1; ++i) out[i] = st_.at(x, i);
}

template class DerivativeRule<float>;
template class DerivativeRule<double>;

}  // namespace graphrun::calculus
