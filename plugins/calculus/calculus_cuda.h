// The CUDA launchers of the calculus ops derivative and integrate, defined in <op>.cu and
// declared weak as the core ops' are (core/cuda_launchers.h): without CUDA they are null and
// core::if_built leaves the op without a CUDA kernel. Each queues its work on
// node.cuda_stream() and throws std::runtime_error naming the op when a launch fails.
// x, t and out are device pointers in the node's dtype; t is null without port t.
#pragma once

#include "core/cuda_launchers.h"
#include "derivative_stencil.h"
#include "integral_terms.h"

#include <graphrun/plugin.hpp>

#include <cstdint>

namespace graphrun::calculus {

/// derivative of `numel` elements, rows of `length` samples (numel > 0), with the node's
/// epilogue applied when it has one (in a kernel generated with it: derivative_cuda_source.h).
void derivative_cuda(const plugin::Node& node, const DerivativeScheme& scheme, int64_t length, const void* t,
                     double dx, const void* x, void* out, int64_t numel) GRAPHRUN_CUDA_LAUNCHER;

/// integrate of `numel` elements, rows of `length` samples (numel > 0). simpson with t
/// refuses positions that do not increase with the CPU kernel's message, once the device's
/// answer is back (node.cuda_check: the run fails at this node; nothing waits for it here).
void integrate_cuda(const plugin::Node& node, IntegralMethod method, int64_t length, const void* t, double dx,
                    double initial, const void* x, void* out, int64_t numel) GRAPHRUN_CUDA_LAUNCHER;

}  // namespace graphrun::calculus
