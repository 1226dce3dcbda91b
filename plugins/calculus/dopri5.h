// The adaptive method of `ode`: Dormand-Prince 5(4) with Boost.Odeint's step size control
// (controlled_runge_kutta<runge_kutta_dopri5> under integrate_const), every element with its
// own step size, results on the dt grid.
#pragma once

#include "ode_spec.h"
#include "rhs_evaluator.h"

#include <cstdint>
#include <functional>

namespace graphrun::calculus {

/// Consecutive rejected attempts after which an element gives up (Boost's
/// failed_step_checker allows 500).
inline constexpr int kMaxRejectedInARow = 500;

/// Attempts one element may make between two grid points before giving up.
inline constexpr int64_t kMaxAttemptsPerInterval = 100000;

/// Advances x (num_states * n values, state by state) over spec.steps grid intervals; calls
/// after_step(k) once grid point k is reached. Throws std::runtime_error naming the element
/// (first_element + its index) when the tolerance cannot be met: the lowest element that fails
/// in the first grid interval where one does. native_interval: the node's compiled grid
/// interval (a NativeDopri5Fn, same bits), or nullptr to interpret stage by stage.
template <typename T>
void integrate_dopri5(const OdeSpec& spec, RhsEvaluator<T>& rhs, T* x, int64_t n,
                      int64_t first_element, const std::function<void(int64_t)>& after_step,
                      void* native_interval);

}  // namespace graphrun::calculus
