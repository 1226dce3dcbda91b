// What `run --repeat N --device cuda` replays as one CUDA graph. The run is captured once and
// each repeat is then one graph launch, instead of one enqueue per kernel and copy: what
// makes a chain of tiny kernels cheap. A graph replays device work only, so the run must be
// one stretch of it: host steps that need no value made on the device run before each launch
// (a `read`, a host-only op on a graph input), the copies of their values and of the graph
// inputs go in just before it, the copies out follow it. A host step that reads a value made
// on the device sits between device steps: such a run is enqueued step by step, as without
// --repeat. A pure function of the placement, so `explain --device cuda` can say which.
#pragma once

#include "ir/graph.h"
#include "scheduler/placement.h"

#include <optional>
#include <string>
#include <vector>

namespace graphrun {

struct GraphCapture {
  /// Why the run cannot be replayed as one graph; nullopt when it can.
  std::optional<std::string> refusal;
  std::vector<int> host_steps;    // run on the host before each launch, in plan order
  std::vector<int> device_steps;  // captured in the graph, in plan order
  std::vector<int> copies_in;     // buffers copied to the device before each launch
  std::vector<int> copies_out;    // buffers copied to the host after it
};

/// The capture of `problem` placed as `placement` (on the CUDA device) for `graph` (whose node
/// ids the refusal names).
GraphCapture plan_graph_capture(const Graph& graph, const PlacementProblem& problem, const Placement& placement);

/// explain's line: "--repeat: replayed as one CUDA graph of 3 steps; ..." or why not.
std::string graph_capture_text(const Graph& graph, const PlacementProblem& problem, const Placement& placement);

}  // namespace graphrun
