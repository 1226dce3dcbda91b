#include "sharding/shard_rules.h"

#include <algorithm>
#include <string_view>

namespace graphrun::sharding {

namespace {

const gr_value* attr(const Node& node, std::string_view name) {
  if (!node.attrs) return nullptr;
  const int i = node.attrs->index(name);
  if (i < 0 || node.attrs->values[static_cast<size_t>(i)].kind == GR_VALUE_NONE) return nullptr;
  return &node.attrs->values[static_cast<size_t>(i)];
}

std::vector<int64_t> attr_ints(const Node& node, std::string_view name) {
  const gr_value* v = attr(node, name);
  if (!v) return {};
  if (v->kind != GR_VALUE_LIST) return {v->i};
  std::vector<int64_t> out;
  for (int64_t k = 0; k < v->count; ++k) out.push_back(v->items[k].i);
  return out;
}

std::string_view attr_string(const Node& node, std::string_view name) {
  const gr_value* v = attr(node, name);
  return v && v->kind == GR_VALUE_STRING ? std::string_view(v->s) : std::string_view();
}

bool listed(const Node& node, std::string_view list_attr, std::string_view name) {
  const gr_value* v = attr(node, list_attr);
  if (!v || v->kind != GR_VALUE_LIST) return false;
  for (int64_t k = 0; k < v->count; ++k)
    if (v->items[k].s && name == v->items[k].s) return true;
  return false;
}

int rank_of(const Shape& s) { return static_cast<int>(s.size()); }

// numpy broadcasting: an operand of rank r lines up with axis d of a result of rank R at d - (R - r).
int right_aligned(int d, int result_rank, int operand_rank) {
  const int a = d - (result_rank - operand_rank);
  return a >= 0 ? a : -1;
}

// Ops whose ports are named: the axis of each port by name ("" = not listed: -1).
AxisMap by_port_name(const Graph& g, const Node& node, int d, std::initializer_list<std::string_view> lined_up) {
  AxisMap m;
  for (size_t p = 0; p < node.inputs.size(); ++p) {
    const bool on = std::find(lined_up.begin(), lined_up.end(), node.input_ports[p]) != lined_up.end();
    m.port_axes.push_back(on && d < rank_of(port_shape(g, node, p)) ? d : -1);
  }
  m.out_axes.assign(node.output_shapes.size(), d);
  return m;
}

int port_index(const Node& node, std::string_view name) {
  for (size_t p = 0; p < node.input_ports.size(); ++p)
    if (node.input_ports[p] == name) return static_cast<int>(p);
  return -1;
}

// An op over the last axis of `main_port` with leading axes independent (derivative,
// integrate, recurrence, linear): every port right-aligned to the main port, the last axis
// excluded; outputs carry d at the same index.
std::optional<AxisMap> leading_axes(const Graph& g, const Node& node, int d, std::string_view main_port,
                                    std::initializer_list<std::string_view> aligned, std::string_view leading_port = {}) {
  const int main = port_index(node, main_port);
  if (main < 0) return std::nullopt;
  const int R = rank_of(port_shape(g, node, static_cast<size_t>(main)));
  // The last axis is the one the op works along: only a scan split over ranks keeps it.
  const bool scan = d == R - 1 && (node.op->desc.flags & GR_OP_SCAN_BLOCKS);
  if (d >= R || (d == R - 1 && !scan)) return std::nullopt;
  AxisMap m;
  for (size_t p = 0; p < node.inputs.size(); ++p) {
    const int r = rank_of(port_shape(g, node, p));
    const std::string& name = node.input_ports[p];
    if (name == leading_port) m.port_axes.push_back(d < r ? d : -1);  // b's shape without its last axis
    else if (std::find(aligned.begin(), aligned.end(), name) != aligned.end()) m.port_axes.push_back(right_aligned(d, R, r));
    else m.port_axes.push_back(-1);
  }
  for (const Shape& s : node.output_shapes) m.out_axes.push_back(d < rank_of(s) ? d : -1);
  m.scan = scan;
  return m;
}

std::optional<AxisMap> ode_rule(const Graph& g, const Node& node, int d) {
  // States and coefficients broadcast to the state shape S; a signal is (..., steps), its
  // leading axes broadcast to S; a trajectory appends the sample axis after S.
  if (node.output_shapes.empty()) return std::nullopt;
  const int S = rank_of(node.output_shapes[0]) - (attr_string(node, "save") == "trajectory" ? 1 : 0);
  if (d >= S) return std::nullopt;
  AxisMap m;
  for (size_t p = 0; p < node.inputs.size(); ++p) {
    const int r = rank_of(port_shape(g, node, p));
    m.port_axes.push_back(listed(node, "signals", node.input_ports[p]) ? right_aligned(d, S, r - 1)
                                                                       : right_aligned(d, S, r));
  }
  m.out_axes.assign(node.output_shapes.size(), d);
  return m;
}

// sum or mean over the sharded axis d, when d is the outermost reduced axis (those before it
// have one element): each rank's elements are then a contiguous range of the flattened
// reduced index, and the op (GR_OP_SCAN_BLOCKS) combines the ranks' pieces of one process's
// pairwise tree into the whole sum on every rank. Blocks of at least 2 keep each rank's
// layout of the reduction (which axes merge, whether the reduced values are the innermost)
// the whole one's.
std::optional<AxisMap> sum_over_ranks_rule(const Graph& g, const Node& node, int d, const std::vector<int>& reduced) {
  const std::string_view op = node.op->desc.name;
  if ((op != "sum" && op != "mean") || !(node.op->desc.flags & GR_OP_SCAN_BLOCKS) || node.inputs.size() != 1)
    return std::nullopt;
  const Shape& x = port_shape(g, node, 0);
  for (int a : reduced)
    if (a < d && x[static_cast<size_t>(a)] != 1) return std::nullopt;
  AxisMap m{{d}, {-1}};
  m.scan = true;
  m.sums_over_ranks = true;
  m.min_block = 2;
  return m;
}

std::optional<AxisMap> reduction_rule(const Graph& g, const Node& node, int d) {
  const std::vector<int> reduced = reduced_axes(g, node);
  if (std::find(reduced.begin(), reduced.end(), d) != reduced.end()) return sum_over_ranks_rule(g, node, d, reduced);
  const bool keepdims = attr(node, "keepdims") && attr(node, "keepdims")->i != 0;
  const int before = static_cast<int>(std::count_if(reduced.begin(), reduced.end(), [&](int a) { return a < d; }));
  return AxisMap{{d}, {keepdims ? d : d - before}};
}

std::optional<AxisMap> transpose_rule(const Graph& g, const Node& node, int d) {
  std::vector<int64_t> perm = attr_ints(node, "perm");
  const int R = rank_of(port_shape(g, node, 0));
  if (perm.empty())
    for (int a = R - 1; a >= 0; --a) perm.push_back(a);
  for (size_t j = 0; j < perm.size(); ++j)
    if ((perm[j] + R) % R == d) return AxisMap{{d}, {static_cast<int>(j)}};
  return std::nullopt;
}

std::optional<AxisMap> slice_rule(const Graph& g, const Node& node, int d) {
  const int R = rank_of(port_shape(g, node, 0));
  const gr_value* axis = attr(node, "axis");
  if (!axis || (axis->i + R) % R == d) return std::nullopt;
  return AxisMap{{d}, {d}};
}

// derivative along its last axis (plugins/calculus/derivative_rule.cpp). A rank's halo is
// what its interior stencil reaches, and at least the number of positions at each end of a
// row that take an end formula (central: accuracy/2; forward: `order` at the far end, none at
// the start; backward mirrors it), so that every position a rank keeps has the same place
// (interior or end) in its extended row as in the whole row. The end formulas themselves run
// only on the first and last ranks, on points 0 .. edge_points - 1 from the end: the block
// there plus its halo must hold them.
std::optional<StencilMap> derivative_stencil(const Graph& g, const Node& node, int d) {
  const int x = port_index(node, "x");
  if (x < 0) return std::nullopt;
  const int R = rank_of(port_shape(g, node, static_cast<size_t>(x)));
  if (d != R - 1) return std::nullopt;
  const gr_value* order = attr(node, "order");
  const gr_value* accuracy = attr(node, "accuracy");
  const gr_value* edge_order = attr(node, "edge_order");
  if (!order || !accuracy || !edge_order) return std::nullopt;
  StencilMap m;
  const std::string_view scheme = attr_string(node, "scheme");
  if (scheme == "forward" || scheme == "backward") {
    // (x[i+1] - x[i]) or the 3-point second difference from i on; the last `order`
    // positions reuse the stencil that ends at the last point.
    (scheme == "forward" ? m.right : m.left) = order->i;
    m.min_block = order->i + 1;
  } else {
    const int64_t width = accuracy->i / 2;
    // numpy_first/last reach edge_order points in, the second differences' ends one more;
    // accuracy 4 keeps the 3-point stencil at positions 1 and L-2.
    const int64_t edge_points = std::max<int64_t>(order->i == 1 ? edge_order->i + 1 : edge_order->i + 2,
                                                  accuracy->i == 4 ? 3 : 0);
    m.left = m.right = width;
    m.min_block = std::max(width, edge_points - width);
  }
  for (size_t p = 0; p < node.inputs.size(); ++p)
    m.axes.port_axes.push_back(node.input_ports[p] == "x" ? d : node.input_ports[p] == "t" ? 0 : -1);
  for (const Shape& s : node.output_shapes) m.axes.out_axes.push_back(rank_of(s) - 1);
  return m;
}

// conv1d along L at stride 1 with padding causal or same: each output t reads inputs
// t - pad_left .. t + pad_right, so a rank needs pad_left before its block and pad_right after.
std::optional<StencilMap> conv1d_stencil(const Graph& g, const Node& node, int d) {
  const int x = port_index(node, "x"), w = port_index(node, "w");
  if (x < 0 || w < 0 || node.output_shapes.empty()) return std::nullopt;
  const Shape& ws = port_shape(g, node, static_cast<size_t>(w));
  const int R = rank_of(port_shape(g, node, static_cast<size_t>(x)));
  const gr_value* stride = attr(node, "stride");
  const gr_value* dilation = attr(node, "dilation");
  const gr_value* padding = attr(node, "padding");
  if (d != R - 1 || ws.size() != 3 || !stride || stride->i != 1 || !dilation || !padding ||
      padding->kind != GR_VALUE_STRING)
    return std::nullopt;
  const int64_t total = dilation->i * (ws[2] - 1);
  StencilMap m;
  if (attr_string(node, "padding") == "causal") {
    m.left = total;
  } else if (attr_string(node, "padding") == "same") {
    m.left = total / 2;  // as conv_geometry.cpp: PyTorch puts the odd zero on the right
    m.right = total - m.left;
  } else {
    return std::nullopt;
  }
  m.conv_padding = true;
  m.min_block = std::max(m.left, m.right);
  for (size_t p = 0; p < node.inputs.size(); ++p) m.axes.port_axes.push_back(static_cast<int>(p) == x ? d : -1);
  m.axes.out_axes.push_back(rank_of(node.output_shapes[0]) - 1);
  return m;
}

}  // namespace

std::optional<StencilMap> stencil_along(const Graph& g, const Node& node, int d) {
  const std::string_view op = node.op->desc.name;
  if (op == "derivative") return derivative_stencil(g, node, d);
  if (op == "conv1d") return conv1d_stencil(g, node, d);
  return std::nullopt;
}

const Shape& port_shape(const Graph& g, const Node& node, size_t port) {
  const ValueRef ref = node.inputs[port];
  return g.nodes[static_cast<size_t>(ref.node)].output_shapes[static_cast<size_t>(ref.port)];
}

std::vector<int> reduced_axes(const Graph& g, const Node& node) {
  const int R = rank_of(port_shape(g, node, 0));
  std::vector<int> out;
  if (!attr(node, "axis")) {
    for (int a = 0; a < R; ++a) out.push_back(a);
    return out;
  }
  for (int64_t a : attr_ints(node, "axis")) out.push_back(static_cast<int>((a % R + R) % R));
  return out;
}

std::optional<AxisMap> independent_along(const Graph& g, const Node& node, int d) {
  const std::string_view op = node.op->desc.name;
  if (node.op->elementwise()) {
    if (node.output_shapes.empty() || d >= rank_of(node.output_shapes[0])) return std::nullopt;
    const int R = rank_of(node.output_shapes[0]);
    AxisMap m;
    for (size_t p = 0; p < node.inputs.size(); ++p) m.port_axes.push_back(right_aligned(d, R, rank_of(port_shape(g, node, p))));
    m.out_axes.assign(node.output_shapes.size(), d);
    return m;
  }
  if (op == "ode") return ode_rule(g, node, d);
  if (op == "derivative") return leading_axes(g, node, d, "x", {"x"});
  if (op == "integrate") {
    // Along x's last axis: a scan over ranks (t blocked with x), but not simpson, whose
    // terms reach past a neighbour's sample.
    if (attr_string(node, "method") == "simpson" && !node.inputs.empty() && d == rank_of(port_shape(g, node, 0)) - 1)
      return std::nullopt;
    return leading_axes(g, node, d, "x", {"x", "t"});
  }
  if (op == "recurrence") return leading_axes(g, node, d, "b", {"a", "b"}, "h0");
  if (op == "linear") return leading_axes(g, node, d, "x", {"x"});
  if (op == "sum" || op == "mean" || op == "max") return reduction_rule(g, node, d);
  if (op == "transpose") return transpose_rule(g, node, d);
  if (op == "slice") return slice_rule(g, node, d);
  if ((op == "selective_scan" || op == "ssm") && d == 2 && (node.op->desc.flags & GR_OP_SCAN_BLOCKS)) {
    // Time: u, delta, z (B, D, L) and Bm, Cm (B, N, L) along L; final (B, D, N) whole.
    AxisMap m = by_port_name(g, node, d, {"u", "delta", "Bm", "Cm", "z"});
    m.out_axes = {2, -1};
    m.scan = true;
    return m;
  }
  // Batch-first sequence and signal ops: the batch axis.
  if (d == 0) {
    if (op == "selective_scan") return by_port_name(g, node, d, {"u", "delta", "Bm", "Cm", "z"});
    if (op == "ssm") return by_port_name(g, node, d, {"u"});
    if (op == "rnn") return by_port_name(g, node, d, {"x", "h0"});
    if (op == "conv1d" && !node.inputs.empty() && rank_of(port_shape(g, node, 0)) == 3)
      return by_port_name(g, node, d, {"x"});
  }
  static const std::string_view kBuiltIn[] = {"selective_scan", "ssm", "rnn", "conv1d"};
  if ((node.op->desc.flags & GR_OP_SCAN_BLOCKS) && std::find(std::begin(kBuiltIn), std::end(kBuiltIn), op) == std::end(kBuiltIn)) {
    // Another plugin's scan: its last axis, every port lined up with output 0 by broadcasting.
    if (node.output_shapes.empty() || d != rank_of(node.output_shapes[0]) - 1) return std::nullopt;
    const int R = rank_of(node.output_shapes[0]);
    AxisMap m;
    for (size_t p = 0; p < node.inputs.size(); ++p) m.port_axes.push_back(right_aligned(d, R, rank_of(port_shape(g, node, p))));
    for (const Shape& s : node.output_shapes) m.out_axes.push_back(rank_of(s) == R ? d : -1);
    m.scan = true;
    return m;
  }
  return std::nullopt;
}

}  // namespace graphrun::sharding
