// `graphrun sweep`'s runs (driver/sweep.h): executors of different graphs, one per run, built
// and run on several threads at once give exactly the bits of the runs one at a time. Built
// under ThreadSanitizer too, with the other scheduler tests.
#include "driver/sweep.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace graphrun::testing {
namespace {

// Params change shapes (n), the ODE (method, dt) and a fused elementwise chain with a reduction.
const char* kGraph = R"(format: 1
graph: sweep_runs
dtype: f64
params: {n: 1000, method: rk4, dt: 0.01, c: 1}
nodes:
  - {id: x, op: linspace, start: 0, stop: 1, num: $n}
  - {id: y, op: expr, in: {x: x}, expr: "sin(c * x) * exp(-x) + c"}
  - {id: total, op: sum, in: [y]}
  - {id: x0, op: constant, value: [1, 2, 3]}
  - {id: sol, op: ode, in: {x: x0}, rhs: {x: "-c * x"}, method: $method, dt: $dt, steps: 50}
  - {id: end, op: sum, in: [sol]}
outputs: [y, total, sol, end]
)";

TEST(SweepRuns, ConcurrentRunsGiveTheBitsOfRunsOneAtATime) {
  const std::string path = (std::filesystem::temp_directory_path() / ("sweep_runs_" + std::to_string(::getpid()) + ".yaml")).string();
  std::ofstream(path) << kGraph;
  const auto runs = plan_sweep(parse_sweep_params({"n=1000,20000", "method=euler,rk4,dopri5", "c=0.5,2"}));
  const auto prepared = prepare_runs(path, runs, {});
  std::filesystem::remove(path);
  ASSERT_EQ(prepared.size(), 12u);
  std::atomic<size_t> finished{0};
  const auto alone = run_prepared(prepared, 1, 1);
  const auto together = run_prepared(prepared, 4, 2, {}, &finished);
  EXPECT_EQ(finished.load(), 12u);
  ASSERT_EQ(alone.size(), together.size());
  for (size_t r = 0; r < alone.size(); ++r)
    for (size_t o = 0; o < alone[r].outputs.size(); ++o) {
      const TensorData &a = alone[r].outputs[o], &b = together[r].outputs[o];
      ASSERT_EQ(a.shape, b.shape) << runs[r].label;
      size_t n = 1;
      for (int64_t d : a.shape) n *= static_cast<size_t>(d);
      EXPECT_EQ(n, o == 0 ? (r < 6 ? 1000u : 20000u) : o == 2 ? 3u : 1u) << runs[r].label;
      EXPECT_EQ(std::memcmp(a.data.get(), b.data.get(), n * sizeof(double)), 0) << runs[r].label << " output " << o;
    }
}

}  // namespace
}  // namespace graphrun::testing
