// The CUDA launchers of the signal ops, weak declarations as in plugins/core/cuda_launchers.h:
// defined by conv1d.cu and conv1d_fft.cu in a build with CUDA (GRAPHRUN_CUDA), null without,
// so conv1d.cpp registers its CUDA kernel with core::if_built and needs no #ifdef. Each
// launcher queues its work on node.cuda_stream(), never synchronizes, and throws
// std::runtime_error naming conv1d when a launch fails. x, w, bias (null when the node has
// none) and y are device pointers of node.dtype().
#pragma once

#include "conv_cuda_plan.h"
#include "conv_math.h"

#include "core/cuda_launchers.h"

#include <graphrun/plugin.hpp>

namespace graphrun::signal {

/// The direct kernels (plan.path kDepthwiseTaps, kDirectTiled or kDirectGlobal).
void conv1d_direct_cuda(const plugin::Node& node, const ConvDims& d, const CudaConvPlan& plan, const void* x,
                        const void* w, const void* bias, void* y) GRAPHRUN_CUDA_LAUNCHER;

/// The overlap-save FFT path through cuFFT (loaded with dlopen on first use).
void conv1d_fft_cuda(const plugin::Node& node, const ConvDims& d, const CudaConvPlan& plan, const void* x,
                     const void* w, const void* bias, void* y) GRAPHRUN_CUDA_LAUNCHER;

}  // namespace graphrun::signal
