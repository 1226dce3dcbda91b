// Dead-node pruning: a node from which no graph output can be reached does not run. It is
// still loaded and checked (an invalid graph stays invalid); it is only left out of the plan
// of every executor, on the CPU and on the CUDA device alike.
//
// No op has side effects today (none writes a file or prints): a node matters only through
// the outputs it reaches. An op with effects, should the plugin API ever declare one, would
// have to count as an output in its own right here.
#pragma once

#include "graph/diagnostics.h"
#include "ir/graph.h"

#include <vector>

namespace graphrun {

/// Op nodes (graph inputs excluded) from which no graph output can be reached, by node
/// index. A node read only by unused nodes is unused too.
std::vector<int> unused_nodes(const Graph& graph);

/// Marks the unused nodes removed: they are neither planned nor run. The graph's outputs,
/// their order and names, are unchanged.
void prune_unused(Graph& graph);

/// One warning per unused node, at its position: what `check`, `explain` and `run` print
/// ("FILE:LINE:COL: warning: node 'x' (op) reaches no output: it does not run").
std::vector<Diagnostic> unused_node_warnings(const Graph& graph);

}  // namespace graphrun
