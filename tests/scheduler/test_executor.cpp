// The executor on small graphs through the real loader: buffers released after their last
// consumer, peak memory per run against the plan's own figure and a hand count, a failing
// kernel (clear error, nothing leaked, the executor still usable), records, input checks,
// and prepared states released when planning fails.
#include "scheduler_test_support.h"
#include "support/small_graphs.h"

#include <gtest/gtest.h>

#include <cmath>

namespace graphrun::testing {
namespace {

// f32 [1024]: every buffer is exactly 4096 bytes, a whole number of pool blocks.
constexpr uint64_t kBlock = 4096;

const char* kDiamond = kDiamondGraph;

const char* kChain = R"(format: 1
graph: chain
dtype: f32
nodes:
  - {id: x, op: random, shape: [1024], seed: 1}
  - {id: a, op: neg, in: [x]}
  - {id: b, op: neg, in: [a]}
  - {id: c, op: neg, in: [b]}
outputs: [c]
)";

TEST(Executor, ReleasesEachBufferAfterItsLastConsumer) {
  auto graph = load_test_graph(kDiamond);
  Executor executor(*graph, 1);  // one thread: steps run in plan order
  ASSERT_EQ(executor.steps().size(), 4u);
  RunObserver observer;
  observer.record_steps = true;
  RunResult run = executor.run({}, observer);
  ASSERT_EQ(run.records.size(), 4u);
  // x; x a; a b (b was x's last consumer); c (a and b consumed, c is the output).
  const uint64_t expected[] = {kBlock, 2 * kBlock, 2 * kBlock, kBlock};
  for (int s = 0; s < 4; ++s) {
    EXPECT_EQ(run.records[s].step, s);
    EXPECT_EQ(run.records[s].live_bytes, expected[s]) << "after step " << executor.steps()[s].label;
  }
  // The output is the only block still out, until the caller lets go of it.
  EXPECT_EQ(executor.pool().in_use(), kBlock);
  run.outputs.clear();
  EXPECT_EQ(executor.pool().in_use(), 0u);
}

TEST(Executor, PeakMatchesThePlanAndAHandCount) {
  auto diamond = load_test_graph(kDiamond);
  auto chain = load_test_graph(kChain);
  Executor d(*diamond, 1), c(*chain, 4);  // a chain runs in order whatever the threads
  EXPECT_EQ(d.plan().sequential_peak_bytes(), 3 * kBlock);  // while b runs: x, a, b
  EXPECT_EQ(c.plan().sequential_peak_bytes(), 2 * kBlock);  // a producer and its consumer
  for (int repeat = 0; repeat < 3; ++repeat) {  // reused run states start from zero again
    EXPECT_EQ(d.run({}).peak_bytes, 3 * kBlock);
    EXPECT_EQ(c.run({}).peak_bytes, 2 * kBlock);
  }
}

TEST(Executor, ResultsAreThoseOfTheGraph) {
  auto graph = load_test_graph(kDiamond);
  Executor one(*graph, 1), two(*graph, 2);
  RunResult r1 = one.run({}), r2 = two.run({});
  // c = -x + x^2 with x = random(seed 1); x itself is not an output, so rebuild it from
  // a graph that outputs it.
  auto xs = load_test_graph(R"(format: 1
graph: x
dtype: f32
nodes:
  - {id: x, op: random, shape: [1024], seed: 1}
outputs: [x]
)");
  Executor ex(*xs, 1);
  std::vector<double> x = values_of(ex.run({}).outputs[0]);
  std::vector<double> c1 = values_of(r1.outputs[0]), c2 = values_of(r2.outputs[0]);
  ASSERT_EQ(c1.size(), 1024u);
  for (size_t i = 0; i < x.size(); ++i) {
    const float xi = static_cast<float>(x[i]);
    EXPECT_EQ(static_cast<float>(c1[i]), -xi + xi * xi) << i;
  }
  EXPECT_EQ(c1, c2);  // bit-identical whatever the thread count
}

const char* kFailing = R"(format: 1
graph: failing
dtype: f64
inputs:
  u: {shape: [64]}
nodes:
  - {id: a, op: neg, in: [u]}
  - {id: side, op: square, in: [u]}
  - {id: check, op: fail_if_negative, in: [a]}
  - {id: out, op: add, in: [check, side]}
outputs: [out, side]
)";

std::vector<double> ramp(double from, double step, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(from + step * i);
  return v;
}

TEST(Executor, FailingKernelGivesAClearErrorAndLeaksNothing) {
  std::map<std::string, TensorData> passing{{"u", make_tensor({64}, ramp(-10, 0.125, 64))}};  // u < 0: -u passes the check
  std::map<std::string, TensorData> failing{{"u", make_tensor({64}, ramp(1, 0.5, 64))}};
  auto graph = load_test_graph(kFailing, passing);
  for (int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    Executor executor(*graph, threads);
    try {
      executor.run(failing);
      ADD_FAILURE() << "the run did not fail";
    } catch (const RunError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("node 'check'"), std::string::npos) << what;
      EXPECT_NE(what.find("op 'fail_if_negative'"), std::string::npos) << what;
      EXPECT_NE(what.find("scheduler_test_ops"), std::string::npos) << what;  // the plugin
      EXPECT_NE(what.find("negative value -1.000000 at index 0"), std::string::npos) << what;
      EXPECT_NE(what.find(".yaml:"), std::string::npos) << what;  // file:line:col
    }
    EXPECT_EQ(executor.pool().in_use(), 0u) << "buffers leaked by the failed run";
    // The executor is still good for a run that succeeds.
    RunResult ok = executor.run(passing);
    std::vector<double> u = values_of(passing.at("u")), out = values_of(ok.outputs[0]);
    for (size_t i = 0; i < u.size(); ++i) EXPECT_EQ(out[i], -u[i] + u[i] * u[i]) << i;
    ok.outputs.clear();
    EXPECT_EQ(executor.pool().in_use(), 0u);
  }
}

// A step check sees each step once its kernel returned, in plan order even with threads to
// spare (the diamond's branches a and b could run at once); stopping at b fails the run with
// the check's message, runs nothing after b, and leaks nothing.
TEST(Executor, StepCheckRunsInPlanOrderAndStopsTheRun) {
  auto graph = load_test_graph(kDiamond);
  Executor executor(*graph, 4);
  const int b = step_of(executor, "b");
  ASSERT_GE(b, 0);
  std::vector<int> seen;
  RunObserver observer;
  observer.check_step = [&](int step, std::span<const gr_tensor> outputs) -> std::string {
    seen.push_back(step);
    EXPECT_EQ(outputs.size(), 1u);
    EXPECT_NE(outputs[0].data, nullptr);
    return step == b ? "stopped at b" : "";
  };
  for (int round = 0; round < 3; ++round) {
    seen.clear();
    try {
      executor.run({}, observer);
      ADD_FAILURE() << "the run did not stop";
    } catch (const RunError& e) {
      EXPECT_STREQ(e.what(), "stopped at b");
    }
    std::vector<int> expected;
    for (int s = 0; s <= b; ++s) expected.push_back(s);
    EXPECT_EQ(seen, expected);
    EXPECT_EQ(executor.pool().in_use(), 0u) << "buffers leaked by the stopped run";
  }
  // Without the check the same executor runs the whole graph.
  RunResult ok = executor.run({});
  EXPECT_EQ(ok.outputs.size(), 1u);
}

TEST(Executor, RecordsOnlyWhenAsked) {
  auto graph = load_test_graph(kDiamond);
  Executor executor(*graph, 2);
  EXPECT_TRUE(executor.run({}).records.empty());
  RunObserver observer;
  observer.record_steps = true;
  RunResult run = executor.run({}, observer);
  ASSERT_EQ(run.records.size(), executor.steps().size());
  for (size_t s = 0; s < run.records.size(); ++s) {
    EXPECT_EQ(run.records[s].step, static_cast<int>(s));
    EXPECT_LE(run.records[s].start_ns, run.records[s].end_ns);
    EXPECT_GE(run.records[s].thread, 0);
    EXPECT_LT(run.records[s].thread, executor.threads());
  }
}

TEST(Executor, RefusesMissingOrMisshapenInputs) {
  std::map<std::string, TensorData> inputs{{"u", make_tensor({64}, ramp(-1, 0, 64))}};
  auto graph = load_test_graph(kFailing, inputs);
  Executor executor(*graph, 2);
  EXPECT_THROW(executor.run({}), RunError);
  std::map<std::string, TensorData> wrong{{"u", make_tensor({32}, ramp(-1, 0, 32))}};
  try {
    executor.run(wrong);
    ADD_FAILURE() << "a misshapen input was accepted";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find("has shape (32,), the graph was planned for (64,)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(executor.run(inputs).outputs.size(), 2u);  // the refused runs left nothing behind
  EXPECT_EQ(executor.pool().in_use(), 0u);
}

// counted_scale's prepare counts its live states; live_states reads the count at run time.
int live_states() {
  auto graph = load_test_graph(R"(format: 1
graph: count
dtype: f64
nodes:
  - {id: x, op: constant, value: 0}
  - {id: n, op: live_states, in: [x]}
outputs: [n]
)");
  Executor executor(*graph, 1);
  return static_cast<int>(values_of(executor.run({}).outputs[0])[0]);
}

TEST(Executor, PreparedStatesLiveAsLongAsThePlan) {
  ASSERT_EQ(live_states(), 0);
  {
    auto graph = load_test_graph(R"(format: 1
graph: prepared
dtype: f64
nodes:
  - {id: x, op: constant, value: 2}
  - {id: s1, op: counted_scale, in: [x], factor: 3}
  - {id: s2, op: counted_scale, in: [s1], factor: 5}
outputs: [s2]
)");
    Executor executor(*graph, 2);
    EXPECT_EQ(live_states(), 2);
    EXPECT_EQ(values_of(executor.run({}).outputs[0])[0], 30.0);
  }
  EXPECT_EQ(live_states(), 0);
}

TEST(Executor, FailingPrepareReleasesTheStatesAlreadyPrepared) {
  auto graph = load_test_graph(R"(format: 1
graph: refused
dtype: f64
nodes:
  - {id: x, op: constant, value: 2}
  - {id: s1, op: counted_scale, in: [x], factor: 3}
  - {id: s2, op: counted_scale, in: [s1], factor: 5}
  - {id: s3, op: counted_scale, in: [s2], refuse: true}
outputs: [s3]
)");
  try {
    Executor executor(*graph, 2);
    ADD_FAILURE() << "planning did not fail";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find("prepare refused on purpose"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("node 's3'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(live_states(), 0);
}

}  // namespace
}  // namespace graphrun::testing
