#include "sharding/shard_plan.h"

#include "distributed/blocks.h"
#include "graph/diagnostics.h"
#include "sharding/shard_rules.h"

#include <fmt/format.h>

#include <algorithm>

namespace graphrun::sharding {

bool ShardPlan::sharded() const {
  return std::any_of(nodes.begin(), nodes.end(), [](const NodePlan& n) {
    return std::any_of(n.out_axes.begin(), n.out_axes.end(), [](int a) { return a >= 0; });
  });
}

namespace {

std::string op_name(const Node& node) { return node.op->desc.name; }

// The first axis d along which the op is independent and every sharded port is held in
// blocks along exactly the axis lined up with d; the ports every rank holds whole that line
// up with d (and are not broadcast along it) are blocked. `lined_up` tells whether some d
// had a rule at all (else the op mixes the elements along the sharded axes).
// A rule with a min_block the smallest block does not reach is passed over (plan.why says so).
bool keep_sharding(const Graph& g, const Node& node, const std::vector<int>& in_axes, int ranks, NodePlan& plan,
                   bool& lined_up) {
  lined_up = false;
  for (int d = 0; d < GR_MAX_RANK; ++d) {
    const std::optional<AxisMap> m = independent_along(g, node, d);
    if (!m) continue;
    bool on_d = false;  // some sharded port lines up with d
    for (size_t p = 0; p < in_axes.size(); ++p) on_d = on_d || (in_axes[p] >= 0 && m->port_axes[p] == in_axes[p]);
    lined_up = lined_up || on_d;
    bool ok = true;
    for (size_t p = 0; p < in_axes.size() && ok; ++p) ok = in_axes[p] < 0 || m->port_axes[p] == in_axes[p];
    if (!ok) continue;
    if (m->min_block > 0) {
      const size_t p = static_cast<size_t>(std::find_if(in_axes.begin(), in_axes.end(), [](int a) { return a >= 0; }) -
                                           in_axes.begin());
      const int64_t smallest =
          distributed::block_of(port_shape(g, node, p)[static_cast<size_t>(in_axes[p])], ranks - 1, ranks).size();
      if (smallest < m->min_block) {
        plan.why = fmt::format("'{}' over ranks needs blocks of at least {} elements along axis {} of '{}'; the "
                               "smallest holds {}", op_name(node), m->min_block, in_axes[p], node.input_ports[p], smallest);
        continue;
      }
    }
    for (size_t p = 0; p < in_axes.size(); ++p) {
      const int a = m->port_axes[p];
      if (in_axes[p] < 0 && a >= 0 && port_shape(g, node, p)[static_cast<size_t>(a)] > 1)
        plan.ports[p] = {PortMove::kBlock, a};
    }
    plan.out_axes = m->out_axes;
    plan.scan = m->scan;
    plan.sums_over_ranks = m->sums_over_ranks;
    return true;
  }
  return false;
}

// A stencil along the sharded axis: every sharded port held along its lined-up axis gets a
// halo, every port held whole that lines up gets its block with the same halo. False (the
// node gathers) when the smallest block is shorter than the halo: its neighbours would need
// a rank beyond it.
bool halo_exchange(const Graph& g, const Node& node, const std::vector<int>& in_axes, int ranks, NodePlan& plan) {
  for (int d = 0; d < GR_MAX_RANK; ++d) {
    const std::optional<StencilMap> m = stencil_along(g, node, d);
    if (!m) continue;
    bool ok = true;
    for (size_t q = 0; q < in_axes.size() && ok; ++q) ok = in_axes[q] < 0 || m->axes.port_axes[q] == in_axes[q];
    if (!ok) continue;
    const size_t p = static_cast<size_t>(std::find_if(in_axes.begin(), in_axes.end(), [](int a) { return a >= 0; }) -
                                         in_axes.begin());
    const int64_t length = port_shape(g, node, p)[static_cast<size_t>(in_axes[p])];
    const int64_t smallest = distributed::block_of(length, ranks - 1, ranks).size();
    if (smallest < m->min_block) {
      const bool ends = m->min_block > std::max(m->left, m->right);
      plan.why = fmt::format("'{}' needs blocks of at least {} elements along axis {} of '{}' (its halo of {}|{} comes "
                             "from the neighbours' blocks alone{}); the smallest holds {}",
                             op_name(node), m->min_block, in_axes[p], node.input_ports[p], m->left, m->right,
                             ends ? ", and its end formulas need their points on the first and last ranks" : "", smallest);
      return false;
    }
    if (m->left == 0 && m->right == 0) {  // conv1d with a kernel of one tap: no stencil
      plan.out_axes = m->axes.out_axes;
      return true;
    }
    for (size_t q = 0; q < in_axes.size(); ++q) {
      const int a = m->axes.port_axes[q];
      if (a < 0) continue;
      const Shape& shape = port_shape(g, node, q);
      if (in_axes[q] >= 0) {
        plan.ports[q] = {PortMove::kHalo, a, m->left, m->right};
        plan.halo_bytes += tensor_bytes(shape, g.dtype) / static_cast<uint64_t>(shape[static_cast<size_t>(a)]) *
                           static_cast<uint64_t>(m->left + m->right);
      } else if (shape[static_cast<size_t>(a)] > 1) {
        plan.ports[q] = {PortMove::kBlock, a, m->left, m->right};
      }
    }
    plan.out_axes = m->axes.out_axes;
    plan.stencil = true;
    plan.conv_padding = m->conv_padding;
    plan.halo_left = m->left;
    plan.halo_right = m->right;
    return true;
  }
  return false;
}

}  // namespace

ShardPlan propagate_shards(const Graph& g, int ranks) {
  ShardPlan plan;
  plan.nodes.resize(g.nodes.size());
  DiagnosticSink sink;
  for (int i : g.topo_order()) {
    const Node& node = g.nodes[static_cast<size_t>(i)];
    NodePlan& np = plan.nodes[static_cast<size_t>(i)];
    np.out_axes.assign(node.output_shapes.size(), -1);
    if (node.removed || node.invalid) continue;
    if (node.kind == NodeKind::kInput) {
      auto it = g.input_shards.find(i);
      if (it == g.input_shards.end() || node.output_shapes.empty()) continue;
      const auto& [axis, loc] = it->second;
      const int64_t length = node.output_shapes[0][static_cast<size_t>(axis)];
      if (length < ranks)
        sink.error(loc, "input '" + node.id + "': axis " + std::to_string(axis) + " has " + std::to_string(length) +
                            " elements, fewer than the " + std::to_string(ranks) + " ranks it is sharded over (run on at most " +
                            std::to_string(length) + " ranks, or hold it whole with --shard " + node.id + "=none)");
      np.out_axes[0] = axis;
      continue;
    }
    if (node.kind != NodeKind::kOp) continue;
    std::vector<int> in_axes;
    for (const ValueRef& ref : node.inputs)
      in_axes.push_back(plan.nodes[static_cast<size_t>(ref.node)].out_axes[static_cast<size_t>(ref.port)]);
    np.ports.assign(node.inputs.size(), PortPlan{});
    if (std::all_of(in_axes.begin(), in_axes.end(), [](int a) { return a < 0; })) continue;
    bool lined_up = false;
    if (keep_sharding(g, node, in_axes, ranks, np, lined_up)) continue;
    if (halo_exchange(g, node, in_axes, ranks, np)) continue;
    const std::string op = op_name(node);
    if (op == "max" && in_axes.size() == 1) {
      // A max over the sharded axis: each rank's max of its block, then the max over ranks.
      const std::vector<int> reduced = reduced_axes(g, node);
      if (std::find(reduced.begin(), reduced.end(), in_axes[0]) != reduced.end()) {
        np.combine = Combine::kMax;
        np.combine_axis = in_axes[0];
        continue;
      }
    }
    for (size_t p = 0; p < in_axes.size(); ++p) {
      if (in_axes[p] < 0) continue;
      np.ports[p] = {PortMove::kGather, in_axes[p]};
      if (np.why.empty())
        np.why = lined_up ? "its inputs are split along axes that do not line up"
                          : "'" + op + "' mixes the elements along axis " + std::to_string(in_axes[p]) + " of '" +
                                node.input_ports[p] + "'";
    }
  }
  sink.throw_if_any();
  return plan;
}

}  // namespace graphrun::sharding
