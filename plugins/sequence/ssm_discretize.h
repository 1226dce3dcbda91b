// Discretizations of the diagonal continuous SSM x' = A x + B u with step dt, per state:
// the (Ā, B̄) of h_t = Ā h_{t-1} + B̄ u_t. Computed in double whatever the graph's dtype.
// discretize() is shared by the CPU kernel and the CUDA kernel (ssm.cu discretizes on the
// device, where A, B and dt live); exp and expm1 are the C library's on the host, CUDA's
// (within an ulp or two) on the device.
#pragma once

#include <graphrun/cuda/elementwise_math.cuh>  // GRAPHRUN_HD, ew::exp, ew::expm1
#include <graphrun/plugin.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace graphrun::sequence {

enum class Discretization { kZoh, kBilinear, kEuler };

/// The discretization named by the ssm op's attribute.
inline Discretization discretization_named(const std::string& name) {
  if (name == "bilinear") return Discretization::kBilinear;
  if (name == "euler") return Discretization::kEuler;
  return Discretization::kZoh;
}

/// One state's discrete coefficients.
struct DiscreteState {
  double a_bar, b_bar;
};

/// ZOH: Ā = exp(dt·A), B̄ = (Ā − 1)/A · B, with Ā − 1 as expm1(dt·A) (no cancellation for
/// small dt·A) and its limit dt·B at A = 0. Bilinear: Ā = (1 + dt·A/2)/(1 − dt·A/2),
/// B̄ = dt·B/(1 − dt·A/2). Euler: Ā = 1 + dt·A, B̄ = dt·B.
GRAPHRUN_HD inline DiscreteState discretize(Discretization method, double a, double b, double dt) {
  switch (method) {
    case Discretization::kBilinear: {
      const double den = 1.0 - dt * a / 2.0;
      return {(1.0 + dt * a / 2.0) / den, dt * b / den};
    }
    case Discretization::kEuler:
      return {1.0 + dt * a, dt * b};
    case Discretization::kZoh:
      break;
  }
  return {ew::exp(dt * a), a == 0.0 ? dt * b : ew::expm1(dt * a) / a * b};
}

/// Every channel's discrete system, (D, N) row-major: Ā, B̄ and C in double.
struct DiscreteSsm {
  int64_t channels, states;
  std::vector<double> a_bar, b_bar, c;
};

/// Discretizes A, B (D, N) with dt per channel (dt_of(d)); C is copied alongside.
template <typename T, typename DtOf>
DiscreteSsm discretize_all(Discretization method, const plugin::Tensor& a, const plugin::Tensor& b,
                           const plugin::Tensor& c, const DtOf& dt_of) {
  DiscreteSsm s{a.dim(0), a.dim(1), {}, {}, {}};
  const size_t n = static_cast<size_t>(s.channels * s.states);
  s.a_bar.resize(n);
  s.b_bar.resize(n);
  s.c.resize(n);
  for (int64_t d = 0; d < s.channels; ++d) {
    const double dt = dt_of(d);
    for (int64_t k = d * s.states; k < (d + 1) * s.states; ++k) {
      const DiscreteState ds = discretize(method, a.data<T>()[k], b.data<T>()[k], dt);
      s.a_bar[k] = ds.a_bar;
      s.b_bar[k] = ds.b_bar;
      s.c[k] = c.data<T>()[k];
    }
  }
  return s;
}

}  // namespace graphrun::sequence
