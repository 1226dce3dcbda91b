// Shard propagation (GSPMD's idea, on graphrun's ops): from the inputs declared `shard: AXIS`,
// which values of the graph each MPI rank holds only a block of, and what each node needs so
// that every rank can compute its part: nothing (the op is independent along that axis), the
// rank's block of a value every rank holds, the block extended by its neighbours' edges (a
// halo, for a stencil along the sharded axis), a gather of the whole tensor, or a combine of
// the ranks' partial results after the node (a max over the sharded axis).
#pragma once

#include "ir/graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace graphrun::sharding {

/// What happens to one input port of a node before the node runs.
enum class PortMove {
  kNone,    // used as it is: the rank's block, or a value every rank holds whole
  kBlock,   // every rank holds it whole; the node takes the rank's block along `axis`
  kGather,  // sharded along `axis`; the node needs all of it: every rank gathers the blocks
  kHalo,    // sharded along `axis`; the node needs its block extended by the neighbours' edges
};

/// How the ranks combine a node's output after it runs.
enum class Combine { kNone, kMax };

struct PortPlan {
  PortMove move = PortMove::kNone;
  int axis = -1;  // the axis of the port's tensor that is blocked or gathered
  /// kHalo, kBlock: elements before and after the rank's block the node also needs (none
  /// at the global ends).
  int64_t left = 0, right = 0;
};

struct NodePlan {
  std::vector<PortPlan> ports;  // per input port
  std::vector<int> out_axes;    // per output: the axis held in blocks, or -1 (every rank whole)
  bool scan = false;            // a scan split over ranks along its axis (GR_OP_SCAN_BLOCKS)
  /// With scan: a sum or mean over the sharded axis whose ranks combine their pieces of the
  /// pairwise tree (shard_rules.h AxisMap::sums_over_ranks); its output is whole everywhere.
  bool sums_over_ranks = false;
  Combine combine = Combine::kNone;
  int combine_axis = -1;        // the input's axis the combined reduction ran over
  /// A stencil along the sharded axis (shard_rules.h StencilMap): its ports carry halos, and
  /// each rank trims its output back to its block (or, conv_padding, runs conv1d unpadded
  /// where its halo covers the padded sides).
  bool stencil = false;
  bool conv_padding = false;
  int64_t halo_left = 0, halo_right = 0;
  uint64_t halo_bytes = 0;  // bytes a rank with two neighbours receives for the halos
  std::string why;              // why the node gathers (shown by explain)
};

/// The plan for a graph: per node (kInput nodes included: their out_axes), by node index.
struct ShardPlan {
  std::vector<NodePlan> nodes;
  bool sharded() const;  // some value is held in blocks
};

/// Propagates the input shards of `graph` (global shapes inferred, before fusion) through
/// every node. `ranks` is the number of blocks a sharded axis is split into.
/// Throws GraphError (pointing at the `shard:`) for a sharded axis shorter than `ranks`.
ShardPlan propagate_shards(const Graph& graph, int ranks);

}  // namespace graphrun::sharding
