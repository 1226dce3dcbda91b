// How much memory a run plans to hold, how much the machine can give it, and byte sizes as
// people write them. `graphrun explain` prints the plan; `graphrun run` refuses a plan that
// does not fit.
#pragma once

#include "ir/graph.h"

#include <cstdint>
#include <optional>
#include <string>

namespace graphrun {

/// Tensor memory of a sequential run in topological order: each buffer lives from its
/// producer to its last consumer, graph outputs to the end. Graph inputs are not counted.
struct MemoryPlan {
  bool known = false;     // false while some shape is unknown (an input of size -1 not given)
  uint64_t peak = 0;      // most bytes held at once
  uint64_t outputs = 0;   // bytes of the graph's outputs
};
MemoryPlan plan_memory(const Graph& graph);

/// Bytes this process can still get without swapping: MemAvailable of /proc/meminfo, or
/// less when its memory cgroup (v1 or v2) has a limit closer. nullopt when unknown.
std::optional<uint64_t> available_memory();

/// "512 B", "1.5 KiB", "20.0 MiB", "26.80 GiB".
std::string human_bytes(uint64_t bytes);

/// "24G", "512MiB", "1.5T", "4096" (binary units: 1K = 1024 bytes; B, iB optional, any case).
/// nullopt when `text` is not such a size.
std::optional<uint64_t> parse_byte_size(const std::string& text);

}  // namespace graphrun
