// The shard_data pass: propagate the input shards (shard_plan.h), then rewrite the graph into
// this rank's part of it: sharded inputs shrink to the rank's block, a block step before each
// port that takes the rank's block of a value every rank holds, a gather step before each
// port (and graph output) that needs all of a sharded value, a max-over-ranks step after a
// max over the sharded axis, a halo step before a stencil (derivative, conv1d) along the
// sharded axis and a trim step after it. A scan (and a sum or mean over the sharded axis)
// runs on the rank's block and trades its carries itself. Shapes are then inferred again,
// for the blocks.
#include "distributed/blocks.h"
#include "graph/diagnostics.h"
#include "passes/infer_shapes.h"
#include "passes/pass_context.h"
#include "scheduler/memory_budget.h"
#include "sharding/comm_ops.h"
#include "sharding/shard_plan.h"
#include "sharding/shard_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

namespace graphrun {

namespace {

using sharding::Combine;
using sharding::PortMove;
using sharding::PortPlan;

class Rewrite {
 public:
  Rewrite(Graph& g, const sharding::ShardPlan& plan, RankShare share) : g_(g), plan_(plan), share_(share) {}

  void run() {
    const size_t original = g_.nodes.size();
    for (size_t i = 0; i < original; ++i) {
      if (g_.nodes[i].removed || g_.nodes[i].kind != NodeKind::kOp) continue;
      const sharding::NodePlan& np = plan_.nodes[i];
      for (size_t p = 0; p < np.ports.size(); ++p) {
        const sharding::PortPlan& port = np.ports[p];
        if (port.move == PortMove::kNone) continue;
        const OpInfo& op = port.move == PortMove::kGather ? sharding::gather_op()
                           : port.move == PortMove::kHalo ? sharding::halo_op()
                                                          : sharding::block_op();
        const ValueRef to = step_on(g_.nodes[i].inputs[p], op, port.axis, g_.nodes[i].loc, port.left, port.right);
        g_.nodes[i].inputs[p] = to;
        g_.nodes[i].input_ref_ports[p] = "";
      }
      if (np.combine == Combine::kMax) combine_after(static_cast<int>(i));
      if (np.stencil) back_to_block(static_cast<int>(i), np);
      if (np.scan) {
        g_.nodes[i].scan_rank = share_.rank;
        g_.nodes[i].scan_ranks = share_.ranks;
      }
    }
    // Outputs stay in blocks: the command gathers or writes them after the run.
    g_.output_shards.assign(g_.outputs.size(), {-1, 0});
    for (size_t k = 0; k < g_.outputs.size(); ++k) {
      const ValueRef v = g_.outputs[k].second;
      if (const int axis = axis_of(v); axis >= 0)
        g_.output_shards[k] = {axis, g_.nodes[static_cast<size_t>(v.node)].output_shapes[static_cast<size_t>(v.port)][static_cast<size_t>(axis)]};
    }
  }

 private:
  int axis_of(ValueRef v) const {
    if (auto it = trimmed_axes_.find(v.node); it != trimmed_axes_.end()) return it->second;
    if (static_cast<size_t>(v.node) >= plan_.nodes.size()) return -1;  // an inserted step's output: whole
    return plan_.nodes[static_cast<size_t>(v.node)].out_axes[static_cast<size_t>(v.port)];
  }

  using StepKey = std::tuple<ValueRef, const OpInfo*, int, int64_t, int64_t>;

  // The output of `op` applied to `from` along `axis` (with a halo of left, right); one step
  // per value, op, axis and halo.
  ValueRef step_on(ValueRef from, const OpInfo& op, int axis, const SourceLoc& loc, int64_t left = 0,
                   int64_t right = 0) {
    const StepKey key{from, &op, axis, left, right};
    if (auto it = made_.find(key); it != made_.end()) return {it->second, 0};
    const Node& producer = g_.nodes[static_cast<size_t>(from.node)];
    const int64_t length = producer.output_shapes[static_cast<size_t>(from.port)][static_cast<size_t>(axis)];
    Node n;
    n.id = producer.id + (from.port ? ":" + producer.output_names[static_cast<size_t>(from.port)] : "") + "@" +
           op.desc.name + (left || right ? fmt::format("({}|{})", left, right) : "");
    n.op = &op;
    n.loc = n.op_loc = loc;
    n.input_ports = {"x"};
    n.inputs = {from};
    n.input_locs = {loc};
    n.input_ref_ports = {""};
    n.output_names = {"out"};
    n.attrs = attrs(op,
                    {{"axis", axis}, {"length", length}, {"rank", share_.rank}, {"ranks", share_.ranks},
                     {"left", left}, {"right", right}},
                    loc);
    return {add(std::move(n), key), 0};
  }

  // This rank's halo around its block for a stencil node (none at the global ends), and
  // whether conv1d then runs unpadded: the halo covers every side it pads.
  struct RankHalo {
    int64_t left = 0, right = 0;
    bool unpadded = false;
  };
  static RankHalo halo_on(const sharding::NodePlan& np, int rank, int ranks) {
    RankHalo h;
    h.left = rank > 0 ? np.halo_left : 0;
    h.right = rank + 1 < ranks ? np.halo_right : 0;
    h.unpadded = np.conv_padding && h.left == np.halo_left && h.right == np.halo_right;
    return h;
  }

  // After a stencil node ran on its extended block: a conv1d whose halo covers every side it
  // pads runs unpadded instead (its output is the block); otherwise its output loses the halo
  // again (trim). Every rank gets the trim step when any rank needs one (with nothing to drop
  // where there is nothing): the ranks' graphs keep one shape, so their communication steps
  // come in the same order (topo_order picks ready nodes by index).
  void back_to_block(int i, const sharding::NodePlan& np) {
    Node& node = g_.nodes[static_cast<size_t>(i)];
    const RankHalo mine = halo_on(np, share_.rank, share_.ranks);
    if (mine.unpadded) node.attrs = with_string(*node.attrs, "padding", "valid");
    bool any_trim = false;
    for (int r = 0; r < share_.ranks; ++r) {
      const RankHalo h = halo_on(np, r, share_.ranks);
      any_trim = any_trim || (!h.unpadded && h.left + h.right > 0);
    }
    if (!any_trim) return;
    const int64_t left = mine.unpadded ? 0 : mine.left, right = mine.unpadded ? 0 : mine.right;
    const ValueRef from{i, 0};
    const OpInfo* op = &sharding::trim_op();
    Node n;
    n.id = node.id + "@trim";
    n.op = op;
    n.loc = n.op_loc = node.loc;
    n.input_ports = {"x"};
    n.inputs = {from};
    n.input_locs = {n.loc};
    n.input_ref_ports = {""};
    n.output_names = {"out"};
    n.output_shapes = {node.output_shapes[0]};  // the whole value's shape, as the plan knows it
    const int axis = np.out_axes[0];
    n.attrs = attrs(*op, {{"axis", axis}, {"left", left}, {"right", right}}, n.loc);
    const int m = add(std::move(n), StepKey{from, op, axis, left, right});
    trimmed_axes_[m] = axis;
    redirect(from, m);
  }

  // Every reader of `from` (nodes and graph outputs) but node m reads m's output instead.
  void redirect(ValueRef from, int m) {
    for (size_t c = 0; c < g_.nodes.size(); ++c)
      for (size_t p = 0; p < g_.nodes[c].inputs.size(); ++p)
        if (static_cast<int>(c) != m && g_.nodes[c].inputs[p] == from) {
          g_.nodes[c].inputs[p] = {m, 0};
          g_.nodes[c].input_ref_ports[p] = "";
        }
    for (size_t k = 0; k < g_.outputs.size(); ++k)
      if (g_.outputs[k].second == from) {
        g_.outputs[k].second = {m, 0};
        g_.output_ref_ports[k] = "";
      }
  }

  // A copy of `from` with string attribute `name` set to `value` (this rank's node only:
  // the AttrSet may be shared, and its values point into its own storage).
  static std::shared_ptr<AttrSet> with_string(const AttrSet& from, std::string_view name, const std::string& value) {
    auto set = std::make_shared<AttrSet>();
    set->names = from.names;
    set->locs = from.locs;
    set->quoted = from.quoted;
    set->given = from.given;
    set->incomplete = from.incomplete;
    set->entry_locs = from.entry_locs;
    for (const gr_value& v : from.values) set->values.push_back(copy_value(*set, v));
    gr_value& changed = set->values[static_cast<size_t>(set->index(name))];
    changed = gr_value{};
    changed.kind = GR_VALUE_STRING;
    changed.s = set->keep(value);
    return set;
  }

  static gr_value copy_value(AttrSet& into, const gr_value& v) {
    gr_value out = v;
    if (v.s) out.s = into.keep(v.s);
    if (v.items) {
      gr_value* items = into.new_items(static_cast<size_t>(v.count));
      for (int64_t k = 0; k < v.count; ++k) items[k] = copy_value(into, v.items[k]);
      out.items = items;
    }
    if (v.keys) {
      const char** keys = into.new_keys(static_cast<size_t>(v.count));
      for (int64_t k = 0; k < v.count; ++k) keys[k] = into.keep(v.keys[k]);
      out.keys = keys;
    }
    return out;
  }

  // A max over the sharded axis: its consumers (and outputs) read the max over ranks.
  void combine_after(int i) {
    const ValueRef from{i, 0};
    const OpInfo* op = &sharding::max_over_ranks_op();
    Node n;
    n.id = g_.nodes[static_cast<size_t>(i)].id + "@max_over_ranks";
    n.op = op;
    n.loc = n.op_loc = g_.nodes[static_cast<size_t>(i)].loc;
    n.input_ports = {"x"};
    n.inputs = {from};
    n.input_locs = {n.loc};
    n.input_ref_ports = {""};
    n.output_names = {"out"};
    n.attrs = attrs(*op, {}, n.loc);
    const int m = add(std::move(n), StepKey{from, op, -1, 0, 0});
    redirect(from, m);
  }

  int add(Node n, const StepKey& key) {
    g_.nodes.push_back(std::move(n));
    const int index = static_cast<int>(g_.nodes.size()) - 1;
    made_[key] = index;
    return index;
  }

  static std::shared_ptr<AttrSet> attrs(const OpInfo& op, std::initializer_list<std::pair<const char*, int64_t>> given,
                                        const SourceLoc& loc) {
    auto set = std::make_shared<AttrSet>();
    for (const gr_attr_desc& a : op.attrs) {
      gr_value v{};
      for (const auto& [name, value] : given)
        if (std::string_view(name) == a.name) {
          v.kind = GR_VALUE_INT;
          v.i = value;
          v.f = static_cast<double>(value);
        }
      set->names.push_back(a.name);
      set->values.push_back(v);
      set->locs.push_back(loc);
      set->quoted.push_back(false);
      set->given.push_back(true);
    }
    return set;
  }

  Graph& g_;
  const sharding::ShardPlan& plan_;
  RankShare share_;
  std::map<StepKey, int> made_;
  std::map<int, int> trimmed_axes_;  // inserted trim steps: the axis their output is held in blocks along
};

int sharded_axis(const sharding::ShardPlan& plan, ValueRef v) {
  return plan.nodes[static_cast<size_t>(v.node)].out_axes[static_cast<size_t>(v.port)];
}

// The most rank `share.rank` receives for a sum over ranks along `axis` of its input
// (plugins/core/distributed_sum.h): from each other rank its count and, per output element,
// at most two subtree sums per level of the pairwise tree over the N elements each output
// combines (leaves of 128) and two partial leaves (127 elements each), and never more
// values than that rank holds.
uint64_t sum_over_ranks_bytes(const Graph& g, const Node& n, int axis, RankShare share) {
  const Shape& x = sharding::port_shape(g, n, 0);
  int64_t combined = 1;
  for (int a : sharding::reduced_axes(g, n)) combined *= x[static_cast<size_t>(a)];
  int levels = 1;
  for (int64_t left = combined; left > 128; ++levels) left -= left / 2 - left / 2 % 8;  // the larger half
  const int64_t length = x[static_cast<size_t>(axis)];
  const uint64_t per_value = tensor_bytes(n.output_shapes[0], g.dtype);
  uint64_t bytes = 0;
  for (int q = 0; q < share.ranks; ++q) {
    if (q == share.rank) continue;
    const int64_t held = combined / length * distributed::block_of(length, q, share.ranks).size();
    bytes += 16 + per_value * static_cast<uint64_t>(std::min<int64_t>(held, 2 * levels + 2 * 127));
  }
  return bytes;
}

// The value at port p of n as the graph names it: 'e (port x)', or 'lstsq:residual (port x)'.
std::string value_at_port(const Graph& g, const Node& n, size_t p) {
  const ValueRef v = n.inputs[p];
  const Node& from = g.nodes[static_cast<size_t>(v.node)];
  const std::string value = from.output_names.size() > 1 ? from.id + ":" + from.output_names[static_cast<size_t>(v.port)] : from.id;
  return "'" + value + "' (port " + n.input_ports[p] + ")";
}

std::string elements(int64_t count) { return std::to_string(count) + (count == 1 ? " element" : " elements"); }

// What explain shows of the plan: each sharded input's blocks, each node that keeps a
// sharding, blocks, gathers or combines, and the bytes each rank receives.
std::string describe(const Graph& g, const sharding::ShardPlan& plan, RankShare share) {
  if (g.input_shards.empty())
    return fmt::format("sharding over {} ranks: no input is sharded, so every rank runs the whole graph (shard an input "
                       "with `shard: AXIS` in the graph file or --shard name=AXIS)\n",
                       share.ranks);
  std::string out = fmt::format("sharding over {} ranks (the shapes below are rank {}'s):\n", share.ranks, share.rank);
  uint64_t received = 0;
  std::vector<ValueRef> gathered;  // one gather serves every reader of the value
  for (int i : g.topo_order()) {
    const Node& n = g.nodes[static_cast<size_t>(i)];
    if (static_cast<size_t>(i) >= plan.nodes.size() || n.removed) continue;
    const sharding::NodePlan& np = plan.nodes[static_cast<size_t>(i)];
    if (n.kind == NodeKind::kInput) {
      if (np.out_axes.empty() || np.out_axes[0] < 0) continue;
      const int64_t length = n.output_shapes[0][static_cast<size_t>(np.out_axes[0])];
      out += fmt::format("  input {}: axis {} of {} in blocks of {}..{}\n", n.id, np.out_axes[0], length,
                         distributed::block_of(length, share.ranks - 1, share.ranks).size(),
                         distributed::block_of(length, 0, share.ranks).size());
      continue;
    }
    std::vector<std::string> parts;
    uint64_t mine = 0;  // what this rank receives for the node's gathers
    size_t last_gather = 0;  // 1 + the part that names the last of them
    for (size_t p = 0; p < np.ports.size(); ++p) {
      const PortPlan& port = np.ports[p];
      const std::string halo = port.left || port.right ? fmt::format(" with a halo of {}|{}", port.left, port.right) : "";
      if (port.move == PortMove::kBlock)
        parts.push_back(fmt::format("takes its block of {} along axis {}{}", value_at_port(g, n, p), port.axis, halo));
      if (port.move == PortMove::kHalo)
        parts.push_back(fmt::format("exchanges a halo of {} along axis {} with its neighbours: {} from the previous "
                                    "rank, {} from the next", value_at_port(g, n, p), port.axis, elements(port.left),
                                    elements(port.right)));
      if (port.move != PortMove::kGather) continue;
      parts.push_back(fmt::format("gathers {} along axis {}", value_at_port(g, n, p), port.axis));
      last_gather = parts.size();
      if (std::find(gathered.begin(), gathered.end(), n.inputs[p]) != gathered.end()) continue;
      gathered.push_back(n.inputs[p]);
      const Shape& shape = sharding::port_shape(g, n, p);
      const uint64_t whole = tensor_bytes(shape, g.dtype);
      const int64_t length = shape[static_cast<size_t>(port.axis)];
      const int64_t own = distributed::block_of(length, share.rank, share.ranks).size();
      mine += whole - whole / static_cast<uint64_t>(length) * static_cast<uint64_t>(own);
    }
    if (last_gather)
      parts[last_gather - 1] += fmt::format(" ({}; {})", np.why,
                                            mine ? human_bytes(mine) + " received by this rank"
                                                 : std::string("the gather above serves it: nothing more received"));
    if (np.stencil) {
      parts.back() += fmt::format(" (at most {} received per rank, one MPI_Sendrecv each way; none beyond the first and "
                                  "last blocks)", human_bytes(np.halo_bytes));
      parts.push_back(np.conv_padding ? "runs unpadded where the halo covers its padding, else trims its output to the block"
                                      : "trims its output back to the block");
    }
    if (np.sums_over_ranks) {
      const uint64_t bytes = sum_over_ranks_bytes(g, n, sharded_axis(plan, n.inputs[0]), share);
      mine += bytes;
      parts.push_back(fmt::format("all-reduces {} along axis {}: each rank sums the subtrees of one process's pairwise "
                                  "tree inside its block, then one all-gather of those sums and of the leaves across "
                                  "block edges (at most {} received by this rank; the same bits as one process)",
                                  value_at_port(g, n, 0), sharded_axis(plan, n.inputs[0]), human_bytes(bytes)));
    } else if (np.scan) {
      parts.push_back("a scan over ranks: each runs its block and trades a carry with the others");
    }
    if (np.combine == Combine::kMax)
      parts.push_back(fmt::format("max of its block along axis {}, then the max over ranks (one all-reduce of {})",
                                  np.combine_axis, human_bytes(tensor_bytes(n.output_shapes[0], g.dtype))));
    std::string axes;
    for (size_t k = 0; k < np.out_axes.size(); ++k)
      if (np.out_axes[k] >= 0) axes += fmt::format("{}{} axis {}", axes.empty() ? "" : ", ", n.output_names[k], np.out_axes[k]);
    if (parts.empty() && axes.empty()) continue;
    parts.push_back(axes.empty() ? "output whole on every rank" : "keeps blocks: " + axes);
    std::string what;
    for (const std::string& part : parts) what += (what.empty() ? "" : "; ") + part;
    out += fmt::format("  {} ({}): {}\n", n.id, n.op->desc.name, what);
    received += mine + np.halo_bytes;
  }
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    const ValueRef v = g.outputs[k].second;
    const int axis = plan.nodes[static_cast<size_t>(v.node)].out_axes[static_cast<size_t>(v.port)];
    if (axis < 0) {
      out += fmt::format("  output {}: whole on every rank (rank 0 prints or writes it)\n", g.outputs[k].first);
      continue;
    }
    const uint64_t bytes = tensor_bytes(g.nodes[static_cast<size_t>(v.node)].output_shapes[static_cast<size_t>(v.port)], g.dtype);
    out += fmt::format("  output {}: in blocks along axis {}; with -o DIR each rank writes its blocks (MPI-IO), to "
                       "print or for other formats rank 0 gathers them ({} in all)\n", g.outputs[k].first, axis, human_bytes(bytes));
  }
  out += fmt::format("  communication: at most {} received by this rank in gathers, halos and sums over ranks, besides "
                     "the carries and max values above\n",
                     human_bytes(received));
  return out;
}

}  // namespace

void run_shard_data(Graph& graph, const PassContext& context) {
  if (context.share.ranks <= 1) return;
  for (const auto& [node, declared] : graph.input_specs) {
    const auto it = context.input_shapes.find(node);
    const Shape& shape = it != context.input_shapes.end() ? it->second : declared;
    if (std::any_of(shape.begin(), shape.end(), [](int64_t d) { return d < 0; })) {
      graph.sharding_text = fmt::format("sharding over {} ranks: shown when every input's shape is known (pass --input)\n",
                                        context.share.ranks);
      return;
    }
  }
  const sharding::ShardPlan plan = sharding::propagate_shards(graph, context.share.ranks);
  graph.sharding_text = describe(graph, plan, context.share);
  Rewrite(graph, plan, context.share).run();
  // The rank's blocks of the sharded inputs; shapes then follow from them.
  std::map<int, Shape> local = context.input_shapes;
  for (auto& [node, shard] : graph.input_shards) {
    const int axis = shard.first;
    Shape& declared = graph.input_specs[node];
    Shape& shape = local.count(node) ? local[node] : (local[node] = declared);
    if (shape.empty() || shape[static_cast<size_t>(axis)] < 0) continue;
    shape[static_cast<size_t>(axis)] = distributed::block_of(shape[static_cast<size_t>(axis)], context.share.rank, context.share.ranks).size();
    declared[static_cast<size_t>(axis)] = -1;  // the run is handed the block
  }
  DiagnosticSink sink;
  infer_shapes(graph, local, sink);
  sink.throw_if_any();
}

}  // namespace graphrun
