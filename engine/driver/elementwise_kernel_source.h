// The CUDA kernel a device would run for an elementwise step: a fused group, or one
// elementwise op on its own. What `explain --device cuda` prints for each such step.
#pragma once

#include "ir/graph.h"

#include <string>

namespace graphrun {

/// The generated source of `node`'s kernel (node is kFused, or an op node whose op is
/// elementwise; or, for an op node with an epilogue, the epilogue's kernel, run in place on
/// its first output after the op's CUDA kernel), its shapes as inferred, preceded by a comment
/// line with the launch: kernel name, threads per block, elements per thread on the 128-bit
/// path.
std::string elementwise_kernel_source(const Graph& graph, const Node& node);

/// True when `node` runs as a generated elementwise kernel (fused, or an elementwise op).
bool runs_as_elementwise_kernel(const Node& node);
/// True when `node` is an op with an epilogue that, on the device, a generated kernel applies
/// after the op's own CUDA kernel (not when the op's kernel applies it itself:
/// GR_OP_CUDA_EPILOGUE, scheduler/device_support.h).
bool has_epilogue_kernel(const Node& node);

}  // namespace graphrun
