// linear's bias on the device: every row of y starts as the bias, then the gemm
// (cublas_gemm.cu) adds x·Wᵀ onto it, as the CPU kernel does.
#include "cuda_launch.cuh"
#include "cuda_launchers.h"

namespace graphrun::core {
namespace {

template <typename T> struct BiasAt {
  const T* bias;
  int64_t out;
  __device__ T operator()(int64_t i) const { return bias[i % out]; }
};

}  // namespace

void linear_bias_cuda(const plugin::Node& node, const void* bias, void* y, int64_t rows, int64_t out) {
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    generate(node, "linear", rows * out, BiasAt<T>{static_cast<const T*>(bias), out}, static_cast<T*>(y));
  });
}

}  // namespace graphrun::core
