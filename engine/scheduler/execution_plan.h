// The execution plan: what running a graph takes, worked out once and never changed after.
// Steps in topological order, buffers with their consumer counts, each step's prepared op
// state, compiled program and gr_node template, the strings a crash report names. Any
// number of runs read one plan at the same time; what a run changes lives in its RunState.
#pragma once

#include "expr/expr.h"
#include "ir/graph.h"
#include "ir/node_call.h"
#include "plugin_host/running_step.h"
#include "scheduler/placement.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace graphrun {

/// One tensor a run holds: a node output, or a graph input the caller supplies.
struct PlannedBuffer {
  Shape shape;
  uint64_t bytes = 0;
  int consumers = 0;    // steps reading it (each once, however many of its ports do)
  bool pinned = false;  // a graph output: handed to the caller, never released by the run
  int input_node = -1;  // a graph input: supplied by the caller
  /// Where its producer writes it (graph inputs: the host); placement() says whether a copy
  /// lives on the other side too.
  gr_memory memory = GR_MEMORY_HOST;
};

/// What the profile and the trace say of a step.
struct StepInfo {
  int node;
  std::string label;  // node id, or the fused group's id
  std::string op;
  uint64_t bytes_moved;  // read + written
};

/// One kernel call (an op node, or a fused elementwise group).
struct PlannedStep {
  int node = -1;
  const OpInfo* op = nullptr;
  /// The gr_node as the op's prepare saw it (attributes, params, state, input headers);
  /// each run copies it and points the copy at its own tensors.
  std::unique_ptr<NodeCall> call;
  std::vector<int> in_buffers;  // per input port (a buffer read twice appears twice)
  std::vector<int> distinct_in_buffers;
  std::vector<int> out_buffers;
  std::vector<gr_tensor> out_headers;  // shape and dtype; a run sets the data
  size_t first_input = 0, first_output = 0;  // offsets into a run's flat tensor arrays
  std::vector<int> successors;  // steps reading an output of this one (each once)
  std::shared_ptr<const expr::Program> program;  // elementwise and fused steps
  void* state = nullptr;                         // what the op's prepare returned
  RunningStep running;  // node, op and plugin names for crash reports (no progress target)
};

class ExecutionPlan {
 public:
  /// Plans `graph` (shapes inferred, passes run), which must outlive the plan; prepares
  /// every op that has state. A failing prepare releases the states already prepared and
  /// throws GraphError (the node's fault) or RunError (the plugin's). Steps are placed for
  /// `device` (placement.h): with cuda, each buffer's memory is where its producer runs.
  explicit ExecutionPlan(const Graph& graph, Device device = Device::kCpu);
  /// Releases the prepared states.
  ~ExecutionPlan();
  ExecutionPlan(const ExecutionPlan&) = delete;
  ExecutionPlan& operator=(const ExecutionPlan&) = delete;

  const Graph& graph() const { return graph_; }
  const std::vector<PlannedStep>& steps() const { return steps_; }
  const std::vector<PlannedBuffer>& buffers() const { return buffers_; }
  const std::vector<StepInfo>& infos() const { return infos_; }
  /// Steps without predecessors.
  const std::vector<int>& sources() const { return sources_; }
  /// Each step feeds the next and nothing else: running them in order is the best schedule.
  bool is_chain() const { return chain_; }
  /// The buffer holding `ref`.
  int buffer_of(ValueRef ref) const { return buffer_of_.at(ref); }
  /// Input and output ports over all steps (the sizes of a run's flat tensor arrays).
  size_t total_inputs() const { return total_inputs_; }
  size_t total_outputs() const { return total_outputs_; }
  /// The peak of tensor memory (in BufferPool::block_bytes, inputs excluded) when the steps
  /// run one at a time in plan order, as with one thread: each output allocated when its
  /// step starts, each buffer released after its last consumer, graph outputs kept.
  uint64_t sequential_peak_bytes() const;
  /// Where each step runs, where each buffer lives, the transfers, the device peak.
  const Placement& placement() const { return placement_; }

 private:
  int add_buffer(ValueRef ref);
  void plan();
  void release_states();

  const Graph& graph_;
  std::vector<PlannedBuffer> buffers_;
  std::map<ValueRef, int> buffer_of_;
  std::vector<PlannedStep> steps_;
  std::vector<StepInfo> infos_;
  std::vector<int> sources_;
  bool chain_ = false;
  Placement placement_;
  size_t total_inputs_ = 0, total_outputs_ = 0;
};

}  // namespace graphrun
