// Which built-in ops are independent along which axes: for an axis `d` of the op's main
// tensor, the axis of each input port that lines up with it and the axis of each output that
// carries it. An op without a rule for `d` (or a third-party op: the plugin ABI does not say
// yet) needs its sharded inputs whole.
#pragma once

#include "ir/graph.h"

#include <optional>
#include <vector>

namespace graphrun::sharding {

struct AxisMap {
  std::vector<int> port_axes;  // per input port: its axis lined up with d, or -1 (none: it broadcasts)
  std::vector<int> out_axes;   // per output: the axis carrying d
  /// d is the axis the op scans along (GR_OP_SCAN_BLOCKS): each rank runs the op on its
  /// block, and the op trades carries with the other ranks (a distributed scan).
  bool scan = false;
  /// With scan: d is an axis the op sums over (sum, mean over the sharded axis): its output
  /// is whole on every rank, the ranks combining their blocks' pieces of the pairwise tree
  /// (plugins/core/distributed_sum.h) in one exchange.
  bool sums_over_ranks = false;
  /// The fewest elements each rank's block along d must hold (else the node gathers).
  int64_t min_block = 0;
};

/// The map for axis `d` (an axis of the op's main input, or of its output for elementwise ops
/// and ode), or nullopt when the op mixes the elements along it.
std::optional<AxisMap> independent_along(const Graph& graph, const Node& node, int d);

/// An op that mixes the elements along axis d only within a stencil: each rank computes its
/// block from its block extended by `left` elements of the previous rank's and `right` of
/// the next rank's (a halo; none at the global ends, where the op's own edge rule applies).
struct StencilMap {
  AxisMap axes;             // as independent_along would give them
  int64_t left = 0, right = 0;
  /// The fewest elements every block must hold: the halo comes from the neighbour's block
  /// alone, and the op's end formulas must find their points on the first and last ranks.
  int64_t min_block = 0;
  /// conv1d: a rank whose halo covers every side the op pads runs it with padding valid (its
  /// output is then its block); otherwise the op runs padded and its output is trimmed.
  bool conv_padding = false;
};

/// The stencil of `node` along axis `d` (derivative along its last axis; conv1d along L at
/// stride 1 with padding causal or same), or nullopt.
std::optional<StencilMap> stencil_along(const Graph& graph, const Node& node, int d);

/// For sum/mean/max: the axes the node reduces (all of them when `axis` is not given).
std::vector<int> reduced_axes(const Graph& graph, const Node& node);

/// The shape of input port `port` of `node`.
const Shape& port_shape(const Graph& graph, const Node& node, size_t port);

}  // namespace graphrun::sharding
