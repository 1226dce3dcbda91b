// What a generated CUDA kernel needs to compile as host C++ (host-emulation test): the
// qualifiers as nothing, the thread coordinates as variables a launch loop sets, the 128-bit
// vector types and atomicMin. Kernels without shared memory or barriers (all generated ones)
// give the same results run thread after thread.
#pragma once

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)

namespace graphrun::cuda::testing {
struct Dim3 {
  unsigned x = 1, y = 1, z = 1;
};
}  // namespace graphrun::cuda::testing

inline graphrun::cuda::testing::Dim3 threadIdx, blockIdx, blockDim, gridDim;

struct alignas(16) float4 {
  float x, y, z, w;
};
struct alignas(16) double2 {
  double x, y;
};

/// atomicMin as one thread at a time sees it (threads run one after another here).
inline unsigned long long atomicMin(unsigned long long* p, unsigned long long v) {
  const unsigned long long old = *p;
  if (v < old) *p = v;
  return old;
}

namespace graphrun::cuda::testing {

/// Runs kernel() once per thread of a grid x block launch, in order.
template <typename Kernel> void host_launch(unsigned grid, unsigned block, Kernel&& kernel) {
  gridDim = {grid, 1, 1};
  blockDim = {block, 1, 1};
  for (unsigned b = 0; b < grid; ++b)
    for (unsigned t = 0; t < block; ++t) {
      blockIdx = {b, 0, 0};
      threadIdx = {t, 0, 0};
      kernel();
    }
}

}  // namespace graphrun::cuda::testing
