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
};

/// The map for axis `d` (an axis of the op's main input, or of its output for elementwise ops
/// and ode), or nullopt when the op mixes the elements along it.
std::optional<AxisMap> independent_along(const Graph& graph, const Node& node, int d);

/// For sum/mean/max: the axes the node reduces (all of them when `axis` is not given).
std::vector<int> reduced_axes(const Graph& graph, const Node& node);

/// The shape of input port `port` of `node`.
const Shape& port_shape(const Graph& graph, const Node& node, size_t port);

}  // namespace graphrun::sharding
