#include "dopri5.h"

#include "fixed_step.h"
#include "native_stepper.h"
#include "tile_arrays.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace graphrun::calculus {
namespace {

/// The Dormand-Prince tableau, computed in the value type as runge_kutta_dopri5 does.
template <typename T> struct Tableau {
  T a2 = T(1) / T(5), a3 = T(3) / T(10), a4 = T(4) / T(5), a5 = T(8) / T(9);
  T b21 = T(1) / T(5);
  T b31 = T(3) / T(40), b32 = T(9) / T(40);
  T b41 = T(44) / T(45), b42 = T(-56) / T(15), b43 = T(32) / T(9);
  T b51 = T(19372) / T(6561), b52 = T(-25360) / T(2187), b53 = T(64448) / T(6561),
    b54 = T(-212) / T(729);
  T b61 = T(9017) / T(3168), b62 = T(-355) / T(33), b63 = T(46732) / T(5247), b64 = T(49) / T(176),
    b65 = T(-5103) / T(18656);
  T c1 = T(35) / T(384), c3 = T(500) / T(1113), c4 = T(125) / T(192), c5 = T(-2187) / T(6784),
    c6 = T(11) / T(84);
  T dc1 = c1 - T(5179) / T(57600), dc3 = c3 - T(7571) / T(16695), dc4 = c4 - T(393) / T(640),
    dc5 = c5 - T(-92097) / T(339200), dc6 = c6 - T(187) / T(2100), dc7 = T(-1) / T(40);
};

/// t1 before t2 in the direction of dt, by more than epsilon (odeint's less_with_sign).
template <typename T> bool less_with_sign(T t1, T t2, T dt) {
  return dt > 0 ? t2 - t1 > std::numeric_limits<T>::epsilon() : t1 - t2 > std::numeric_limits<T>::epsilon();
}

/// default_step_adjuster::decrease_step for an error order of 4.
template <typename T> T decreased(T dt, T error) {
  if (std::isnan(error)) return dt * (T(1) / T(5));
  return dt * std::max(static_cast<T>(T(9) / T(10) * std::pow(error, T(-1) / T(3))), T(T(1) / T(5)));
}

/// The smallest error default_step_adjuster::increase_step grows the step from: 5^-order.
template <typename T> const T kTinyError = static_cast<T>(std::pow(T(5.0), -T(5)));

/// default_step_adjuster::increase_step for a stepper order of 5.
template <typename T> T increased(T dt, T error) {
  if (error < 0.5) {
    error = std::max(kTinyError<T>, error);
    dt *= T(9) / T(10) * std::pow(error, T(-1) / T(5));
  }
  return dt;
}

template <typename T> class Dopri5Tile {
 public:
  Dopri5Tile(const OdeSpec& spec, RhsEvaluator<T>& rhs, T* x, int64_t n, int64_t first_element,
             void* native)
      : spec_(spec), rhs_(rhs), native_(reinterpret_cast<NativeDopri5Fn<T>>(native)), x_(x), n_(n),
        first_(first_element),
        num_states_(static_cast<int>(spec.states.size())), dxdt_(num_states_, n, 1),
        work_(num_states_, n, kNumWork), t_(static_cast<size_t>(n)),
        h_(static_cast<size_t>(n), T(spec.dt)), rejected_(static_cast<size_t>(n)),
        failure_(static_cast<size_t>(n)), attempts_(static_cast<size_t>(n)), ct_(static_cast<size_t>(n)), ch_(static_cast<size_t>(n)),
        ts_(static_cast<size_t>(n)), err_(static_cast<size_t>(n)) {
    for (int s = 0; s < num_states_; ++s) x_states_.push_back(x + s * n);
    tableau_ = dopri5_coefficients<T>();
  }

  void run(const std::function<void(int64_t)>& after_step) {
    for (int64_t k = 0; k < spec_.steps; ++k) {
      rhs_.load_step(k);
      rhs_.select_all();
      const T start = grid_time<T>(spec_, k), end = start + T(spec_.dt);
      if (native_) {
        native_(n_, x_, h_.data(), rejected_.data(), t_.data(), failure_.data(), rhs_.port_values(),
                tableau_.data(), start, end, T(spec_.rtol), T(spec_.atol));
      } else {
        // integrate_const hands integrate_adaptive a copy of the controlled stepper for every
        // grid interval, so the first-same-as-last derivative is evaluated afresh at each grid
        // point (while the step size carries over).
        rhs_.eval(n_, x_states_.data(), &start, false, dxdt_.states(0));
        interval(start, end);
      }
      throw_first_failure();
      after_step(k + 1);
    }
  }

 private:
  // Why an element stopped (NativeDopri5Fn's failure codes).
  enum Failure : int32_t { kStuck = 1, kTooManyAttempts = 2, kTooManyRejections = 3 };
  enum Work { kX, kDxdt, kK2, kK3, kK4, kK5, kK6, kStage, kXNew, kDxdtNew, kNumWork };

  // integrate_adaptive from start to end, each element on its own. An element that fails
  // stops there (failure_ says why) while the others go on to the end.
  void interval(T start, T end) {
    moving_.clear();
    for (int64_t e = 0; e < n_; ++e) {
      t_[static_cast<size_t>(e)] = start;
      attempts_[static_cast<size_t>(e)] = 0;
      moving_.push_back(static_cast<int32_t>(e));
    }
    while (true) {
      size_t kept = 0;
      for (int32_t e : moving_) {
        T& t = t_[static_cast<size_t>(e)];
        T& h = h_[static_cast<size_t>(e)];
        if (failure_[static_cast<size_t>(e)] || !less_with_sign(t, end, h)) continue;
        if (less_with_sign(end, static_cast<T>(t + h), h)) h = end - t;
        if (t + h == t) {
          failure_[static_cast<size_t>(e)] = kStuck;
          continue;
        }
        moving_[kept++] = e;
      }
      moving_.resize(kept);
      if (moving_.empty()) return;
      attempt();
    }
  }

  // One try_step of every moving element, on compact copies of their values.
  void attempt() {
    const int64_t m = static_cast<int64_t>(moving_.size());
    for (int64_t j = 0; j < m; ++j) {
      const int64_t e = moving_[static_cast<size_t>(j)];
      ct_[static_cast<size_t>(j)] = t_[static_cast<size_t>(e)];
      ch_[static_cast<size_t>(j)] = h_[static_cast<size_t>(e)];
      for (int s = 0; s < num_states_; ++s) {
        work_[kX][s * n_ + j] = x_[s * n_ + e];
        work_[kDxdt][s * n_ + j] = dxdt_[0][s * n_ + e];
      }
    }
    rhs_.select(moving_.data(), m);
    try_step(m);
    for (int64_t j = 0; j < m; ++j) {
      const int64_t e = moving_[static_cast<size_t>(j)];
      T& h = h_[static_cast<size_t>(e)];
      const T err = err_[static_cast<size_t>(j)];
      if (++attempts_[static_cast<size_t>(e)] > kMaxAttemptsPerInterval) {
        failure_[static_cast<size_t>(e)] = kTooManyAttempts;
        continue;
      }
      if (!(err <= T(1))) {
        h = decreased(h, err);
        if (++rejected_[static_cast<size_t>(e)] >= kMaxRejectedInARow) {
          failure_[static_cast<size_t>(e)] = kTooManyRejections;
        }
        continue;
      }
      for (int s = 0; s < num_states_; ++s) {
        x_[s * n_ + e] = work_[kXNew][s * n_ + j];
        dxdt_[0][s * n_ + e] = work_[kDxdtNew][s * n_ + j];
      }
      t_[static_cast<size_t>(e)] += h;
      h = increased(h, err);
      rejected_[static_cast<size_t>(e)] = 0;
    }
  }

  // runge_kutta_dopri5::do_step_impl with its error estimate, then the error checker.
  void try_step(int64_t m) {
    const Tableau<T> c;
    const T* x = work_[kX];
    const T* k1 = work_[kDxdt];
    const T *k2 = work_[kK2], *k3 = work_[kK3], *k4 = work_[kK4], *k5 = work_[kK5], *k6 = work_[kK6];
    stage<1>(m, {c.b21}, {k1});
    eval(m, c.a2, kStage, kK2);
    stage<2>(m, {c.b31, c.b32}, {k1, k2});
    eval(m, c.a3, kStage, kK3);
    stage<3>(m, {c.b41, c.b42, c.b43}, {k1, k2, k3});
    eval(m, c.a4, kStage, kK4);
    stage<4>(m, {c.b51, c.b52, c.b53, c.b54}, {k1, k2, k3, k4});
    eval(m, c.a5, kStage, kK5);
    stage<5>(m, {c.b61, c.b62, c.b63, c.b64, c.b65}, {k1, k2, k3, k4, k5});
    eval(m, T(1), kStage, kK6, true);
    combine<5>(m, work_[kXNew], x, {c.c1, c.c3, c.c4, c.c5, c.c6}, {k1, k3, k4, k5, k6});
    eval(m, T(1), kXNew, kDxdtNew, true);
    const T* dxdt_new = work_[kDxdtNew];
    T* err = work_[kStage];  // the stage input is no longer needed
    combine<6>(m, err, nullptr, {c.dc1, c.dc3, c.dc4, c.dc5, c.dc6, c.dc7},
               {k1, k3, k4, k5, k6, dxdt_new});
    const T rtol = T(spec_.rtol), atol = T(spec_.atol);
    for (int64_t j = 0; j < m; ++j) {
      const T h = std::abs(ch_[static_cast<size_t>(j)]);
      T worst = 0;
      bool nan = false;
      for (int s = 0; s < num_states_; ++s) {
        const int64_t q = s * n_ + j;
        const T r = std::abs(err[q]) / (atol + rtol * (std::abs(x[q]) + h * std::abs(k1[q])));
        nan = nan || std::isnan(r);
        worst = std::max(worst, r);
      }
      err_[static_cast<size_t>(j)] = nan ? std::numeric_limits<T>::quiet_NaN() : worst;
    }
  }

  // stage input = x + sum_j (h * b_j) * k_j.
  template <size_t K> void stage(int64_t m, const T (&b)[K], const T* const (&k)[K]) {
    combine<K>(m, work_[kStage], work_[kX], b, k);
  }

  // out = [x +] sum_j (h * b_j) * k_j, per element h, summed left to right.
  template <size_t K>
  void combine(int64_t m, T* out, const T* x, const T (&b)[K], const T* const (&k)[K]) {
    for (int s = 0; s < num_states_; ++s)
      for (int64_t j = 0; j < m; ++j) {
        const int64_t q = s * n_ + j;
        const T h = ch_[static_cast<size_t>(j)];
        if (spec_.fma) {  // the fma attribute: one rounding per term
          T v = x ? std::fma(h * b[0], k[0][q], x[q]) : (h * b[0]) * k[0][q];
          for (size_t i = 1; i < K; ++i) v = std::fma(h * b[i], k[i][q], v);
          out[q] = v;
          continue;
        }
        T v = x ? x[q] + (h * b[0]) * k[0][q] : (h * b[0]) * k[0][q];
        for (size_t i = 1; i < K; ++i) v = v + (h * b[i]) * k[i][q];
        out[q] = v;
      }
  }

  // work[out] = f(work[in], t + h * c) (t + h when c is 1, as Boost writes it).
  void eval(int64_t m, T c, int in, int out, bool full_step = false) {
    for (int64_t j = 0; j < m; ++j) {
      const T t = ct_[static_cast<size_t>(j)], h = ch_[static_cast<size_t>(j)];
      ts_[static_cast<size_t>(j)] = full_step ? t + h : t + h * c;
    }
    rhs_.eval(m, work_.states(in), ts_.data(), true, work_.states(out));
  }

  // The failed element of the lowest index, if any, as an error.
  void throw_first_failure() {
    for (int64_t e = 0; e < n_; ++e)
      if (failure_[static_cast<size_t>(e)] != 0) fail(e, failure_[static_cast<size_t>(e)]);
  }

  [[noreturn]] void fail(int64_t e, int code) {
    std::vector<double> states;
    for (int s = 0; s < num_states_; ++s) states.push_back(static_cast<double>(x_[s * n_ + e]));
    throw std::runtime_error(dopri5_failure_message(spec_, first_ + e, code, static_cast<double>(h_[static_cast<size_t>(e)]),
                                                    static_cast<double>(t_[static_cast<size_t>(e)]), states));
  }

  const OdeSpec& spec_;
  RhsEvaluator<T>& rhs_;
  NativeDopri5Fn<T> native_;  // the compiled intervals, or nullptr: stage by stage below
  std::vector<T> tableau_;    // Tableau's values in order and kTinyError, for native_
  T* x_;
  int64_t n_, first_;
  int num_states_;
  TileArrays<T> dxdt_;  // the derivative at each element's current (t, x): first same as last
  TileArrays<T> work_;  // compact values of the moving elements
  std::vector<T> t_, h_;
  std::vector<int32_t> rejected_;
  std::vector<int32_t> failure_;  // per element: 0, or the Failure that stopped it
  std::vector<int64_t> attempts_;
  std::vector<T> ct_, ch_, ts_, err_;
  std::vector<int32_t> moving_;
  std::vector<const T*> x_states_;
};

}  // namespace

template <typename T> std::vector<T> dopri5_coefficients() {
  const Tableau<T> c;
  static_assert(kDopri5Coefficients == 30);
  return {c.a2,  c.a3,  c.a4,  c.a5,  c.b21, c.b31, c.b32, c.b41, c.b42, c.b43, c.b51,
          c.b52, c.b53, c.b54, c.b61, c.b62, c.b63, c.b64, c.b65, c.c1,  c.c3,  c.c4,
          c.c5,  c.c6,  c.dc1, c.dc3, c.dc4, c.dc5, c.dc6, c.dc7, kTinyError<T>};
}
template std::vector<float> dopri5_coefficients<float>();
template std::vector<double> dopri5_coefficients<double>();

std::string dopri5_failure_message(const OdeSpec& spec, int64_t element, int code, double h, double t,
                                   const std::vector<double>& states) {
  const char* what = code == 1   ? "the step size %.3g no longer advances t = %.17g"
                     : code == 2 ? "more than 100000 step attempts between two grid points (step size %.3g, t = %.17g)"
                                 : "500 step attempts in a row were rejected (last step size %.3g, t = %.17g)";
  char detail[200];
  std::snprintf(detail, sizeof detail, what, h, t);
  std::string values;
  for (size_t s = 0; s < states.size() && s < spec.states.size(); ++s) {
    char v[80];
    std::snprintf(v, sizeof v, "%s%s = %.6g", s ? ", " : "", spec.states[s].c_str(), states[s]);
    values += v;
  }
  char text[600];
  std::snprintf(text, sizeof text,
                "dopri5 cannot meet rtol = %g, atol = %g for element %lld (%s): %s; the solution "
                "may blow up there, or the tolerances are too tight for this dtype",
                spec.rtol, spec.atol, static_cast<long long>(element), values.c_str(), detail);
  return text;
}

template <typename T>
void integrate_dopri5(const OdeSpec& spec, RhsEvaluator<T>& rhs, T* x, int64_t n, int64_t first_element,
                      const std::function<void(int64_t)>& after_step, void* native_interval) {
  Dopri5Tile<T>(spec, rhs, x, n, first_element, native_interval).run(after_step);
}

template void integrate_dopri5<float>(const OdeSpec&, RhsEvaluator<float>&, float*, int64_t, int64_t,
                                      const std::function<void(int64_t)>&, void*);
template void integrate_dopri5<double>(const OdeSpec&, RhsEvaluator<double>&, double*, int64_t, int64_t,
                                       const std::function<void(int64_t)>&, void*);

}  // namespace graphrun::calculus
