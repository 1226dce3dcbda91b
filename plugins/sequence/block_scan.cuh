// The block scan of the sequence ops' CUDA kernels (the algorithm: block_scan.h) and what
// their launchers share: the stream, launch checks, grid sizes, staging of chunks through
// shared memory.
#pragma once

#include "block_scan.h"
#include "cuda_launchers.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace graphrun::sequence {

/// The stream the node's work is queued on.
inline cudaStream_t stream_of(const plugin::Node& node) { return static_cast<cudaStream_t>(node.cuda_stream()); }

/// Throws std::runtime_error "op: what: CUDA's message" unless e is cudaSuccess.
inline void check_cuda(cudaError_t e, const char* op, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(op) + ": " + what + ": " + cudaGetErrorString(e));
}

/// After a <<<...>>> launch: throws if it failed.
inline void check_launch(const char* op) { check_cuda(cudaGetLastError(), op, "CUDA kernel launch failed"); }

/// Blocks for `items` independent work items of one block each (the kernel loops with a
/// stride of gridDim.x when there are more than a grid holds).
inline unsigned blocks_for_items(int64_t items) {
  return static_cast<unsigned>(std::clamp<int64_t>(items, 1, INT_MAX));
}

/// Blocks of `threads` for a grid-stride loop over n elements.
inline unsigned blocks_for_elements(int64_t n, int threads) {
  return static_cast<unsigned>(std::clamp<int64_t>((n + threads - 1) / threads, 1, int64_t{1} << 20));
}

/// `kThreads` threads scanning chunks of kThreads·kItems steps (block_scan.h), the carry
/// between chunks kept by the caller.
template <typename T, int kThreads, int kItems> struct BlockScan {
  static_assert(kThreads % kWarpThreads == 0, "whole warps");
  static constexpr int kWarps = kThreads / kWarpThreads;
  static constexpr int kChunk = kThreads * kItems;

  /// The warp totals, twice: consecutive scans alternate (`parity`), so one barrier per scan
  /// keeps a scan's writes from overtaking the previous scan's reads.
  struct Shared {
    AffineMap<T> totals[2][kWarps];
  };

  __device__ static AffineMap<T> shuffle_up(AffineMap<T> m, int delta) {
    return {__shfl_up_sync(0xffffffffu, m.a, delta), __shfl_up_sync(0xffffffffu, m.b, delta)};
  }

  /// The thread's inclusive scan within its warp; lane 31 leaves the warp's total in
  /// shared.totals[parity]. Ends with a barrier.
  __device__ static AffineMap<T> warp_scan(Shared& shared, int parity, AffineMap<T> m) {
    const int lane = threadIdx.x % kWarpThreads;
    for (int k = 1; k < kWarpThreads; k *= 2) {
      const AffineMap<T> other = shuffle_up(m, k);
      if (lane >= k) m = compose(other, m);
    }
    if (lane == kWarpThreads - 1) shared.totals[parity][threadIdx.x / kWarpThreads] = m;
    __syncthreads();
    return m;
  }

  /// h[k] = the value after the thread's step k, the chunk entered with `carry` (the same
  /// value in every thread). Every thread of the block must call it.
  __device__ static void scan(Shared& shared, int parity, const AffineMap<T> (&m)[kItems], T carry,
                              T (&h)[kItems]) {
    const AffineMap<T> inclusive = warp_scan(shared, parity, compose_items(m));
    const AffineMap<T> previous = shuffle_up(inclusive, 1);
    const T warp_h = warp_carry(shared.totals[parity], static_cast<int>(threadIdx.x / kWarpThreads), carry);
    rerun_items(m, lane_carry(static_cast<int>(threadIdx.x % kWarpThreads), previous, warp_h), h);
  }

  /// The map of the whole chunk (every thread gets it). Every thread must call it.
  __device__ static AffineMap<T> total(Shared& shared, int parity, const AffineMap<T> (&m)[kItems]) {
    warp_scan(shared, parity, compose_items(m));
    AffineMap<T> acc = shared.totals[parity][0];
    for (int w = 1; w < kWarps; ++w) acc = compose(acc, shared.totals[parity][w]);
    return acc;
  }
};

/// Copies steps [0, n) of src into a staged shared buffer of `chunk` steps (staged_index),
/// `fill` past n; the block's threads in a coalesced, striding loop. No barrier.
template <typename T>
__device__ void stage_chunk(T* staged, const T* src, int n, int chunk, T fill) {
  for (int i = static_cast<int>(threadIdx.x); i < chunk; i += static_cast<int>(blockDim.x))
    staged[staged_index(i)] = i < n ? src[i] : fill;
}

/// Writes steps [0, n) of a staged shared buffer to dst, coalesced. No barrier.
template <typename T> __device__ void unstage_chunk(const T* staged, int n, T* dst) {
  for (int i = static_cast<int>(threadIdx.x); i < n; i += static_cast<int>(blockDim.x)) dst[i] = staged[staged_index(i)];
}

}  // namespace graphrun::sequence
