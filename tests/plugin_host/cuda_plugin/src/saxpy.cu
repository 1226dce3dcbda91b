#include "saxpy.h"

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace {

template <typename T>
__global__ void saxpy(int64_t n, T a, const T* x, const T* y, T* out) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = a * x[i] + y[i];
}

}  // namespace

void saxpy_cuda(const graphrun::plugin::Node& node, std::span<graphrun::plugin::OutTensor> outputs) {
  auto stream = static_cast<cudaStream_t>(node.cuda_stream());
  const int64_t n = outputs[0].numel();
  const int blocks = static_cast<int>(std::min<int64_t>((n + 255) / 256, 65535));
  graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() {
    if (n > 0)
      saxpy<T><<<blocks, 256, 0, stream>>>(n, static_cast<T>(node.attr_float("a")), node.input("x").data<T>(),
                                            node.input("y").data<T>(), outputs[0].data<T>());
  });
  if (cudaError_t e = cudaGetLastError(); e != cudaSuccess)
    throw std::runtime_error(std::string("saxpy launch: ") + cudaGetErrorString(e));
}
