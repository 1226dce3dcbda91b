// Which steps can run on a CUDA device: the one question placement asks of an op.
#pragma once

#include "ir/graph.h"

namespace graphrun {

/// Whether `node` has a CUDA kernel: a fused elementwise group or an elementwise op (a
/// generated kernel), an op whose descriptor has a cuda_kernel, an op with an epilogue when
/// the op itself has one, and, until their kernels land, the built-in core ops whose CUDA
/// kernels are being written (device_support.cpp lists them). Graph inputs: false.
bool has_cuda_kernel(const Node& node);

}  // namespace graphrun
