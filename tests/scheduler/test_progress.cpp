// Progress: RunProgress snapshots, gr_host.report_progress routed to the run of the step
// that calls it (and dropped elsewhere), and a display thread polling a run in flight.
#include "scheduler_test_support.h"

#include "plugin_host/registry.h"
#include "plugin_host/running_step.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

namespace graphrun::testing {
namespace {

TEST(RunProgress, CountsStepsAndKeepsThePendingFraction) {
  RunProgress progress;
  progress.start(4);
  RunProgress::Snapshot s = progress.snapshot();
  EXPECT_EQ(s.done, 0);
  EXPECT_EQ(s.total, 4);
  EXPECT_EQ(s.step, -1);
  progress.report(2, 0.25);
  s = progress.snapshot();
  EXPECT_EQ(s.step, 2);
  EXPECT_DOUBLE_EQ(s.fraction, 0.25);
  progress.step_done(1);  // another step: step 2's fraction is still pending
  s = progress.snapshot();
  EXPECT_EQ(s.done, 1);
  EXPECT_EQ(s.step, 2);
  progress.step_done(2);
  s = progress.snapshot();
  EXPECT_EQ(s.done, 2);
  EXPECT_EQ(s.step, -1);
  progress.start(3);  // a new run starts afresh
  EXPECT_EQ(progress.snapshot().done, 0);
  EXPECT_EQ(progress.snapshot().total, 3);
}

// What reached a progress target; parallel_for's chunks report from several threads.
struct Reported {
  std::mutex mutex;
  int calls = 0, step = -1;
  double fraction = -1, most = -1;
};

void record(void* context, int step, double fraction) {
  auto* r = static_cast<Reported*>(context);
  std::lock_guard lock(r->mutex);
  ++r->calls;
  r->step = step;
  r->fraction = fraction;
  r->most = std::max(r->most, fraction);
}

TEST(ReportProgress, GoesToTheRunningStepClampedAndWithoutNaN) {
  const gr_host& host = host_services();
  host.report_progress(nullptr, 0.5);  // no step running on this thread: dropped
  Reported reported;
  RunningStep step;
  step.step = 7;
  step.progress = &record;
  step.progress_context = &reported;
  {
    RunningStepScope scope(&step);
    host.report_progress(nullptr, 0.25);
    EXPECT_EQ(reported.calls, 1);
    EXPECT_EQ(reported.step, 7);
    EXPECT_EQ(reported.fraction, 0.25);
    host.report_progress(nullptr, 3.0);
    EXPECT_EQ(reported.fraction, 1.0);
    host.report_progress(nullptr, -1.0);
    EXPECT_EQ(reported.fraction, 0.0);
    host.report_progress(nullptr, std::nan(""));
    EXPECT_EQ(reported.calls, 3);
    // The chunks of the host's parallel_for run as the calling step too, and each finished
    // chunk reports the share done: 4 more reports, the last of them all the work.
    std::atomic<int> chunks{0};
    host.parallel_for(
        0, 4, 1,
        [](void* context, int64_t, int64_t) {
          static_cast<std::atomic<int>*>(context)->fetch_add(1);
        },
        &chunks);
    EXPECT_EQ(chunks.load(), 4);
    EXPECT_EQ(reported.calls, 7);
    EXPECT_EQ(reported.step, 7);
    EXPECT_EQ(reported.most, 1.0);
  }
  host.report_progress(nullptr, 0.5);
  EXPECT_EQ(reported.calls, 7);
}

TEST(ReportProgress, AKernelsFractionReachesItsRunWhileItRuns) {
  auto graph = load_test_graph(R"(format: 1
graph: slow
dtype: f64
nodes:
  - {id: x, op: constant, value: 1}
  - {id: slow, op: report_half, in: [x], hold_ms: 300}
  - {id: y, op: neg, in: [slow]}
outputs: [y]
)");
  Executor executor(*graph, 2);
  const int slow = step_of(executor, "slow");
  ASSERT_GE(slow, 0);
  RunProgress progress;
  RunObserver observer;
  observer.progress = &progress;
  std::atomic<bool> finished{false};
  bool seen = false;
  std::thread display([&] {  // polls like the CLI's progress bar, from its own thread
    while (!finished.load()) {
      RunProgress::Snapshot s = progress.snapshot();
      if (s.step == slow && s.fraction == 0.5 && s.done == slow) seen = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  RunResult run = executor.run({}, observer);
  finished = true;
  display.join();
  EXPECT_TRUE(seen) << "the display never saw step 'slow' at 50%";
  RunProgress::Snapshot s = progress.snapshot();
  EXPECT_EQ(s.done, static_cast<int>(executor.steps().size()));
  EXPECT_EQ(s.step, -1);  // nothing pending once every step is done
  EXPECT_EQ(values_of(run.outputs[0])[0], -1.0);
}

}  // namespace
}  // namespace graphrun::testing
