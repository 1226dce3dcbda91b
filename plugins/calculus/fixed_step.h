// The fixed-step methods of `ode` on one tile: euler, heun, rk4 and Adams-Bashforth 2-4,
// with Boost.Odeint's arithmetic (its generic Runge-Kutta algorithm and adams_bashforth).
#pragma once

#include "ode_spec.h"
#include "rhs_evaluator.h"

#include <cstdint>
#include <functional>

namespace graphrun::calculus {

/// Advances x (num_states * n values, state by state) spec.steps times with spec.method;
/// calls after_step(k) once step k - 1 is done, for k = 1..steps. native_step: the node's
/// compiled step (native_stepper.h, same bits), or nullptr to interpret the rhs stage by stage.
template <typename T>
void integrate_fixed_steps(const OdeSpec& spec, RhsEvaluator<T>& rhs, T* x, int64_t n,
                           const std::function<void(int64_t)>& after_step, void* native_step);

/// The time of grid point k as Boost.Odeint's integrate_const computes it: t0 + k * dt.
template <typename T> T grid_time(const OdeSpec& spec, int64_t k) {
  return k == 0 ? T(spec.t0) : T(spec.t0) + static_cast<T>(k) * T(spec.dt);
}

}  // namespace graphrun::calculus
