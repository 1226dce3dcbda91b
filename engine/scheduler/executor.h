// The oneTBB executor. An ExecutionPlan is built once from the graph and never changes; each
// run has its own RunState (its buffers, counters, gr_node views, records), so one Executor
// may run from many threads at once, with different inputs, each run giving what it would
// alone. A run allocates each buffer when its producer starts and frees it after its last
// consumer; independent branches run concurrently through a tbb::flow::graph, and large ops
// run in parallel inside. Every run shares the executor's arena (its thread count) and its
// buffer pool.
//
// Plugins, note: kernels of different nodes, and of the same node in different runs, run
// concurrently. A kernel may read its node's prepared state but must not change it.
#pragma once

#include "ir/graph.h"
#include "scheduler/buffer_pool.h"
#include "scheduler/execution_plan.h"
#include "scheduler/run_progress.h"
#include "scheduler/run_state.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace graphrun {

/// A tensor handed in or out of a run (contiguous, row-major, the graph's dtype).
struct TensorData {
  gr_dtype dtype = GR_F32;
  Shape shape;
  std::shared_ptr<void> data;  // owner of the bytes
};

/// How a run is observed. Both are per run: concurrent runs observe themselves apart.
struct RunObserver {
  /// Keep each step's time, worker and memory in RunResult::records.
  bool record_steps = false;
  /// Updated by the run's workers as steps finish and kernels report progress; read it from
  /// any thread (a display polls it from its own). Must outlive the run.
  RunProgress* progress = nullptr;
  /// Called after each step (run_state.h). With a check the steps run one at a time in plan
  /// order, so the step a run stops at is the first in that order for any thread count.
  StepCheck check_step;
};

/// What one run gives.
struct RunResult {
  std::vector<TensorData> outputs;  // the graph outputs, in order
  /// Steps that ran, by step index (empty unless observer.record_steps).
  std::vector<StepRecord> records;
  /// Peak bytes of tensor memory this run held (inputs excluded; other runs not counted).
  uint64_t peak_bytes = 0;
};

/// The caller's graph inputs per buffer of `plan` (null for other buffers), each checked to be
/// given with the shape the plan was made for: RunError naming the input otherwise.
std::vector<void*> graph_input_data(const ExecutionPlan& plan, const std::map<std::string, TensorData>& inputs);

class Executor {
 public:
  using StepInfo = graphrun::StepInfo;

  /// Plans `graph` (shapes inferred, passes run), which must outlive the executor.
  /// threads <= 0: all cores.
  Executor(const Graph& graph, int threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  /// Runs once; `inputs` by graph-input name. Safe to call from several threads at once.
  /// Throws RunError naming the node on a kernel failure (the run's buffers are released).
  RunResult run(const std::map<std::string, TensorData>& inputs, const RunObserver& observer = {}) const;

  /// For each step: node index, label, op, bytes read + written.
  const std::vector<StepInfo>& steps() const { return plan_->infos(); }
  const ExecutionPlan& plan() const { return *plan_; }
  /// The pool every run allocates from (in_use() counts every run's buffers and the outputs
  /// callers still hold).
  const BufferPool& pool() const { return *pool_; }
  int threads() const;

 private:
  struct Arena;
  struct Slot;
  std::unique_ptr<Slot> take_slot() const;
  void give_back(std::unique_ptr<Slot> slot) const;
  void run_step(RunState& run, int index) const;
  void release_buffer(RunState& run, int buffer) const;

  std::unique_ptr<ExecutionPlan> plan_;
  std::shared_ptr<BufferPool> pool_ = std::make_shared<BufferPool>();
  std::unique_ptr<Arena> arena_;
  bool sequential_ = false;  // steps run in plan order on the caller's thread
  // Run states (with their flow graphs) no run is using, kept for the next runs: building
  // them is not free, and a plan is run many times. Only this list is shared, under a lock.
  mutable std::mutex idle_mutex_;
  mutable std::vector<std::unique_ptr<Slot>> idle_;
};

}  // namespace graphrun
