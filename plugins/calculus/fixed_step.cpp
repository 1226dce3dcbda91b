#include "fixed_step.h"

#include "native_stepper.h"
#include "tile_arrays.h"

#include <algorithm>
#include <array>
#include <vector>

namespace graphrun::calculus {
namespace {

/// The stages of one method on one tile; k1 (the derivative at the step's start) is given.
template <typename T> class Stepper {
 public:
  Stepper(RhsEvaluator<T>& rhs, T* x, int64_t n, int num_states, T dt, bool fused)
      : rhs_(rhs), x_(x), n_(n), size_(n * num_states), dt_(dt), fused_(fused), work_(num_states, n, kNumWork) {
    for (int s = 0; s < num_states; ++s) x_states_.push_back(x + s * n);
  }

  /// k = f(x, t).
  void derivative(T t, T* const* k) { rhs_.eval(n_, x_states_.data(), &t, false, k); }

  /// odeint's euler: x = 1.0 * x + dt * k1.
  void euler(const T* k1) { scale_sum<T, 1>(fused_, size_, x_, x_, {dt_}, {k1}); }

  /// explicit_generic_rk with a = {{1}}, b = {1/2, 1/2}, c = {0, 1}.
  void heun(T t, const T* k1) {
    T* xs = work_[kStageInput];
    scale_sum<T, 1>(fused_, size_, xs, x_, {T(1) * dt_}, {k1});
    eval(t + T(1) * dt_, kK2);
    const T b = T(1) / T(2);
    scale_sum<T, 2>(fused_, size_, x_, x_, {b * dt_, b * dt_}, {k1, work_[kK2]});
  }

  /// runge_kutta4 (explicit_generic_rk), stage by stage in Boost.Odeint's order.
  void rk4(T t, const T* k1) {
    T* xs = work_[kStageInput];
    const T* k2 = work_[kK2];
    const T* k3 = work_[kK3];
    const T* k4 = work_[kK4];
    const T half = T(1) / T(2), zero = T(0), one = T(1);
    const T sixth = T(1) / T(6), third = T(1) / T(3);
    scale_sum<T, 1>(fused_, size_, xs, x_, {half * dt_}, {k1});
    eval(t + half * dt_, kK2);
    scale_sum<T, 2>(fused_, size_, xs, x_, {zero * dt_, half * dt_}, {k1, k2});
    eval(t + half * dt_, kK3);
    scale_sum<T, 3>(fused_, size_, xs, x_, {zero * dt_, zero * dt_, one * dt_}, {k1, k2, k3});
    eval(t + one * dt_, kK4);
    scale_sum<T, 4>(fused_, size_, x_, x_, {sixth * dt_, third * dt_, third * dt_, sixth * dt_},
                    {k1, k2, k3, k4});
  }

  /// x += dt * sum_j c_j f_{n-j}, f[0] the newest derivative.
  void adams_bashforth(int steps, const T* const* f) {
    const auto c = adams_bashforth_coefficients<T>(steps);
    if (steps == 2) scale_sum<T, 2>(fused_, size_, x_, x_, {dt_ * c[0], dt_ * c[1]}, {f[0], f[1]});
    if (steps == 3)
      scale_sum<T, 3>(fused_, size_, x_, x_, {dt_ * c[0], dt_ * c[1], dt_ * c[2]}, {f[0], f[1], f[2]});
    if (steps == 4)
      scale_sum<T, 4>(fused_, size_, x_, x_, {dt_ * c[0], dt_ * c[1], dt_ * c[2], dt_ * c[3]},
                      {f[0], f[1], f[2], f[3]});
  }

 private:
  enum Work { kStageInput, kK2, kK3, kK4, kNumWork };

  /// work[k] = f(stage input, t).
  void eval(T t, int k) { rhs_.eval(n_, work_.states(kStageInput), &t, false, work_.states(k)); }

  RhsEvaluator<T>& rhs_;
  T* x_;
  int64_t n_, size_;
  T dt_;
  bool fused_;  // the fma attribute: sums of fused multiply-adds
  TileArrays<T> work_;
  std::vector<const T*> x_states_;
};


/// The loop of integrate_fixed_steps with the node's compiled step: the same history
/// rotation, the stages inside native code.
template <typename T>
void integrate_native(const OdeSpec& spec, RhsEvaluator<T>& rhs, T* x, int64_t n,
                      const std::function<void(int64_t)>& after_step, NativeStepFn<T> step) {
  const int num_states = static_cast<int>(spec.states.size());
  const std::vector<T> c = step_coefficients<T>(spec);
  const int ab_steps = adams_bashforth_steps(spec.method);
  const int history = std::max(1, ab_steps);
  TileArrays<T> derivs(num_states, n, history);
  std::vector<int> order(static_cast<size_t>(history));
  for (int j = 0; j < history; ++j) order[static_cast<size_t>(j)] = j;
  std::vector<T*> xs, hist(static_cast<size_t>(history));
  for (int s = 0; s < num_states; ++s) xs.push_back(x + s * n);
  for (int64_t k = 0; k < spec.steps; ++k) {
    rhs.load_step(k);
    std::rotate(order.rbegin(), order.rbegin() + 1, order.rend());
    for (int j = 0; j < history; ++j) hist[static_cast<size_t>(j)] = derivs[order[static_cast<size_t>(j)]];
    const int32_t mode = ab_steps && k + 1 >= ab_steps ? 1 : 0;
    step(n, xs.data(), hist.data(), rhs.port_values(), grid_time<T>(spec, k), c.data(), mode);
    after_step(k + 1);
  }
}

}  // namespace

template <typename T>
void integrate_fixed_steps(const OdeSpec& spec, RhsEvaluator<T>& rhs, T* x, int64_t n,
                           const std::function<void(int64_t)>& after_step, void* native_step,
                           void* native_run) {
  if (native_run) {
    const int num_states = static_cast<int>(spec.states.size());
    const std::vector<T> c = step_coefficients<T>(spec);
    std::vector<T> times(static_cast<size_t>(spec.steps));
    for (int64_t k = 0; k < spec.steps; ++k) times[static_cast<size_t>(k)] = grid_time<T>(spec, k);
    std::vector<T*> xs;
    for (int s = 0; s < num_states; ++s) xs.push_back(x + s * n);
    rhs.load_step(0);  // binds the ports (no signal here: the same values at every step)
    reinterpret_cast<NativeRunFn<T>>(native_run)(n, xs.data(), rhs.port_values(), c.data(), times.data(), spec.steps);
    after_step(spec.steps);
    return;
  }
  if (native_step) {
    integrate_native<T>(spec, rhs, x, n, after_step, reinterpret_cast<NativeStepFn<T>>(native_step));
    return;
  }
  const int num_states = static_cast<int>(spec.states.size());
  Stepper<T> stepper(rhs, x, n, num_states, T(spec.dt), spec.fma);
  // Derivatives of the last steps, newest first (Adams-Bashforth), or just the current one.
  const int history = std::max(1, adams_bashforth_steps(spec.method));
  TileArrays<T> derivs(num_states, n, history);
  std::vector<int> order(static_cast<size_t>(history));
  for (int j = 0; j < history; ++j) order[static_cast<size_t>(j)] = j;
  for (int64_t k = 0; k < spec.steps; ++k) {
    const T t = grid_time<T>(spec, k);
    rhs.load_step(k);
    // Rotate so that order[0] is the oldest buffer, reused for the newest derivative.
    std::rotate(order.rbegin(), order.rbegin() + 1, order.rend());
    const int newest = order[0];
    stepper.derivative(t, derivs.states(newest));
    const T* k1 = derivs[newest];
    switch (spec.method) {
      case OdeMethod::kEuler: stepper.euler(k1); break;
      case OdeMethod::kHeun: stepper.heun(t, k1); break;
      case OdeMethod::kRk4: stepper.rk4(t, k1); break;
      default: {
        const int steps = adams_bashforth_steps(spec.method);
        if (k + 1 < steps) {
          stepper.rk4(t, k1);  // Boost's start-up: rk4 steps while the history fills
          break;
        }
        const T* f[4] = {};
        for (int j = 0; j < steps; ++j) f[j] = derivs[order[static_cast<size_t>(j)]];
        stepper.adams_bashforth(steps, f);
      }
    }
    after_step(k + 1);
  }
}

template void integrate_fixed_steps<float>(const OdeSpec&, RhsEvaluator<float>&, float*, int64_t,
                                           const std::function<void(int64_t)>&, void*, void*);
template void integrate_fixed_steps<double>(const OdeSpec&, RhsEvaluator<double>&, double*, int64_t,
                                            const std::function<void(int64_t)>&, void*, void*);

}  // namespace graphrun::calculus
