// The CUDA kernel of a `derivative` node whose epilogue (the elementwise chain fusion folded
// into it) is applied on the device by the op itself: derivative_stencil.h's formulas at each
// position, the epilogue's statements (Node::program_cuda) on the value, one store. Generated
// at run time and compiled by the host with NVRTC (plugin API 2.5); the op is flagged
// applies_epilogue_on_device(). Without an epilogue the precompiled kernel of derivative.cu
// runs instead; both give the same bits for the derivative (the same formulas, --fmad=false),
// and the epilogue's statements are those of the engine's own elementwise kernels.
#pragma once

#include "derivative_stencil.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace graphrun::calculus {

/// The generated kernel's name: extern "C" __global__ void graphrun_derivative_epilogue(
///   const T* x, T* out, const T* t, const unsigned* uneven, double dx, long long length,
///   long long numel)
/// over `numel` elements in rows of `length` samples (T the node's dtype). t: the sample
/// positions, or null (the source then ignores t and uneven); *uneven: nonzero when some
/// step of t differs from the first (derivative.cu's find_uneven_steps), else t is treated as
/// the uniform step t[1] - t[0], as numpy.gradient does. A grid-stride loop, one thread per
/// output, kDerivativeCudaBlock threads per block.
inline constexpr const char* kDerivativeCudaKernel = "graphrun_derivative_epilogue";
inline constexpr int kDerivativeCudaBlock = 256;

/// The source (see above) for `scheme` (compiled in), dtype GR_F32 or GR_F64, positions t or
/// a step dx, and `epilogue_cuda`: program_cuda's statements of the epilogue (`v[0]` the
/// derivative, `out[0]` the value stored). It includes <graphrun/cuda/elementwise_math.cuh>
/// and otherwise nothing (derivative_stencil_text() holds the stencil's headers).
std::string derivative_cuda_source(const DerivativeScheme& scheme, int32_t dtype, bool has_t,
                                   const std::string& epilogue_cuda);

/// core/host_device.h, unroll.h, fornberg.h, row_position.h and derivative_stencil.h, in
/// that order, without their #include and #pragma once lines: embedded at build time
/// (plugins/calculus/CMakeLists.txt), for NVRTC, which reads no files.
std::string_view derivative_stencil_text();

}  // namespace graphrun::calculus
