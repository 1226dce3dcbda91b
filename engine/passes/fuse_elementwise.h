// Elementwise fusion (SPEC §5): each maximal group of adjacent elementwise nodes whose
// intermediates have no consumer outside the group becomes one fused node.
#pragma once

#include "ir/graph.h"

namespace graphrun {

/// Replaces each fusible group of `graph` by one NodeKind::kFused node.
void fuse_elementwise(Graph& graph);

}  // namespace graphrun
