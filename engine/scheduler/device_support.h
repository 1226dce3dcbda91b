// Which steps can run on a CUDA device: the one question placement asks of an op.
#pragma once

#include "ir/graph.h"

namespace graphrun {

/// Whether `node` has a CUDA kernel: a fused elementwise group or an elementwise op (a
/// generated kernel), or an op whose descriptor has a cuda_kernel (with an epilogue too: the
/// device executor applies it after the op's kernel, as a generated kernel in place). Graph inputs and scans split over MPI ranks (Node::scan_ranks > 1): false.
bool has_cuda_kernel(const Node& node);

}  // namespace graphrun
