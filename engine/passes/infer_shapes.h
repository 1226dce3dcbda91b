// Shape inference: every node's output shapes from its inputs' shapes and attributes,
// in topological order, before anything runs. References to ports are resolved here
// (ops may name their outputs at inference).
#pragma once

#include "ir/graph.h"

#include <map>

namespace graphrun {

/// Infers every node's outputs. `input_shapes` gives graph inputs' actual shapes (by input
/// node index); an input without one keeps its declared shape, and when that has a -1 the
/// nodes depending on it stay uninferred (fine for `check`). Problems go to sink.
/// Returns true when every node was inferred.
/// `check_memory` false: a tensor larger than this machine's memory is no error (the whole
/// shapes of a sharded run, whose ranks each hold a block).
bool infer_shapes(Graph& graph, const std::map<int, Shape>& input_shapes, DiagnosticSink& sink,
                  bool check_memory = true);

}  // namespace graphrun
