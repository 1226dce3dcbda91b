// The `subgraph` op (SPEC §4 "Composition"): a node that stands for another graph file is
// replaced by that file's nodes (ids prefixed "<node>/"), before any pass runs, so fusion
// and scheduling cross the border. Recursion is an error.
#pragma once

#include "graph/graph_file.h"

namespace graphrun {

/// The op name that inline_subgraphs expands.
inline constexpr const char* kSubgraphOp = "subgraph";

/// Replaces every `subgraph` node of `file` (recursively) by the nodes of its file, binds
/// the subgraph's inputs to the node's `in` references and rewrites references to the node
/// (`node` or `node:output`) to the subgraph's outputs. Problems go to sink.
void inline_subgraphs(GraphFile& file, DiagnosticSink& sink);

}  // namespace graphrun
