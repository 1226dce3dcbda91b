// A graph loaded once and run many times from Python (or any embedding program): the
// loaded graph, and one plan per set of input shapes, made on first use and kept. Runs of
// one LoadedGraph may come from many threads at once: plans are shared (the executor is
// re-entrant), the plan table is the only state under a lock. Nothing here knows Python.
#pragma once

#include "driver/session.h"
#include "scheduler/executor.h"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace graphrun::embed {

enum class DeviceRequest { kCpu, kCuda, kAuto };

struct GraphOptions {
  LoadOptions load;  // params as --set text, plugins
  DeviceRequest device = DeviceRequest::kCpu;
  int threads = 0;  // 0: all cores
  bool fuse = true;
};

/// One step of a run's profile, as `graphrun run --profile` lists it.
struct ProfileRecord {
  std::string node, op, device;
  double start_ms = 0, time_ms = 0;
  uint64_t bytes = 0;
  int thread = 0;
};

class LoadedGraph {
 public:
  /// Loads and checks `path` (GraphError with every problem, PluginError, UsageError), and
  /// chooses the device: kCuda without one throws DeviceUnavailable, kAuto falls back to
  /// the CPU (device_note() says why).
  LoadedGraph(const std::string& path, GraphOptions options);
  ~LoadedGraph();

  const Graph& graph() const { return graph_; }
  bool on_cuda() const { return on_cuda_; }
  const std::string& device_note() const { return device_note_; }

  /// Runs once. Every graph input must be given, in the graph's dtype with a shape that
  /// matches the declared one (UsageError otherwise, before anything runs).
  RunResult run(const std::map<std::string, TensorData>& inputs) const;

  /// The per-step records of the last run that finished (any thread's).
  std::vector<ProfileRecord> last_profile() const;

  /// `graphrun explain` / `graphrun dot` text for these inputs' shapes (none given: the
  /// declared shapes, `?` where an axis is -1).
  std::string explain(const std::map<std::string, TensorData>& inputs) const;
  std::string dot(const std::map<std::string, TensorData>& inputs) const;

 private:
  struct Plan;
  const Plan& plan_for(const std::map<std::string, TensorData>& inputs) const;
  /// UsageError for an unknown name, a wrong dtype or shape; for a missing input too when
  /// `all_given` (a run; explain and dot take the inputs they are given).
  void check_inputs(const std::map<std::string, TensorData>& inputs, bool all_given) const;
  Graph planned_copy(const std::map<std::string, TensorData>& inputs) const;

  Graph graph_;
  GraphOptions options_;
  bool on_cuda_ = false;
  std::string device_note_;
  mutable std::mutex plans_mutex_;
  // One plan per set of input shapes (in input_specs order); few, so found by a scan. Plans
  // live as long as the graph: runs and the last profile point into them.
  mutable std::vector<std::pair<std::vector<Shape>, std::unique_ptr<Plan>>> plans_;
  // The last finished run's step records and the plan they index: turned into
  // ProfileRecords only when asked, so that a run pays nothing for them.
  mutable std::mutex profile_mutex_;
  mutable std::vector<StepRecord> last_records_;
  mutable const Plan* last_plan_ = nullptr;
};

/// Loads the built-in plugins once per process, from `builtin_dir` when it is a folder (an
/// installed package), else from `fallback_dir` (the build tree's); later calls do nothing.
void load_builtin_plugins(const std::string& builtin_dir, const std::string& fallback_dir);

}  // namespace graphrun::embed
