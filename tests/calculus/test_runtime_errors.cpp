// Failures that only show while running (exit code 1, a clear message, no hang), and results
// that must not depend on the thread count when the work spans many parallel chunks.
#include "graph_text.h"

#include <gtest/gtest.h>

#include <chrono>

namespace graphrun::testing {
namespace {

std::string ode_graph(const std::string& dtype, const std::string& node) {
  return "format: 1\ngraph: failing\ndtype: " + dtype + "\nnodes:\n  - {id: x0, op: constant, value: 1}\n  - " +
         node + "\noutputs: [sol]\n";
}

TEST(RuntimeErrors, Dopri5ThroughABlowUpStopsWithAMessage) {
  // x' = x^2 from 1 is 1/(1 - t): infinite at t = 1, inside the grid.
  const auto start = std::chrono::steady_clock::now();
  GraphRun run = run_graph_text(
      ode_graph("f64", "{id: sol, op: ode, in: {x: x0}, rhs: {x: \"x * x\"}, method: dopri5, dt: 0.5, steps: 4}"),
      {}, GR_F64, {});
  EXPECT_EQ(run.result.exit_code, 1) << run.result.err;
  EXPECT_NE(run.result.err.find("dopri5 cannot meet rtol = 1e-06, atol = 1e-06 for element 0"), std::string::npos)
      << run.result.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(RuntimeErrors, Dopri5WithATolerancePastTheDtypeStops) {
  GraphRun run = run_graph_text(
      ode_graph("f32", "{id: sol, op: ode, in: {x: x0}, rhs: {x: \"-3 * x + t\"}, method: dopri5, dt: 0.5, "
                       "steps: 4, rtol: 1e-14, atol: 1e-14}"),
      {}, GR_F32, {});
  EXPECT_EQ(run.result.exit_code, 1) << run.result.err;
  EXPECT_NE(run.result.err.find("dopri5 cannot meet rtol = 1e-14"), std::string::npos) << run.result.err;
}

TEST(RuntimeErrors, SimpsonNeedsIncreasingPositions) {
  GraphRun run = run_graph_text(
      "format: 1\ngraph: bad_t\ndtype: f64\nnodes:\n"
      "  - {id: x, op: linspace, start: 0, stop: 1, num: 5}\n"
      "  - {id: t, op: constant, value: [0, 1, 2, 2, 3]}\n"
      "  - {id: i, op: integrate, in: {x: x, t: t}, method: simpson}\n"
      "outputs: [i]\n",
      {}, GR_F64, {});
  EXPECT_EQ(run.result.exit_code, 1) << run.result.err;
  EXPECT_NE(run.result.err.find("simpson needs strictly increasing positions, but t[3] = 2 follows t[2] = 2"),
            std::string::npos)
      << run.result.err;
}

// Many tiles and chunks: every thread count gives the same bits.
TEST(ThreadCount, ResultsAreBitIdentical) {
  const std::string yaml =
      "format: 1\ngraph: threads\ndtype: f64\nnodes:\n"
      "  - {id: r, op: random, shape: [20000], dist: uniform, low: 0.5, high: 3, seed: 7}\n"
      "  - {id: x0, op: random, shape: [20000], dist: uniform, low: 0.1, high: 0.9, seed: 8}\n"
      "  - {id: rk4, op: ode, in: {x: x0, r: r}, rhs: {x: \"r * x * (1 - x)\"}, method: rk4, dt: 0.1, steps: 20}\n"
      "  - {id: dopri5, op: ode, in: {x: x0, r: r}, rhs: {x: \"r * x * (1 - x)\"}, method: dopri5, dt: 0.5, steps: 4}\n"
      "  - {id: wave, op: random, shape: [3, 200000], seed: 9}\n"
      "  - {id: d, op: derivative, in: [wave], dx: 0.1, accuracy: 4}\n"
      "  - {id: i, op: integrate, in: [wave], method: simpson}\n"
      "outputs: [rk4, dopri5, d, i]\n";
  const std::vector<std::string> names = {"rk4", "dopri5", "d", "i"};
  GraphRun one = run_graph_text(yaml, {}, GR_F64, names, {"--threads", "1"});
  GraphRun two = run_graph_text(yaml, {}, GR_F64, names, {"--threads", "2"});
  GraphRun many = run_graph_text(yaml, {}, GR_F64, names, {"--threads", "7"});
  ASSERT_EQ(one.result.exit_code, 0) << one.result.err;
  ASSERT_EQ(two.result.exit_code, 0) << two.result.err;
  ASSERT_EQ(many.result.exit_code, 0) << many.result.err;
  for (const auto& n : names) {
    EXPECT_EQ(one.outputs[n].f64, two.outputs[n].f64) << n;
    EXPECT_EQ(one.outputs[n].f64, many.outputs[n].f64) << n;
  }
}

}  // namespace
}  // namespace graphrun::testing
