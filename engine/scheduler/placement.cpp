#include "scheduler/placement.h"

#include "scheduler/buffer_pool.h"
#include "scheduler/buffer_type.h"
#include "scheduler/device_support.h"
#include "scheduler/execution_plan.h"
#include "scheduler/memory_budget.h"

#include <algorithm>
#include <map>

namespace graphrun {
namespace {

bool shape_known(const Shape& shape) {
  return std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d >= 0; });
}

/// Bytes held on one side, with its peak.
struct Side {
  uint64_t live = 0, peak = 0;
  void hold(uint64_t bytes) {
    live += bytes;
    peak = std::max(peak, live);
  }
  void drop(uint64_t bytes) { live -= bytes; }
};

}  // namespace

const char* device_name(Device device) { return device == Device::kCuda ? "cuda" : "cpu"; }

PlacementProblem placement_problem(const Graph& graph) {
  PlacementProblem problem;
  std::map<ValueRef, int> buffer_of;
  auto buffer = [&](ValueRef ref) {
    auto [it, added] = buffer_of.try_emplace(ref, static_cast<int>(problem.buffers.size()));
    if (added) {
      const Node& node = graph.nodes[ref.node];
      PlacementBuffer b;
      b.value = ref;
      const bool known = ref.port >= 0 && ref.port < static_cast<int>(node.output_shapes.size()) &&
                         shape_known(node.output_shapes[ref.port]);
      if (known) b.bytes = tensor_bytes(node.output_shapes[ref.port], graph.dtype);
      problem.sizes_known = problem.sizes_known && known;
      b.graph_input = node.kind == NodeKind::kInput;
      problem.buffers.push_back(b);
    }
    return it->second;
  };
  for (int i : graph.topo_order()) {
    const Node& node = graph.nodes[i];
    if (node.kind == NodeKind::kInput) {
      buffer({i, 0});
      continue;
    }
    PlacementStep step;
    step.node = i;
    step.has_cuda_kernel = has_cuda_kernel(node);
    for (const auto& in : node.inputs) step.reads.push_back(buffer(in));
    std::sort(step.reads.begin(), step.reads.end());
    step.reads.erase(std::unique(step.reads.begin(), step.reads.end()), step.reads.end());
    const size_t outputs = std::max(node.output_shapes.size(), node.output_names.size());
    for (size_t k = 0; k < outputs; ++k) step.writes.push_back(buffer({i, static_cast<int>(k)}));
    problem.steps.push_back(std::move(step));
  }
  for (const auto& [name, ref] : graph.outputs)
    if (ref.node >= 0 && ref.port >= 0) problem.buffers[buffer(ref)].graph_output = true;  // unresolved: left out
  return problem;
}

PlacementProblem placement_problem(const ExecutionPlan& plan) {
  PlacementProblem problem;
  for (const auto& b : plan.buffers()) problem.buffers.push_back({{b.input_node, 0}, b.bytes, b.input_node >= 0, b.pinned});
  for (const auto& s : plan.steps()) {
    problem.steps.push_back({s.node, has_cuda_kernel(plan.graph().nodes[s.node]), s.distinct_in_buffers, s.out_buffers});
    for (size_t k = 0; k < s.out_buffers.size(); ++k) problem.buffers[s.out_buffers[k]].value = {s.node, static_cast<int>(k)};
  }
  return problem;
}

uint64_t Placement::bytes_to_device() const {
  uint64_t total = 0;
  for (const auto& t : transfers)
    if (t.direction == TransferDirection::kToDevice) total += t.bytes;
  return total;
}

uint64_t Placement::bytes_to_host() const {
  uint64_t total = 0;
  for (const auto& t : transfers)
    if (t.direction == TransferDirection::kToHost) total += t.bytes;
  return total;
}

Placement place(const PlacementProblem& problem, Device target) {
  const int n = static_cast<int>(problem.steps.size());
  const size_t nb = problem.buffers.size();
  Placement p;
  p.target = target;
  p.sizes_known = problem.sizes_known;
  p.step_device.resize(problem.steps.size());
  p.buffers.resize(nb);

  // Who writes each buffer, and each side's first and last readers.
  std::vector<int> producer(nb, -1), first_device_read(nb, -1), last_device_read(nb, -1), last_host_read(nb, -1);
  std::vector<bool> host_read(nb, false);
  for (int s = 0; s < n; ++s) {
    const PlacementStep& step = problem.steps[s];
    const Device device = target == Device::kCuda && step.has_cuda_kernel ? Device::kCuda : Device::kCpu;
    p.step_device[s] = device;
    for (int b : step.writes) producer[b] = s;
    for (int b : step.reads) {
      if (device == Device::kCuda) {
        if (first_device_read[b] < 0) first_device_read[b] = s;
        last_device_read[b] = s;
      } else {
        host_read[b] = true;
        last_host_read[b] = s;
      }
    }
  }

  // Where each buffer lives, and the copies that put it on the other side.
  std::vector<std::vector<int>> copied_out_before(n + 1), copied_in_before(n + 1);
  for (size_t b = 0; b < nb; ++b) {
    BufferPlacement& where = p.buffers[b];
    const PlacementBuffer& buffer = problem.buffers[b];
    where.home = producer[b] >= 0 ? p.step_device[producer[b]] : Device::kCpu;
    where.on_host = where.home == Device::kCpu || host_read[b] || buffer.graph_output;
    where.on_device = where.home == Device::kCuda || first_device_read[b] >= 0;
    if (where.home == Device::kCpu && where.on_device)
      copied_in_before[first_device_read[b]].push_back(static_cast<int>(b));
    if (where.home == Device::kCuda && where.on_host) copied_out_before[producer[b] + 1].push_back(static_cast<int>(b));
  }

  // Each copy is held from when it is written to its last use (a reader, or a copy made from
  // it). Times: 2s is "before step s" (the copies), 2s + 1 is step s itself.
  auto before = [](int s) { return 2 * s; };
  auto during = [](int s) { return 2 * s + 1; };
  const int end_time = 2 * n + 1;  // graph outputs stay on the host to the end
  std::vector<int> host_last(nb, -1), device_last(nb, -1);
  for (size_t b = 0; b < nb; ++b) {
    const BufferPlacement& where = p.buffers[b];
    int& h = host_last[b];
    int& d = device_last[b];
    if (producer[b] >= 0) (where.home == Device::kCuda ? d : h) = during(producer[b]);
    if (last_host_read[b] >= 0) h = std::max(h, during(last_host_read[b]));
    if (last_device_read[b] >= 0) d = std::max(d, during(last_device_read[b]));
    if (where.home == Device::kCpu && where.on_device) h = std::max(h, before(first_device_read[b]));
    if (where.home == Device::kCuda && where.on_host) {
      h = std::max(h, before(producer[b] + 1));
      d = std::max(d, before(producer[b] + 1));
    }
    if (problem.buffers[b].graph_output) h = end_time;
  }
  std::vector<std::vector<int>> host_drops(end_time + 1), device_drops(end_time + 1);
  for (size_t b = 0; b < nb; ++b) {
    if (host_last[b] >= 0 && !problem.buffers[b].graph_input) host_drops[host_last[b]].push_back(static_cast<int>(b));
    if (device_last[b] >= 0) device_drops[device_last[b]].push_back(static_cast<int>(b));
  }

  // Walk the times in order, holding and dropping each copy as a sequential run would: the
  // peak of a time counts what it writes before what it frees.
  Side host, device;
  auto host_bytes = [&](int b) { return BufferPool::block_bytes(problem.buffers[b].bytes); };
  auto device_bytes = [&](int b) { return device_block_bytes(problem.buffers[b].bytes); };
  for (int t = 0; t < end_time; ++t) {
    const int s = t / 2;
    if (t % 2 == 0) {
      // Copies out follow the previous step's kernel; copies in precede this step.
      for (int b : copied_out_before[s]) {
        p.transfers.push_back({b, TransferDirection::kToHost, problem.buffers[b].bytes, s});
        host.hold(host_bytes(b));
      }
      for (int b : copied_in_before[s]) {
        p.transfers.push_back({b, TransferDirection::kToDevice, problem.buffers[b].bytes, s});
        device.hold(device_bytes(b));
      }
    } else {
      const bool on_device = p.step_device[s] == Device::kCuda;
      for (int b : problem.steps[s].writes) on_device ? device.hold(device_bytes(b)) : host.hold(host_bytes(b));
    }
    for (int b : host_drops[t]) host.drop(host_bytes(b));
    for (int b : device_drops[t]) device.drop(device_bytes(b));
  }
  if (p.sizes_known) {
    p.device_peak = device.peak;
    p.host_peak = host.peak;
  }
  return p;
}

std::optional<std::string> device_memory_refusal(const Placement& placement, uint64_t device_memory,
                                                 const std::string& device) {
  if (!placement.sizes_known || placement.device_peak <= device_memory) return std::nullopt;
  std::string need = human_bytes(placement.device_peak), have = human_bytes(device_memory);
  if (need == have) {  // close enough to round alike: the bytes tell them apart
    need += " (" + std::to_string(placement.device_peak) + " bytes)";
    have += " (" + std::to_string(device_memory) + " bytes)";
  }
  return "this graph needs " + need + " of device memory at its peak, more than the " + have + " of " + device;
}

}  // namespace graphrun
