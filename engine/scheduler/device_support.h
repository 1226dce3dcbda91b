// Which steps can run on a CUDA device: the one question placement asks of an op.
#pragma once

#include "ir/graph.h"

namespace graphrun {

/// Whether `node` has a CUDA kernel: a fused elementwise group or an elementwise op (a
/// generated kernel), or an op whose descriptor has a cuda_kernel (with an epilogue too: the
/// op's kernel applies it when the op is flagged GR_OP_CUDA_EPILOGUE, else the device
/// executor does after it, as a generated kernel in place). Graph inputs and scans split over
/// MPI ranks (Node::scan_ranks > 1): false.
bool has_cuda_kernel(const Node& node);

/// Whether `node` is an op with an epilogue that its CUDA kernel applies itself (the op is
/// flagged GR_OP_CUDA_EPILOGUE): the kernel is handed gr_node.epilogue and no epilogue
/// kernel runs after it.
bool cuda_kernel_applies_epilogue(const Node& node);

/// Whether `node` is an op with an epilogue that the device executor applies after the op's
/// CUDA kernel, as a generated kernel run in place on its first output.
bool needs_epilogue_kernel(const Node& node);

}  // namespace graphrun
