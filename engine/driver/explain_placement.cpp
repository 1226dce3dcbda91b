#include "driver/explain_placement.h"

#include "driver/elementwise_kernel_source.h"

#include "ir/fused_group.h"
#include "scheduler/device_support.h"
#include "scheduler/graph_capture.h"
#include "scheduler/memory_budget.h"

#include <fmt/format.h>

#include <sstream>

namespace graphrun {
namespace {

// "h", or "ode:v" for a port other than the first, as explain's order names inputs.
std::string value_name(const Graph& graph, ValueRef ref) {
  const Node& node = graph.nodes[ref.node];
  std::string name = node.id;
  if (ref.port > 0 && ref.port < static_cast<int>(node.output_names.size())) name += ":" + node.output_names[ref.port];
  return name;
}

std::string op_name(const Node& node) {
  if (node.kind == NodeKind::kFused) return "fused(" + std::to_string(node.fused->member_ids.size()) + ")";
  return (node.op ? std::string(node.op->desc.name) : std::string("?")) + (node.epilogue ? "+epilogue" : "");
}

std::string size_text(const Placement& p, uint64_t bytes) {
  return p.sizes_known ? fmt::format("{} ({} bytes)", human_bytes(bytes), bytes) : "? bytes";
}

}  // namespace

std::string placement_text(const Graph& graph, const ExplainDevice& device, const KernelSourceFn& kernel_source) {
  const PlacementProblem problem = placement_problem(graph);
  const Placement p = place(problem, device.device);
  std::ostringstream os;
  os << "placement on " << device_name(device.device);
  if (device.device == Device::kCuda) {
    if (device.name.empty())
      os << ": no CUDA device here: " << device.absent << "; the plan is what a device would run";
    else
      os << ": " << device.name << ", " << human_bytes(device.memory) << " of memory";
  }
  os << "\n";
  for (size_t s = 0; s < problem.steps.size(); ++s) {
    const Node& node = graph.nodes[problem.steps[s].node];
    const bool cpu_fallback = device.device == Device::kCuda && p.step_device[s] == Device::kCpu;
    const char* why = node.scan_ranks > 1 ? "  (a scan split over ranks: its carries go through the host)"
                                          : "  (no CUDA kernel: runs on the host)";
    os << fmt::format("  {:>3}. {:<16} {:<5} {}{}\n", s + 1, node.id, device_name(p.step_device[s]), op_name(node),
                      cpu_fallback ? why : "");
  }
  os << "transfers:";
  if (p.transfers.empty()) os << " none";
  os << "\n";
  for (const Transfer& t : p.transfers) {
    const bool in = t.direction == TransferDirection::kToDevice;
    // A copy in precedes its first reader; a copy out follows its producer.
    const int step = in ? t.before_step : t.before_step - 1;
    const std::string when = fmt::format("{} {:>3}. {}", in ? "before" : "after ", step + 1,
                                         graph.nodes[problem.steps[step].node].id);
    os << fmt::format("  {:<8} {:<16} {}  {}\n", in ? "to cuda" : "to host", value_name(graph, problem.buffers[t.buffer].value),
                      size_text(p, t.bytes), when);
  }
  if (!p.transfers.empty())
    os << "  total: " << size_text(p, p.bytes_to_device()) << " to the device, " << size_text(p, p.bytes_to_host())
       << " to the host\n";
  if (p.sizes_known) {
    os << "memory: device peak " << human_bytes(p.device_peak) << " (graph inputs' device copies included), host peak "
       << human_bytes(p.host_peak) << " (sequential run, graph inputs excluded)\n";
    if (!device.name.empty())
      if (auto refusal = device_memory_refusal(p, device.memory, device.name))
        os << "  refused: " << *refusal << ": `run --device cuda` would not start it\n";
  } else {
    os << "memory: unknown until the inputs' sizes are known (pass --input)\n";
  }
  if (device.device == Device::kCuda) os << graph_capture_text(graph, problem, p) << "\n";
  if (kernel_source)
    for (size_t s = 0; s < problem.steps.size(); ++s) {
      const Node& node = graph.nodes[problem.steps[s].node];
      if (p.step_device[s] != Device::kCuda) continue;
      if (cuda_kernel_applies_epilogue(node)) {
        os << "epilogue of " << node.id << ": folded into its CUDA kernel\n";
        continue;
      }
      const bool epilogue = has_epilogue_kernel(node);
      if (!runs_as_elementwise_kernel(node) && !epilogue) continue;
      const std::string source = kernel_source(graph, node);
      os << (epilogue ? "epilogue kernel of " + node.id + " (in place, after its op's CUDA kernel)"
                      : "kernel of " + node.id)
         << ":\n" << source << (source.ends_with('\n') ? "" : "\n");
    }
  return os.str();
}

}  // namespace graphrun
