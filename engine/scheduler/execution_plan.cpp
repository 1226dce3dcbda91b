#include "scheduler/execution_plan.h"

#include "ir/fused_group.h"
#include "scheduler/buffer_pool.h"

#include <algorithm>

namespace graphrun {

ExecutionPlan::ExecutionPlan(const Graph& graph, Device device) : graph_(graph) {
  try {
    plan();
  } catch (...) {
    release_states();  // the states prepared before the failing one
    throw;
  }
  placement_ = place(placement_problem(*this), device);
  for (size_t b = 0; b < buffers_.size(); ++b)
    buffers_[b].memory = placement_.buffers[b].home == Device::kCuda ? GR_MEMORY_DEVICE : GR_MEMORY_HOST;
}

ExecutionPlan::~ExecutionPlan() { release_states(); }

void ExecutionPlan::release_states() {
  for (auto& s : steps_)
    if (s.state && s.op && s.op->desc.release) s.op->desc.release(s.op->desc.user, s.state);
  for (auto& s : steps_) s.state = nullptr;
}

int ExecutionPlan::add_buffer(ValueRef ref) {
  auto [it, added] = buffer_of_.try_emplace(ref, static_cast<int>(buffers_.size()));
  if (added) {
    PlannedBuffer b;
    b.shape = graph_.nodes[ref.node].output_shapes[ref.port];
    b.bytes = tensor_bytes(b.shape, graph_.dtype);
    if (graph_.nodes[ref.node].kind == NodeKind::kInput) b.input_node = ref.node;
    buffers_.push_back(b);
  }
  return it->second;
}

void ExecutionPlan::plan() {
  std::vector<int> order = graph_.topo_order();
  std::vector<int> step_of(graph_.nodes.size(), -1);
  for (int i : order) {
    const Node& node = graph_.nodes[i];
    if (node.kind == NodeKind::kInput) {
      add_buffer({i, 0});
      continue;
    }
    const bool fused = node.kind == NodeKind::kFused;
    PlannedStep s;
    s.node = i;
    s.op = node.op;
    s.call = std::make_unique<NodeCall>(graph_, node);
    for (const auto& in : node.inputs) s.in_buffers.push_back(add_buffer(in));
    s.distinct_in_buffers = s.in_buffers;
    std::sort(s.distinct_in_buffers.begin(), s.distinct_in_buffers.end());
    s.distinct_in_buffers.erase(std::unique(s.distinct_in_buffers.begin(), s.distinct_in_buffers.end()),
                                s.distinct_in_buffers.end());
    for (int b : s.distinct_in_buffers) ++buffers_[b].consumers;
    for (size_t k = 0; k < node.output_shapes.size(); ++k) {
      s.out_buffers.push_back(add_buffer({i, static_cast<int>(k)}));
      s.out_headers.push_back(tensor_header(node.output_shapes[k], graph_.dtype));
    }
    s.first_input = total_inputs_;
    s.first_output = total_outputs_;
    total_inputs_ += s.in_buffers.size();
    total_outputs_ += s.out_buffers.size();
    if (fused) {
      s.program = node.fused->program;
    } else if (node.op->elementwise() && !node.op->desc.cpu_kernel) {
      expr::AstPtr formula = elementwise_formula(graph_, node);
      s.program = expr::Program::compile(std::span(&formula, 1), node.input_ports);
    } else if (node.op->desc.prepare) {
      gr_status status{};
      int rc = node.op->desc.prepare(node.op->desc.user, &s.call->node(), &s.state, &status);
      if (rc == GR_USER_ERROR) {
        steps_.push_back(std::move(s));  // so that its state, if any, is released
        throw GraphError(node.loc, "node '" + node.id + "': " + status.message);
      }
      if (rc != GR_OK) {
        steps_.push_back(std::move(s));
        throw RunError(plugin_fault(node, "prepare failed: " + std::string(status.message)));
      }
      s.call->node().state = s.state;
    }
    uint64_t moved = 0;
    for (int b : s.in_buffers) moved += buffers_[b].bytes;
    for (int b : s.out_buffers) moved += buffers_[b].bytes;
    std::string op_name = fused ? "fused(" + std::to_string(node.fused->member_ids.size()) + ")" : node.op->desc.name;
    infos_.push_back({i, node.id, op_name, moved});
    // The strings belong to the graph and to the registry (plugins are never unloaded), so
    // they stay valid for as long as the plan: the crash reporter may read them any time.
    s.running.node = node.id.c_str();
    s.running.op = fused ? "fused elementwise group" : node.op->desc.name;
    s.running.plugin = fused ? "(engine)" : node.op->plugin.c_str();
    s.running.step = static_cast<int>(steps_.size());
    s.running.scan_rank = node.scan_rank;
    s.running.scan_ranks = node.scan_ranks;
    step_of[i] = static_cast<int>(steps_.size());
    steps_.push_back(std::move(s));
  }
  for (const auto& [name, ref] : graph_.outputs) buffers_[add_buffer(ref)].pinned = true;
  for (size_t s = 0; s < steps_.size(); ++s) {
    std::vector<int> preds;
    for (const auto& in : graph_.nodes[steps_[s].node].inputs)
      if (step_of[in.node] >= 0) preds.push_back(step_of[in.node]);
    std::sort(preds.begin(), preds.end());
    preds.erase(std::unique(preds.begin(), preds.end()), preds.end());
    for (int p : preds) steps_[p].successors.push_back(static_cast<int>(s));
    if (preds.empty()) sources_.push_back(static_cast<int>(s));
  }
  chain_ = true;
  for (size_t s = 0; s + 1 < steps_.size(); ++s)
    chain_ = chain_ && steps_[s].successors.size() == 1 && steps_[s].successors[0] == static_cast<int>(s + 1);
}

uint64_t ExecutionPlan::sequential_peak_bytes() const {
  std::vector<int> remaining(buffers_.size());
  for (size_t b = 0; b < buffers_.size(); ++b) remaining[b] = buffers_[b].consumers;
  auto releasable = [&](int b) { return !buffers_[b].pinned && buffers_[b].input_node < 0; };
  uint64_t live = 0, peak = 0;
  for (const auto& s : steps_) {
    for (int b : s.out_buffers) live += BufferPool::block_bytes(buffers_[b].bytes);
    peak = std::max(peak, live);
    for (int b : s.distinct_in_buffers)
      if (--remaining[b] == 0 && releasable(b)) live -= BufferPool::block_bytes(buffers_[b].bytes);
    for (int b : s.out_buffers)
      if (buffers_[b].consumers == 0 && releasable(b)) live -= BufferPool::block_bytes(buffers_[b].bytes);
  }
  return peak;
}

}  // namespace graphrun
