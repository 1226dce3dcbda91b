// derivative on the device: one thread per output, each evaluating derivative_stencil.h at
// its position as the CPU kernel does (the same bits). Positions t whose steps are all equal
// are a uniform grid (numpy.gradient's rule, as DerivativeRule applies it): a first kernel
// finds out on the device, the second reads its answer. A node with an epilogue (the op is
// flagged applies_epilogue_on_device) runs, as that second kernel, one generated with NVRTC
// (derivative_cuda_source.h): the same stencil, the epilogue applied before the one store.
#include "calculus_cuda.h"
#include "core/cuda_launch.cuh"
#include "derivative_cuda_source.h"
#include "row_position.h"

#include <stdexcept>
#include <string>

namespace graphrun::calculus {
namespace {

/// Sets *uneven when some step t[i+1] - t[i] differs from the first (uniformly_spaced).
template <typename T> __global__ void find_uneven_steps(const T* t, int64_t length, unsigned* uneven) {
  const T first = t[1] - t[0];
  for (int64_t i = 1 + blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i + 1 < length;
       i += int64_t{gridDim.x} * blockDim.x)
    if (!(t[i + 1] - t[i] == first)) atomicOr(uneven, 1u);
}

template <typename T>
__global__ void derivative_kernel(DerivativeStencil<T> st, const unsigned* uneven, const T* x, T* out,
                                  int64_t numel) {
  if (st.t && *uneven == 0) st.treat_as_uniform();
  for (int64_t g = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; g < numel; g += int64_t{gridDim.x} * blockDim.x) {
    const RowPosition at = row_position(g, st.n);
    out[g] = st.at(x + (g - at.pos), at.pos);
  }
}

}  // namespace

void derivative_cuda(const plugin::Node& node, const DerivativeScheme& scheme, int64_t length, const void* t,
                     double dx, const void* x, void* out, int64_t numel) {
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    const DerivativeStencil<T> st{scheme, length, static_cast<const T*>(t), dx};
    const cudaStream_t stream = core::stream_of(node);
    unsigned* uneven = nullptr;
    if (t) {
      uneven = static_cast<unsigned*>(node.device_scratch(sizeof(unsigned)));
      core::check_cuda(cudaMemsetAsync(uneven, 0, sizeof(unsigned), stream), "derivative", "cudaMemsetAsync");
      find_uneven_steps<<<core::grid_for(length), core::kCudaBlock, 0, stream>>>(st.t, length, uneven);
      core::check_launch("derivative");
    }
    if (!node.has_epilogue()) {
      derivative_kernel<<<core::grid_for(numel), core::kCudaBlock, 0, stream>>>(st, uneven, static_cast<const T*>(x),
                                                                               static_cast<T*>(out), numel);
      core::check_launch("derivative");
      return;
    }
    if (!node.has_generated_cuda_kernels())  // (a host that hands a CUDA kernel the epilogue has them)
      throw std::runtime_error("derivative: this graphrun is older than plugin API 2.5 (no generated CUDA kernels)");
    const std::string source =
        derivative_cuda_source(scheme, node.dtype(), t != nullptr, node.program_cuda(node.epilogue()));
    void* kernel = node.cuda_function(source, kDerivativeCudaKernel);
    const void* x_arg = x;
    void* out_arg = out;
    const void* t_arg = t;
    const unsigned* uneven_arg = uneven;
    double dx_arg = dx;
    long long length_arg = length, numel_arg = numel;
    void* const args[] = {&x_arg, &out_arg, &t_arg, &uneven_arg, &dx_arg, &length_arg, &numel_arg};
    static_assert(kDerivativeCudaBlock == core::kCudaBlock);
    node.cuda_launch(kernel, {static_cast<uint32_t>(core::grid_for(numel))},
                     {static_cast<uint32_t>(kDerivativeCudaBlock)}, 0, args);
  });
}

}  // namespace graphrun::calculus
