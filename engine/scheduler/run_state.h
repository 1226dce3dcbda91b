// What one run of a plan changes: the buffers' data pointers and remaining-consumer counts,
// each step's gr_node and tensor headers pointing at this run's data, the crash-report and
// progress records, the error slot, the step records and the memory accounting. Concurrent
// runs of one plan each have their own. A RunState is wired to its plan once and reused by
// later runs (reset() clears what a run leaves behind), so a run allocates nothing of it.
#pragma once

#include "scheduler/buffer_pool.h"
#include "scheduler/execution_plan.h"
#include "scheduler/run_progress.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace graphrun {

/// Time of one step in one run (for --profile and --trace).
struct StepRecord {
  int step = -1;
  int64_t start_ns = 0, end_ns = 0;  // since the run started
  int thread = 0;                    // worker slot in the executor's arena; on the CUDA device a row below
  static constexpr int kCudaStreamRow = 0;  // a step run on the device's stream
  static constexpr int kHostRow = 1;        // a step of a device run placed on the host
  uint64_t live_bytes = 0;           // tensor memory the run held once the step was done
};

/// Looks at a step's outputs once its kernel has returned, before anything is released:
/// "" when they are fine, else why the run must stop there (the run then fails with that
/// message, as on a kernel error). `step` indexes ExecutionPlan::steps().
using StepCheck = std::function<std::string(int step, std::span<const gr_tensor> outputs)>;

class RunState {
 public:
  explicit RunState(const ExecutionPlan& plan);
  RunState(const RunState&) = delete;
  RunState& operator=(const RunState&) = delete;

  /// Makes the state ready for a fresh run (data pointers cleared, counters refilled).
  void reset(RunProgress* progress, bool record_steps);

  const ExecutionPlan& plan;
  std::vector<void*> data;                         // per buffer; null when not held
  std::unique_ptr<std::atomic<int>[]> remaining;   // per buffer: consumers still to run
  std::vector<gr_node> nodes;                      // per step, copies of the plan's templates
  std::vector<gr_tensor> inputs;                   // every step's inputs, flat
  std::vector<const gr_tensor*> input_ptrs;        // what each gr_node's inputs point at
  std::vector<gr_tensor> outputs;                  // every step's outputs, flat
  std::vector<gr_tensor*> output_ptrs;             // what each kernel is handed
  std::vector<RunningStep> running;                // per step: names + this run's progress
  PoolUsage usage;                                 // this run's share of the pool

  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;  // the first failure; set once, under error_mutex

  RunProgress* progress = nullptr;
  bool record_steps = false;
  const StepCheck* check_step = nullptr;  // the observer's, when it has one
  std::chrono::steady_clock::time_point start;
  /// One per step, written only by the thread running that step (step -1: did not run).
  std::vector<StepRecord> records;
};

}  // namespace graphrun
