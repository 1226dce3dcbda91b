// One executor run from many threads at once, each run with its own inputs: every run gives
// exactly what a single-threaded run of the same inputs gives, keeps its own records,
// progress and peak, and a failing run fails alone, with its own error.
#include "scheduler_test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <thread>

namespace graphrun::testing {
namespace {

constexpr int kThreads = 8, kRunsPerThread = 20;
constexpr int64_t kN = 16384;  // f64: four chunks of the expression evaluator's parallel_for

// Branches for the flow graph, a prepared state, a reduction and a BLAS product.
const char* kBranches = R"(format: 1
graph: branches
dtype: f64
inputs:
  u: {shape: [16384]}
  m: {shape: [32, 32]}
nodes:
  - {id: a, op: neg, in: [u]}
  - {id: b, op: counted_scale, in: [u], factor: 3}
  - {id: c, op: mul, in: [a, b]}
  - {id: d, op: add, in: [c, u]}
  - {id: e, op: exp, in: [a]}
  - {id: s, op: sum, in: [d]}
  - {id: p, op: matmul, in: [m, m]}
outputs: [d, e, s, p]
)";

// A chain: the executor runs it step after step on the calling thread.
const char* kChain = R"(format: 1
graph: chain
dtype: f64
inputs:
  u: {shape: [16384]}
nodes:
  - {id: a, op: neg, in: [u]}
  - {id: b, op: counted_scale, in: [a], factor: 2}
  - {id: c, op: sqrt, in: [b]}
outputs: [c]
)";

// The inputs of run r of thread t: different for every run.
std::map<std::string, TensorData> inputs_of(int t, int r, bool with_matrix) {
  std::vector<double> u(kN), m(32 * 32);
  for (int64_t i = 0; i < kN; ++i) u[i] = -std::fabs(std::sin(0.001 * static_cast<double>(i) + t + 0.1 * r));
  for (int i = 0; i < 32 * 32; ++i) m[i] = std::cos(i + 7.0 * t + r);
  std::map<std::string, TensorData> inputs{{"u", make_tensor({kN}, u)}};
  if (with_matrix) inputs["m"] = make_tensor({32, 32}, m);
  return inputs;
}

// Runs body(t, r) for every run of every thread, all threads at once.
void on_threads(const std::function<void(int, int)>& body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRunsPerThread; ++r) body(t, r);
    });
  for (auto& th : threads) th.join();
}

void check_concurrent_runs(const char* yaml, bool with_matrix, int executor_threads) {
  auto graph = load_test_graph(yaml, inputs_of(0, 0, with_matrix));
  // The answers of a single-threaded executor, one run at a time.
  Executor reference(*graph, 1);
  std::vector<std::vector<std::vector<double>>> expected(kThreads * kRunsPerThread);
  for (int t = 0; t < kThreads; ++t)
    for (int r = 0; r < kRunsPerThread; ++r)
      for (const TensorData& out : reference.run(inputs_of(t, r, with_matrix)).outputs)
        expected[t * kRunsPerThread + r].push_back(values_of(out));

  Executor executor(*graph, executor_threads);
  const size_t steps = executor.steps().size();
  const uint64_t sequential_peak = executor.plan().sequential_peak_bytes();
  std::vector<int> wrong(kThreads, 0), bad_records(kThreads, 0), bad_progress(kThreads, 0), bad_peak(kThreads, 0);
  on_threads([&](int t, int r) {
    RunProgress progress;
    RunObserver observer;
    observer.record_steps = r % 2 == 0;
    observer.progress = &progress;
    RunResult run = executor.run(inputs_of(t, r, with_matrix), observer);
    const auto& want = expected[t * kRunsPerThread + r];
    for (size_t k = 0; k < want.size(); ++k) wrong[t] += values_of(run.outputs[k]) != want[k];
    bad_records[t] += run.records.size() != (observer.record_steps ? steps : 0);
    const RunProgress::Snapshot s = progress.snapshot();
    bad_progress[t] += s.done != static_cast<int>(steps) || s.total != static_cast<int>(steps);
    // A run counts only its own buffers: never more than the whole plan, and exactly the
    // sequential figure when its steps run in order.
    bad_peak[t] += executor.plan().is_chain() ? run.peak_bytes != sequential_peak : run.peak_bytes == 0;
  });
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(wrong[t], 0) << "thread " << t << ": outputs differ from the single-threaded run";
    EXPECT_EQ(bad_records[t], 0) << "thread " << t;
    EXPECT_EQ(bad_progress[t], 0) << "thread " << t;
    EXPECT_EQ(bad_peak[t], 0) << "thread " << t;
  }
  EXPECT_EQ(executor.pool().in_use(), 0u);
}

TEST(ConcurrentRuns, BranchesGiveEachRunItsOwnAnswer) { check_concurrent_runs(kBranches, true, 4); }

TEST(ConcurrentRuns, ChainGivesEachRunItsOwnAnswer) { check_concurrent_runs(kChain, false, 4); }

TEST(ConcurrentRuns, OneThreadExecutorServesManyCallers) { check_concurrent_runs(kBranches, true, 1); }

TEST(ConcurrentRuns, TheReferenceIsTheGraphsAnswer) {
  // Guards the comparison above against a graph that computes nothing of interest.
  auto graph = load_test_graph(kBranches, inputs_of(0, 0, true));
  Executor executor(*graph, 1);
  auto inputs = inputs_of(3, 5, true);
  RunResult run = executor.run(inputs);
  std::vector<double> u = values_of(inputs.at("u")), d = values_of(run.outputs[0]), e = values_of(run.outputs[1]);
  for (int64_t i = 0; i < kN; i += 97) {
    EXPECT_EQ(d[i], -u[i] * (3 * u[i]) + u[i]) << i;
    EXPECT_NEAR(e[i], std::exp(-u[i]), 1e-15 * std::exp(-u[i])) << i;
  }
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
outputs: [out]
)";

TEST(ConcurrentRuns, AFailingRunFailsAloneWithItsOwnError) {
  // Thread t's odd runs put a positive u (a negative a) at index t: the check fails there.
  auto input_of = [](int t, int r) {
    std::vector<double> u(64, -1.0);
    if (r % 2) u[t] = 2.0;
    return std::map<std::string, TensorData>{{"u", make_tensor({64}, u)}};
  };
  auto graph = load_test_graph(kFailing, input_of(0, 0));
  Executor executor(*graph, 4);
  std::vector<int> wrong(kThreads, 0);
  on_threads([&](int t, int r) {
    try {
      RunResult run = executor.run(input_of(t, r));
      wrong[t] += r % 2 || values_of(run.outputs[0]) != std::vector<double>(64, 2.0);
    } catch (const RunError& e) {
      const std::string own = "negative value -2.000000 at index " + std::to_string(t);
      wrong[t] += !(r % 2) || std::string(e.what()).find(own) == std::string::npos;
    }
  });
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
  EXPECT_EQ(executor.pool().in_use(), 0u);
}

}  // namespace
}  // namespace graphrun::testing
