// Checks a node's attributes against its op's declaration and resolves them to gr_values:
// types, choices, required ones, defaults, `$param` references, finite numbers, paths
// relative to the graph file.
#pragma once

#include "graph/graph_file.h"
#include "ir/graph.h"

#include <memory>

namespace graphrun {

/// Resolves the attributes of `spec` for `op`; every problem goes to sink.
std::shared_ptr<AttrSet> resolve_attrs(const GraphFile& file, const NodeSpec& spec, const OpInfo& op,
                                       DiagnosticSink& sink);

}  // namespace graphrun
