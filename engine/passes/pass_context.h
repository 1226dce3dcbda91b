// What every pass receives besides the graph.
#pragma once

#include "ir/graph.h"

#include <map>

namespace graphrun {

struct PassContext {
  std::map<int, Shape> input_shapes;  // actual shapes of graph inputs, by node index
  bool fuse = true;                   // false with --no-fuse
};

/// prune_unused as a pass.
void run_prune_unused(Graph& graph, const PassContext& context);
/// infer_shapes as a pass: throws GraphError when any node fails.
void run_infer_shapes(Graph& graph, const PassContext& context);
/// fuse_elementwise as a pass (a no-op when context.fuse is false).
void run_fuse_elementwise(Graph& graph, const PassContext& context);

}  // namespace graphrun
