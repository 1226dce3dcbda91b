#include "scheduler/graph_capture.h"

#include <fmt/format.h>

namespace graphrun {

GraphCapture plan_graph_capture(const Graph& graph, const PlacementProblem& problem, const Placement& placement) {
  GraphCapture capture;
  // A value is "device-made" when a device step wrote it or a host step computed it from one.
  std::vector<bool> device_made(problem.buffers.size(), false);
  for (size_t s = 0; s < problem.steps.size(); ++s) {
    const PlacementStep& step = problem.steps[s];
    bool from_device = placement.step_device[s] == Device::kCuda;
    if (!from_device) {
      for (int b : step.reads)
        if (device_made[b]) {
          const Node& node = graph.nodes[step.node];
          const Node& producer = graph.nodes[problem.buffers[b].value.node];
          capture.refusal = fmt::format(
              "node '{}' runs on the host and reads '{}', made on the device: the run is enqueued step by step",
              node.id, producer.id);
          return capture;
        }
      capture.host_steps.push_back(static_cast<int>(s));
    } else {
      capture.device_steps.push_back(static_cast<int>(s));
    }
    for (int b : step.writes) device_made[b] = from_device;
  }
  if (capture.device_steps.empty()) {
    capture.refusal = "no step runs on the device";
    return capture;
  }
  for (const Transfer& t : placement.transfers)
    (t.direction == TransferDirection::kToDevice ? capture.copies_in : capture.copies_out).push_back(t.buffer);
  return capture;
}

std::string graph_capture_text(const Graph& graph, const PlacementProblem& problem, const Placement& placement) {
  const GraphCapture capture = plan_graph_capture(graph, problem, placement);
  if (capture.refusal) return "--repeat: not replayed as a CUDA graph: " + *capture.refusal;
  std::string text = fmt::format("--repeat: replayed as one CUDA graph of {} step{}", capture.device_steps.size(),
                                 capture.device_steps.size() == 1 ? "" : "s");
  if (!capture.host_steps.empty())
    text += fmt::format(", after {} host step{} run before each launch", capture.host_steps.size(),
                        capture.host_steps.size() == 1 ? "" : "s");
  return text;
}

}  // namespace graphrun
