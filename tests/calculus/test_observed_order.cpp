// Observed orders of accuracy, measured by halving the step: each graph computes its own
// largest error against a closed form, at steps h, h/2, h/4; the order is log2 of the ratio
// of successive errors.
#include "graph_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

namespace graphrun::testing {
namespace {

/// Runs `yaml` (f64, no inputs) and returns its scalar output `err`.
double graph_error(const std::string& yaml) {
  GraphRun run = run_graph_text(yaml, {}, GR_F64, {"err"});
  EXPECT_EQ(run.result.exit_code, 0) << run.result.err << "\n" << yaml;
  return run.outputs.count("err") ? values_of(run.outputs["err"]).at(0) : NAN;
}

/// log2(e(h) / e(h/2)) for errors at h, h/2, h/4: the two successive observed orders.
std::vector<double> observed_orders(const std::function<std::string(int refinement)>& graph) {
  std::vector<double> errors;
  for (int r = 0; r < 3; ++r) errors.push_back(graph_error(graph(1 << r)));
  return {std::log2(errors[0] / errors[1]), std::log2(errors[1] / errors[2])};
}

void expect_order(const std::vector<double>& orders, double expected, const std::string& what) {
  for (double p : orders) EXPECT_NEAR(p, expected, 0.3) << what << ": observed orders " << orders[0] << ", " << orders[1];
}

// The logistic equation x' = r x (1 - x) for several r: x(T) = 1 / (1 + (1/x0 - 1) e^{-rT}).
std::string logistic_graph(const std::string& method, int steps) {
  const double end = 2.0;
  return "format: 1\ngraph: order\ndtype: f64\nnodes:\n"
         "  - {id: r, op: linspace, start: 0.5, stop: 3, num: 6}\n"
         "  - {id: x0, op: constant, value: 0.2}\n"
         "  - {id: x, op: ode, in: {x: x0, r: r}, rhs: {x: \"r * x * (1 - x)\"}, method: " + method +
         ", dt: " + io::format_number(end / steps) + ", steps: " + std::to_string(steps) + "}\n"
         "  - {id: exact, op: expr, in: {r: r}, expr: \"1 / (1 + 4 * exp(-r * 2))\"}\n"
         "  - {id: diff, op: expr, in: {a: x, b: exact}, expr: \"abs(a - b)\"}\n"
         "  - {id: err, op: max, in: [diff], axis: 0}\n"
         "outputs: [err]\n";
}

TEST(ObservedOrder, OdeMethods) {
  const std::pair<const char*, double> methods[] = {{"euler", 1}, {"heun", 2}, {"rk4", 4},
                                                     {"ab2", 2},   {"ab3", 3},  {"ab4", 4}};
  for (const auto& [method, order] : methods)
    expect_order(observed_orders([&](int r) { return logistic_graph(method, 40 * r); }), order, method);
}

TEST(ObservedOrder, Dopri5MeetsItsTolerance) {
  for (double tol : {1e-4, 1e-7, 1e-10}) {
    std::string g = logistic_graph("dopri5", 8);
    g.replace(g.find("method: dopri5"), 14,
              "method: dopri5, rtol: " + io::format_number(tol) + ", atol: " + io::format_number(tol));
    EXPECT_LT(graph_error(g), 20 * tol) << "rtol = atol = " << tol;
  }
}

// d/dt sin(t) (or d2/dt2) on [0, 2] with n + 1 points, uniform (dx) or on the smoothly
// non-uniform grid t = s + 0.1 sin(3 s); the error is taken over positions [skip, n - skip].
std::string derivative_graph(const std::string& attrs, int order, bool uniform, int n, int skip) {
  const std::string exact = order == 1 ? "cos(t)" : "-sin(t)";
  std::string g = "format: 1\ngraph: order\ndtype: f64\nnodes:\n"
                  "  - {id: s, op: linspace, start: 0, stop: 2, num: " + std::to_string(n + 1) + "}\n";
  g += uniform ? "  - {id: t, op: expr, in: {s: s}, expr: \"s\"}\n"
               : "  - {id: t, op: expr, in: {s: s}, expr: \"s + 0.1 * sin(3 * s)\"}\n";
  g += "  - {id: f, op: expr, in: {t: t}, expr: \"sin(t)\"}\n";
  g += uniform ? "  - {id: d, op: derivative, in: {x: f}, dx: " + io::format_number(2.0 / n) + ", order: " +
                     std::to_string(order) + attrs + "}\n"
               : "  - {id: d, op: derivative, in: {x: f, t: t}, order: " + std::to_string(order) + attrs + "}\n";
  g += "  - {id: diff, op: expr, in: {d: d, t: t}, expr: \"abs(d - " + exact + ")\"}\n"
       "  - {id: part, op: slice, in: [diff], axis: 0, start: " + std::to_string(skip) +
       ", stop: " + std::to_string(n + 1 - skip) + "}\n"
       "  - {id: err, op: max, in: [part], axis: 0}\n"
       "outputs: [err]\n";
  return g;
}

TEST(ObservedOrder, DerivativeStencils) {
  struct Case {
    const char* attrs;
    int order, skip;
    double expected;
  };
  const Case cases[] = {
      {"", 1, 0, 1},                                // numpy.gradient: first-order ends
      {", edge_order: 2", 1, 0, 2},                 // second-order ends
      {", accuracy: 4", 1, 2, 4},                   // 5-point interior
      {", scheme: forward", 1, 0, 1},
      {", scheme: backward", 1, 0, 1},
      {", edge_order: 2", 2, 0, 2},                 // 3-point second difference, 4-point ends
      {", accuracy: 4", 2, 2, 4},
  };
  for (bool uniform : {true, false})
    for (const Case& c : cases) {
      const std::string what = std::string(uniform ? "uniform" : "non-uniform") + " order " +
                               std::to_string(c.order) + c.attrs;
      expect_order(observed_orders([&](int r) { return derivative_graph(c.attrs, c.order, uniform, 40 * r, c.skip * r); }),
                   c.expected, what);
    }
}

// The integral of cos over [0, t] against sin(t), on the same grids.
std::string integral_graph(const std::string& method, bool uniform, int n) {
  std::string g = "format: 1\ngraph: order\ndtype: f64\nnodes:\n"
                  "  - {id: s, op: linspace, start: 0, stop: 2, num: " + std::to_string(n + 1) + "}\n";
  g += uniform ? "  - {id: t, op: expr, in: {s: s}, expr: \"s\"}\n"
               : "  - {id: t, op: expr, in: {s: s}, expr: \"s + 0.1 * sin(3 * s)\"}\n";
  g += "  - {id: f, op: expr, in: {t: t}, expr: \"cos(t)\"}\n";
  g += uniform ? "  - {id: i, op: integrate, in: {x: f}, method: " + method + ", dx: " + io::format_number(2.0 / n) + "}\n"
               : "  - {id: i, op: integrate, in: {x: f, t: t}, method: " + method + "}\n";
  g += "  - {id: diff, op: expr, in: {i: i, t: t}, expr: \"abs(i - sin(t))\"}\n"
       "  - {id: err, op: max, in: [diff], axis: 0}\n"
       "outputs: [err]\n";
  return g;
}

TEST(ObservedOrder, IntegrationRules) {
  const std::pair<const char*, double> methods[] = {{"rectangle", 1}, {"trapezoid", 2}, {"simpson", 4}};
  for (bool uniform : {true, false})
    for (const auto& [method, order] : methods)
      expect_order(observed_orders([&](int r) { return integral_graph(method, uniform, 40 * r); }), order,
                   std::string(method) + (uniform ? " uniform" : " non-uniform"));
}

}  // namespace
}  // namespace graphrun::testing
