// The fixed-step methods of `ode` on one tile: euler, heun, rk4 and Adams-Bashforth 2-4,
// with Boost.Odeint's arithmetic (its generic Runge-Kutta algorithm and adams_bashforth).
#pragma once

#include "ode_spec.h"
#include "rhs_evaluator.h"

#include <array>
#include <cstdint>
#include <functional>

namespace graphrun::calculus {

/// Advances x (num_states * n values, state by state) spec.steps times with spec.method;
/// calls after_step(k) once step k - 1 is done, for k = 1..steps. native_step: the node's
/// compiled step (native_stepper.h, same bits), or nullptr to interpret the rhs stage by stage.
/// native_run: the node's compiled run of every step (compile_native's run, same bits), used
/// instead when given; after_step is then called once, with k = steps.
template <typename T>
void integrate_fixed_steps(const OdeSpec& spec, RhsEvaluator<T>& rhs, T* x, int64_t n,
                           const std::function<void(int64_t)>& after_step, void* native_step,
                           void* native_run = nullptr);

/// Coefficients of adams_bashforth<steps>, newest derivative first, as Boost.Odeint's
/// adams_bashforth_coefficients computes them in the value type.
template <typename T> std::array<T, 4> adams_bashforth_coefficients(int steps) {
  switch (steps) {
    case 2: return {T(3) / T(2), -T(1) / T(2), T(0), T(0)};
    case 3: return {T(23) / T(12), -T(4) / T(3), T(5) / T(12), T(0)};
    default: return {T(55) / T(24), -T(59) / T(24), T(37) / T(24), -T(3) / T(8)};
  }
}

/// The history length of an Adams-Bashforth method (2-4), 0 for the other methods.
inline int adams_bashforth_steps(OdeMethod m) {
  return m == OdeMethod::kAb2 ? 2 : m == OdeMethod::kAb3 ? 3 : m == OdeMethod::kAb4 ? 4 : 0;
}

/// The time of grid point k as Boost.Odeint's integrate_const computes it: t0 + k * dt.
template <typename T> T grid_time(const OdeSpec& spec, int64_t k) {
  return k == 0 ? T(spec.t0) : T(spec.t0) + static_cast<T>(k) * T(spec.dt);
}

}  // namespace graphrun::calculus
