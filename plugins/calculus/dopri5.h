// The adaptive method of `ode`: Dormand-Prince 5(4) with Boost.Odeint's step size control
// (controlled_runge_kutta<runge_kutta_dopri5> under integrate_const), every element with its
// own step size, results on the dt grid.
#pragma once

#include "ode_spec.h"
#include "rhs_evaluator.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace graphrun::calculus {

/// Consecutive rejected attempts after which an element gives up (Boost's
/// failed_step_checker allows 500).
inline constexpr int kMaxRejectedInARow = 500;

/// Attempts one element may make between two grid points before giving up.
inline constexpr int64_t kMaxAttemptsPerInterval = 100000;

/// The Dormand-Prince tableau as a generated dopri5 reads it (native_stepper.h: a2 a3 a4 a5,
/// b21, b31 b32, b41..b43, b51..b54, b61..b65, c1 c3 c4 c5 c6, dc1 dc3..dc7), then 5^-5, the
/// smallest error the step adjuster grows from; computed in T as runge_kutta_dopri5 does.
template <typename T> std::vector<T> dopri5_coefficients();

/// The runtime error of an element that failed (code 1: the step no longer advances t, 2:
/// too many attempts, 3: too many rejections in a row), with its step size h, time t and
/// states as it stopped; the same text on the CPU and the CUDA device.
std::string dopri5_failure_message(const OdeSpec& spec, int64_t element, int code, double h, double t,
                                   const std::vector<double>& states);

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
