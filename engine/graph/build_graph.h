// From a parsed graph file to the IR: ops looked up in the registry, attributes resolved,
// references connected, cycles found. Every problem is reported with its file:line:col.
#pragma once

#include "graph/graph_file.h"
#include "ir/graph.h"

namespace graphrun {

/// Builds the IR of `file` (loading the plugins it lists into the registry). Collects every
/// problem into sink; the returned graph is usable only when sink stayed empty.
Graph build_graph(const GraphFile& file, Registry& registry, DiagnosticSink& sink);

}  // namespace graphrun
