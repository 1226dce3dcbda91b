// The executor that runs a graph on the CUDA device (`graphrun run --device cuda`). The plan
// is made for Device::kCuda (placement.h says where each step runs and which copies are made);
// a run follows it in plan order on one non-blocking stream: device buffers come from the
// stream-ordered pool, elementwise steps run as their generated kernels (NVRTC, through the
// kernel cache), ops with a cuda_kernel get device tensors and their DeviceCall, CPU steps
// run on the host after the stream is synchronized. Outputs come back as host tensors, like
// Executor::run gives them. No CUDA header here: a build without CUDA has a stand-in in
// backends/without_cuda that refuses with DeviceUnavailable.
//
// Runs of one DeviceExecutor are serialized (one stream, one pool); the CPU Executor is
// untouched by this file. capture() records a run as a CUDA graph that `--repeat` replays
// (scheduler/graph_capture.h says which runs can be).
#pragma once

#include "scheduler/executor.h"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

namespace graphrun::cuda {

/// The run cannot be replayed as one CUDA graph; what() says why (the caller then runs it
/// step by step, which gives the same results).
class GraphCaptureRefused : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

class CapturedRun;

class DeviceExecutor {
 public:
  /// Plans `graph` (after the passes; it must outlive the executor) for the CUDA device and
  /// compiles every elementwise kernel (once per process, through KernelCache). Throws
  /// DeviceUnavailable when there is no usable device (or CUDA is not built in), RunError
  /// naming the node when a kernel cannot be compiled or loaded.
  explicit DeviceExecutor(const Graph& graph);
  ~DeviceExecutor();
  DeviceExecutor(const DeviceExecutor&) = delete;
  DeviceExecutor& operator=(const DeviceExecutor&) = delete;

  /// Runs once; `inputs` by graph-input name, on the host. Outputs are host tensors.
  /// Throws RunError naming the node on any failure (out of device memory: with the bytes;
  /// a launch error: with the op); the run's device memory is given back either way.
  /// Runs from several threads are serialized. `record_steps`: RunResult::records holds each
  /// step's time (CUDA events on the run's stream; a step's copies in count as its own).
  RunResult run(const std::map<std::string, TensorData>& inputs, bool record_steps = false) const;

  /// Captures the device work of one run as a CUDA graph (nothing runs yet). Throws
  /// GraphCaptureRefused when the run is not one stretch of device work (graph_capture.h) or
  /// the capture fails (a kernel that synchronizes, say). Best after one run(): first calls
  /// (a library's handle, an FFT plan) are made outside the capture then.
  std::unique_ptr<CapturedRun> capture() const;

  const ExecutionPlan& plan() const;
  /// Device bytes the executor's pool holds now: 0 between runs while no CapturedRun lives
  /// (what the tests check); a CapturedRun holds the device copies of its inputs and outputs.
  uint64_t device_bytes_in_use() const;

  struct State;  // the stream, the pools, the loaded kernels (CUDA types live in the .cpp)

 private:
  friend class CapturedRun;
  std::unique_ptr<State> state_;
  mutable std::mutex run_mutex_;
};

/// A run captured as a CUDA graph: run() replays it. It must not outlive its executor.
class CapturedRun {
 public:
  ~CapturedRun();
  CapturedRun(const CapturedRun&) = delete;
  CapturedRun& operator=(const CapturedRun&) = delete;

  /// One replay: the host steps that come first, the copies in, one graph launch, the copies
  /// out. Same inputs and outputs as DeviceExecutor::run, and the same bits; no step records.
  /// Throws RunError (a failed cuda_check names its node).
  RunResult run(const std::map<std::string, TensorData>& inputs) const;
  /// Kernels and copies in the captured graph (what explain and the profile can say).
  size_t graph_nodes() const;
  /// The last run()'s time of the graph alone, copies in and out excluded (CUDA events), in
  /// milliseconds: the device's own share of the run, what a peer keeping its data on the
  /// device measures.
  double last_graph_ms() const;

  struct Replay;  // the graph, its fixed device blocks and its own run state

 private:
  friend class DeviceExecutor;
  CapturedRun(const DeviceExecutor& executor, std::unique_ptr<Replay> replay);
  const DeviceExecutor& executor_;
  std::unique_ptr<Replay> replay_;
};

}  // namespace graphrun::cuda
