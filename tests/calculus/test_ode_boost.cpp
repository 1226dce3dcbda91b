// `ode` against Boost.Odeint: every element integrated by odeint's own steppers under
// integrate_const (euler, explicit_generic_rk as Heun, runge_kutta4, adams_bashforth<2..4>,
// controlled runge_kutta_dopri5), in f64 and f32. graphrun follows odeint's order of
// operations, so the trajectories must agree to the last bit.
#include "graph_text.h"

#include <boost/numeric/odeint.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>

namespace graphrun::testing {
namespace {

namespace odeint = boost::numeric::odeint;

/// adams_bashforth started by runge_kutta4, as SPEC says (odeint's default starter is an
/// extrapolation stepper).
template <size_t Steps, typename T>
using AdamsBashforthRk4 =
    odeint::adams_bashforth<Steps, std::vector<T>, T, std::vector<T>, T, odeint::range_algebra,
                            odeint::default_operations, odeint::initially_resizer,
                            odeint::runge_kutta4<std::vector<T>, T, std::vector<T>, T>>;

/// A problem: its graph node (rhs and ports), its per-element right-hand side for odeint,
/// and its initial values.
template <typename T> struct Problem {
  std::string ports, rhs;                  // YAML of the ode node's `in` and `rhs`
  std::vector<std::string> states;
  std::map<std::string, InputArray> inputs;  // initial values and coefficients, per element
  std::function<void(size_t element, const std::vector<T>& x, std::vector<T>& dxdt, T t)> f;
  size_t elements = 0;
};

std::vector<double> uniform(size_t n, double lo, double hi, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<double> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

template <typename T> Problem<T> logistic() {
  Problem<T> p;
  p.elements = 40;
  p.states = {"x"};
  p.ports = "{x: x0, r: r}";
  p.rhs = "{x: \"r * x * (1 - x)\"}";
  p.inputs["x0"] = {{40}, uniform(40, 0.05, 0.95, 1)};
  p.inputs["r"] = {{40}, uniform(40, 0.5, 4.0, 2)};
  std::vector<T> r(p.inputs["r"].values.begin(), p.inputs["r"].values.end());
  p.f = [r](size_t e, const std::vector<T>& x, std::vector<T>& dxdt, T) { dxdt[0] = r[e] * x[0] * (T(1) - x[0]); };
  return p;
}

// Two states, a coefficient per element, a param, and the time variable.
template <typename T> Problem<T> driven_oscillator() {
  Problem<T> p;
  p.elements = 24;
  p.states = {"x", "v"};
  p.ports = "{x: x0, v: v0, w: w}";
  p.rhs = "{x: \"v\", v: \"-w * w * x - c * v + 0.25 * t\"}";
  p.inputs["x0"] = {{24}, uniform(24, -1, 1, 3)};
  p.inputs["v0"] = {{24}, uniform(24, -1, 1, 4)};
  p.inputs["w"] = {{24}, uniform(24, 0.5, 3, 5)};
  std::vector<T> w(p.inputs["w"].values.begin(), p.inputs["w"].values.end());
  p.f = [w](size_t e, const std::vector<T>& x, std::vector<T>& dxdt, T t) {
    dxdt[0] = x[1];
    dxdt[1] = -w[e] * w[e] * x[0] - T(0.3) * x[1] + T(0.25) * t;
  };
  return p;
}

/// Settings of one comparison.
struct Run {
  std::string method;
  double dt, t0;
  int steps;
  double tol = 1e-6;  // dopri5: rtol = atol
};

/// odeint's trajectory of every element: [state][element * (steps + 1) + k].
template <typename T> std::vector<std::vector<double>> odeint_trajectories(const Problem<T>& p, const Run& run) {
  using State = std::vector<T>;
  const size_t ns = p.states.size(), samples = static_cast<size_t>(run.steps) + 1;
  std::vector<std::vector<double>> out(ns, std::vector<double>(p.elements * samples));
  const T dt = T(run.dt), t0 = T(run.t0);
  // Half a step past the last grid point, so that rounding of t cannot drop the last step.
  const T end = t0 + (T(run.steps) + T(0.5)) * dt;
  for (size_t e = 0; e < p.elements; ++e) {
    State x(ns);
    for (size_t s = 0; s < ns; ++s) x[s] = T(p.inputs.at(p.states[s] + "0").values[e]);
    auto system = [&](const State& xs, State& dxdt, T t) { p.f(e, xs, dxdt, t); };
    size_t k = 0;
    auto observe = [&](const State& xs, T) {
      ASSERT_LT(k, samples);
      for (size_t s = 0; s < ns; ++s) out[s][e * samples + k] = xs[s];
      ++k;
    };
    if (run.method == "euler") {
      odeint::integrate_const(odeint::euler<State, T, State, T>(), system, x, t0, end, dt, observe);
    } else if (run.method == "heun") {
      using Heun = odeint::explicit_generic_rk<2, 2, State, T, State, T>;
      const boost::array<T, 1> a = {{T(1)}};
      const boost::array<T, 2> b = {{T(1) / T(2), T(1) / T(2)}};
      const boost::array<T, 2> c = {{T(0), T(1)}};
      odeint::integrate_const(Heun(boost::fusion::make_vector(a), b, c), system, x, t0, end, dt, observe);
    } else if (run.method == "rk4") {
      odeint::integrate_const(odeint::runge_kutta4<State, T, State, T>(), system, x, t0, end, dt, observe);
    } else if (run.method == "ab2") {
      odeint::integrate_const(AdamsBashforthRk4<2, T>(), system, x, t0, end, dt, observe);
    } else if (run.method == "ab3") {
      odeint::integrate_const(AdamsBashforthRk4<3, T>(), system, x, t0, end, dt, observe);
    } else if (run.method == "ab4") {
      odeint::integrate_const(AdamsBashforthRk4<4, T>(), system, x, t0, end, dt, observe);
    } else {
      auto stepper = odeint::make_controlled(T(run.tol), T(run.tol), odeint::runge_kutta_dopri5<State, T, State, T>());
      odeint::integrate_const(stepper, system, x, t0, end, dt, observe);
    }
    EXPECT_EQ(k, samples) << "odeint took another number of steps";
  }
  return out;
}

template <typename T> void expect_same_as_odeint(const Problem<T>& p, const Run& run) {
  const gr_dtype dtype = sizeof(T) == 8 ? GR_F64 : GR_F32;
  std::string yaml = "format: 1\ngraph: versus_odeint\ndtype: " + std::string(dtype == GR_F64 ? "f64" : "f32") +
                     "\nparams: {c: 0.3}\nnodes:\n";
  for (const auto& [name, in] : p.inputs) yaml += "  - {id: " + name + ", op: read, path: " + name + ".npy}\n";
  yaml += "  - {id: sol, op: ode, in: " + p.ports + ", rhs: " + p.rhs + ", method: " + run.method +
          ", dt: " + io::format_number(run.dt) + ", t0: " + io::format_number(run.t0) +
          ", steps: " + std::to_string(run.steps) + ", rtol: " + io::format_number(run.tol) +
          ", atol: " + io::format_number(run.tol) + ", save: trajectory}\n";
  std::vector<std::string> outputs;
  yaml += "outputs: {";
  for (size_t s = 0; s < p.states.size(); ++s) {
    yaml += (s ? ", " : "") + p.states[s] + ": \"sol:" + p.states[s] + "\"";
    outputs.push_back(p.states[s]);
  }
  yaml += "}\n";
  GraphRun got = run_graph_text(yaml, p.inputs, dtype, outputs);
  ASSERT_EQ(got.result.exit_code, 0) << got.result.err << "\n" << yaml;
  const auto want = odeint_trajectories(p, run);
  for (size_t s = 0; s < p.states.size(); ++s) {
    const std::vector<double> have = values_of(got.outputs[p.states[s]]);
    ASSERT_EQ(have.size(), want[s].size());
    size_t differ = 0, first = 0;
    for (size_t i = 0; i < have.size(); ++i)
      if (have[i] != want[s][i] && !(std::isnan(have[i]) && std::isnan(want[s][i])) && differ++ == 0) first = i;
    EXPECT_EQ(differ, 0u) << run.method << ", state " << p.states[s] << ": " << differ
                          << " values differ from odeint's, first at " << first << ": " << have[first]
                          << " vs " << want[s][first];
  }
}

template <typename T> class VersusOdeint : public ::testing::Test {};
using Dtypes = ::testing::Types<double, float>;
TYPED_TEST_SUITE(VersusOdeint, Dtypes);

TYPED_TEST(VersusOdeint, FixedStepMethodsOnTheLogisticEquation) {
  for (const char* m : {"euler", "heun", "rk4", "ab2", "ab3", "ab4"})
    expect_same_as_odeint(logistic<TypeParam>(), {m, 0.1, 0.0, 30});
}

TYPED_TEST(VersusOdeint, FixedStepMethodsWithTwoStatesAndTime) {
  for (const char* m : {"euler", "heun", "rk4", "ab2", "ab3", "ab4"})
    expect_same_as_odeint(driven_oscillator<TypeParam>(), {m, 0.05, 0.3, 40});
}

TYPED_TEST(VersusOdeint, Dopri5OnTheGrid) {
  const double tol = sizeof(TypeParam) == 8 ? 1e-9 : 1e-5;
  expect_same_as_odeint(logistic<TypeParam>(), {"dopri5", 0.25, 0.0, 12, tol});
  expect_same_as_odeint(driven_oscillator<TypeParam>(), {"dopri5", 0.2, 0.3, 15, tol});
}

}  // namespace
}  // namespace graphrun::testing
