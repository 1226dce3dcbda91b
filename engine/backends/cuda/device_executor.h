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
// untouched by this file.
#pragma once

#include "scheduler/executor.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace graphrun::cuda {

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

  const ExecutionPlan& plan() const;
  /// Device bytes the executor's pool holds now: 0 between runs (what the tests check).
  uint64_t device_bytes_in_use() const;

 private:
  struct State;  // the stream, the pools, the loaded kernels (CUDA types live in the .cpp)
  std::unique_ptr<State> state_;
  mutable std::mutex run_mutex_;
};

}  // namespace graphrun::cuda
