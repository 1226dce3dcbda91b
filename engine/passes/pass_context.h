// What every pass receives besides the graph.
#pragma once

#include "ir/graph.h"

#include <map>

namespace graphrun {

/// The ranks a run's sharded inputs are split over (a world of one: nothing is split).
struct RankShare {
  int rank = 0;
  int ranks = 1;
};

struct PassContext {
  /// Actual shapes of graph inputs, by node index: whole shapes, also of sharded inputs.
  std::map<int, Shape> input_shapes;
  bool fuse = true;  // false with --no-fuse
  RankShare share;
};

/// prune_unused as a pass.
void run_prune_unused(Graph& graph, const PassContext& context);
/// infer_shapes as a pass: throws GraphError when any node fails.
void run_infer_shapes(Graph& graph, const PassContext& context);
/// shard_data as a pass (sharding/shard_data.h; a no-op in a world of one).
void run_shard_data(Graph& graph, const PassContext& context);
/// fuse_elementwise as a pass (a no-op when context.fuse is false).
void run_fuse_elementwise(Graph& graph, const PassContext& context);

}  // namespace graphrun
