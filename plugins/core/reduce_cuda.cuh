// The CUDA reductions behind sum.cu, mean.cu and max.cu. Output o combines the inputs at
// ReduceIndex::input_offset(o, r), r in [0, count): the CPU kernel's index math.
//
// Order: not the CPU's pairwise tree (a tree over a thread's strided elements would need a
// different split on each GPU). Sums are compensated (Neumaier) in double per thread, then
// added in a fixed tree over the block's 256 partial sums, so the result is within a few
// double ulps of the exact sum: f64 agrees with the CPU to well within SPEC's 1e-12
// relative, f32 is the exact sum rounded once (the CPU's pairwise f32 sum is within 1e-5
// relative of that, or 1e-4 of the output's scale for long sums). Results do not depend on
// the GPU model or on timing (fixed block size and order). max is exact: it equals the CPU.
#pragma once

#include "cuda_launch.cuh"
#include "cuda_launchers.h"


namespace graphrun::core {

/// Reductions of at most this many elements run one thread per output; longer ones one
/// block of kCudaBlock threads per output.
inline constexpr int64_t kThreadReduceLimit = 64;

/// Sum of elements first, first + step, ... of output o's reduction.
template <typename T>
__device__ double sum_range(const T* x, const ReduceIndex& ix, int64_t o, int64_t first, int64_t step) {
  CompensatedSum acc;
  for (int64_t r = first; r < ix.count; r += step) acc.add(static_cast<double>(x[ix.input_offset(o, r)]));
  return acc.total();
}

/// Max of those elements; starts from element 0, which is in every output's reduction.
template <typename T>
__device__ T max_range(const T* x, const ReduceIndex& ix, int64_t o, int64_t first, int64_t step) {
  T m = x[ix.input_offset(o, 0)];
  for (int64_t r = first; r < ix.count; r += step) m = max_keeping_nan(m, x[ix.input_offset(o, r)]);
  return m;
}

/// How sum, mean and max differ: the partial result, how two combine, how it is written.
template <typename T> struct SumRule {
  using Partial = double;
  bool mean;
  __device__ static Partial range(const T* x, const ReduceIndex& ix, int64_t o, int64_t first, int64_t step) {
    return sum_range(x, ix, o, first, step);
  }
  __device__ static Partial combine(Partial a, Partial b) { return a + b; }
  // mean as the CPU computes it: the sum rounded to T, divided in T.
  __device__ T finish(Partial p, int64_t count) const {
    return mean ? static_cast<T>(p) / static_cast<T>(count) : static_cast<T>(p);
  }
};

template <typename T> struct MaxRule {
  using Partial = T;
  __device__ static Partial range(const T* x, const ReduceIndex& ix, int64_t o, int64_t first, int64_t step) {
    return max_range(x, ix, o, first, step);
  }
  __device__ static Partial combine(Partial a, Partial b) { return max_keeping_nan(a, b); }
  __device__ T finish(Partial p, int64_t) const { return p; }
};

template <typename T, typename Rule>
__global__ void reduce_per_thread(int64_t outputs, ReduceIndex ix, Rule rule, const T* x, T* y) {
  for (int64_t o = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; o < outputs; o += int64_t{gridDim.x} * blockDim.x)
    y[o] = rule.finish(Rule::range(x, ix, o, 0, 1), ix.count);
}

template <typename T, typename Rule>
__global__ void reduce_per_block(int64_t outputs, ReduceIndex ix, Rule rule, const T* x, T* y) {
  __shared__ typename Rule::Partial part[kCudaBlock];
  for (int64_t o = blockIdx.x; o < outputs; o += gridDim.x) {  // the same o in every thread
    part[threadIdx.x] = Rule::range(x, ix, o, threadIdx.x, kCudaBlock);
    __syncthreads();
    for (int half = kCudaBlock / 2; half > 0; half /= 2) {
      if (static_cast<int>(threadIdx.x) < half) part[threadIdx.x] = Rule::combine(part[threadIdx.x], part[threadIdx.x + half]);
      __syncthreads();
    }
    if (threadIdx.x == 0) y[o] = rule.finish(part[0], ix.count);
    __syncthreads();  // part[0] is read before the next output overwrites it
  }
}

/// Queues the reduction of `outputs` values on the node's stream (ix.count >= 1).
template <typename T, typename Rule>
void reduce_cuda(const plugin::Node& node, const char* op, const ReduceIndex& ix, Rule rule, const T* x, T* y,
                 int64_t outputs) {
  if (outputs <= 0) return;
  if (ix.count <= kThreadReduceLimit)
    reduce_per_thread<<<grid_for(outputs), kCudaBlock, 0, stream_of(node)>>>(outputs, ix, rule, x, y);
  else
    reduce_per_block<<<static_cast<int>(std::min<int64_t>(outputs, 65535)), kCudaBlock, 0, stream_of(node)>>>(
        outputs, ix, rule, x, y);
  check_launch(op);
}

}  // namespace graphrun::core
