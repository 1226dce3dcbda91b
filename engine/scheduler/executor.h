// The execution plan and the oneTBB executor. The plan is built once (steps in topological
// order, buffers with their consumer counts, per-node state); a run allocates each buffer
// when its producer starts and frees it after its last consumer. Independent branches run
// concurrently through a tbb::flow::graph; large ops run in parallel inside.
#pragma once

#include "ir/graph.h"
#include "scheduler/buffer_pool.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace graphrun {

/// A tensor handed in or out of a run (contiguous, row-major, the graph's dtype).
struct TensorData {
  gr_dtype dtype = GR_F32;
  Shape shape;
  std::shared_ptr<void> data;  // owner of the bytes
};

/// Time and traffic of one step in one run (for --profile and --trace).
struct StepRecord {
  int step = -1;
  int64_t start_ns = 0, end_ns = 0;  // since the run started
  int thread = 0;
};

/// How a run is observed.
struct RunObserver {
  bool record_steps = false;
  /// Called after each step finishes (from worker threads): done, total.
  std::function<void(int, int)> on_progress;
};

class Executor {
 public:
  /// Plans `graph` (shapes inferred, passes run). threads <= 0: all cores.
  Executor(const Graph& graph, int threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  /// Runs once; `inputs` by graph-input name. Returns the graph outputs in order.
  /// Throws RunError naming the node on a kernel failure.
  std::vector<TensorData> run(const std::map<std::string, TensorData>& inputs, const RunObserver& observer = {});

  /// What the last run recorded (when observer.record_steps).
  const std::vector<StepRecord>& records() const { return records_; }
  /// For each step: node index, label, bytes read + written.
  struct StepInfo {
    int node;
    std::string label;  // node id, or the fused group's id
    std::string op;
    uint64_t bytes_moved;
  };
  const std::vector<StepInfo>& steps() const;
  /// Peak bytes of tensor memory held during the last run (inputs excluded).
  uint64_t peak_bytes() const { return peak_bytes_; }
  int threads() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<StepRecord> records_;
  uint64_t peak_bytes_ = 0;
};

}  // namespace graphrun
