// Placement: for a target device, where each step runs, where each buffer lives, every copy
// between host and device, and the peak memory on each side. A pure function of the planned
// steps; the plan is not changed (a run that executes on a device follows the Placement).
//
// The rules, each chosen to keep the device peak low:
//  - a step runs on the device when the target is cuda and it has a CUDA kernel
//    (has_cuda_kernel), else on the host;
//  - a buffer lives where its producer runs (graph inputs: on the host);
//  - a host buffer that a device step reads is copied in once, just before its first device
//    reader (so it takes device memory no earlier than needed);
//  - a device buffer that a host step reads, or that is a graph output, is copied out once,
//    just after its producer (so its device copy can go after its last device reader);
//  - each copy is freed after its last reader on its side, graph outputs kept on the host.
#pragma once

#include "ir/graph.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace graphrun {

class ExecutionPlan;

/// Where a graph is to run.
enum class Device { kCpu, kCuda };
/// "cpu", "cuda".
const char* device_name(Device device);

/// What placement needs to know of one step.
struct PlacementStep {
  int node = -1;             // graph node index
  bool has_cuda_kernel = false;
  std::vector<int> reads;    // buffers read, each once
  std::vector<int> writes;   // buffers written
};

/// What placement needs to know of one buffer.
struct PlacementBuffer {
  ValueRef value{-1, -1};  // the node output it holds
  uint64_t bytes = 0;
  bool graph_input = false;   // supplied by the caller, on the host
  bool graph_output = false;  // handed to the caller, on the host
};

/// The steps in execution order and the buffers they use (numbered as ExecutionPlan does).
struct PlacementProblem {
  std::vector<PlacementStep> steps;
  std::vector<PlacementBuffer> buffers;
  bool sizes_known = true;  // false while some shape is unknown: sizes and peaks are then 0
};

/// The steps and buffers of `graph` after the passes, in the order and numbering of the
/// ExecutionPlan built from it: topological order; each node's outputs numbered when it is
/// reached; every buffer once.
PlacementProblem placement_problem(const Graph& graph);
/// The steps and buffers of a plan.
PlacementProblem placement_problem(const ExecutionPlan& plan);

enum class TransferDirection { kToDevice, kToHost };

/// One copy between host and device.
struct Transfer {
  int buffer = -1;
  TransferDirection direction = TransferDirection::kToDevice;
  uint64_t bytes = 0;
  /// It happens before this step runs (== the number of steps: after the last one).
  int before_step = 0;
};

/// Where one buffer has copies. The first copy is where its producer wrote it.
struct BufferPlacement {
  Device home = Device::kCpu;  // where it is written (graph inputs: the host)
  bool on_host = false;        // has a host copy (written there, or copied out)
  bool on_device = false;      // has a device copy (written there, or copied in)
};

/// The answer of place().
struct Placement {
  Device target = Device::kCpu;
  std::vector<Device> step_device;        // per step
  std::vector<BufferPlacement> buffers;   // per buffer
  std::vector<Transfer> transfers;        // in execution order
  /// Most bytes of device memory held at once (device_block_bytes per buffer).
  uint64_t device_peak = 0;
  /// Most bytes of host tensor memory held at once (BufferPool::block_bytes per buffer;
  /// graph inputs excluded, outputs kept): with target cpu, ExecutionPlan's sequential peak.
  uint64_t host_peak = 0;
  bool sizes_known = true;

  /// Bytes copied host -> device, and device -> host.
  uint64_t bytes_to_device() const;
  uint64_t bytes_to_host() const;
};

/// Places `problem` for `target` (rules above). With target cpu, every step runs on the host,
/// every buffer lives there, and there are no transfers.
Placement place(const PlacementProblem& problem, Device target);

/// Why a run of `placement` cannot fit in `device_memory` bytes of a device named `device`
/// ("this graph needs 3.00 GiB of device memory at its peak, more than the 2.00 GiB of
/// NVIDIA X"), or nullopt when it fits (or the sizes are not known yet).
std::optional<std::string> device_memory_refusal(const Placement& placement, uint64_t device_memory,
                                                 const std::string& device);

}  // namespace graphrun
