// `graphrun explain --device cuda`: where each step runs, every transfer with its size, the
// device and host peaks, and, when a device is known, whether the graph fits in its memory.
#pragma once

#include "ir/graph.h"
#include "scheduler/placement.h"

#include <cstdint>
#include <functional>
#include <string>

namespace graphrun {

/// The device a plan is explained for: the one probe_device() found, or why there is none.
struct ExplainDevice {
  Device device = Device::kCuda;
  std::string name;       // "NVIDIA H200"; empty when there is no device
  uint64_t memory = 0;    // its memory in bytes (a device is refused a graph whose peak is more)
  std::string absent;     // why there is no device, when `name` is empty
};

/// The CUDA source of an elementwise step's kernel (`node` is a fused group or an elementwise
/// op of `graph`, driver/elementwise_kernel_source.h). Explain prints it for each such step
/// placed on the device; unset (tests), the section is left out.
using KernelSourceFn = std::function<std::string(const Graph& graph, const Node& node)>;

/// The placement section of explain for `graph` after the passes: a line per step (device,
/// op), the transfers in order (buffer, direction, bytes, before which step), the totals, the
/// device and host peaks, a refusal line when the device's memory is too small, whether
/// `--repeat` replays the run as one CUDA graph (graph_capture.h), and each
/// elementwise step's kernel source when `kernel_source` is given.
std::string placement_text(const Graph& graph, const ExplainDevice& device, const KernelSourceFn& kernel_source = {});

}  // namespace graphrun
