// What every CUDA launcher of the core ops shares: the stream, the grid size of a
// grid-stride loop, launch checks, and the kernel for "out[i] = a function of i".
#pragma once

#include <graphrun/plugin.hpp>

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace graphrun::core {

inline constexpr int kCudaBlock = 256;

/// The stream the node's work is queued on.
inline cudaStream_t stream_of(const plugin::Node& node) {
  return static_cast<cudaStream_t>(node.cuda_stream());
}

/// Blocks for a grid-stride loop over n elements: enough to fill any GPU, each thread
/// looping when n is larger.
inline int grid_for(int64_t n) {
  return static_cast<int>(std::clamp<int64_t>((n + kCudaBlock - 1) / kCudaBlock, 1, int64_t{1} << 16));
}

/// Throws std::runtime_error "op: what: CUDA's message" unless e is cudaSuccess.
inline void check_cuda(cudaError_t e, const char* op, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(op) + ": " + what + ": " + cudaGetErrorString(e));
}

/// After a <<<...>>> launch: throws if it failed.
inline void check_launch(const char* op) { check_cuda(cudaGetLastError(), op, "CUDA kernel launch failed"); }

/// out[i] = at(i) for i in [0, n), 64-bit indices.
template <typename T, typename ValueAt>
__global__ void generate_kernel(int64_t n, ValueAt at, T* out) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    out[i] = at(i);
}

/// A generate() function: the same value everywhere.
template <typename T> struct FillWith {
  T value;
  __device__ T operator()(int64_t) const { return value; }
};

/// Queues generate_kernel on the node's stream; `op` names the op in errors.
template <typename T, typename ValueAt>
void generate(const plugin::Node& node, const char* op, int64_t n, const ValueAt& at, T* out) {
  if (n <= 0) return;
  generate_kernel<T><<<grid_for(n), kCudaBlock, 0, stream_of(node)>>>(n, at, out);
  check_launch(op);
}

}  // namespace graphrun::core
