// The pieces of the CUDA block scan of h_t = a_t·h_{t-1} + b_t (block_scan.cuh) that do
// arithmetic, as __host__ __device__ functions: the host tests run them in the device's
// order (tests/sequence/cuda_scan_emulation.h) to check the algorithm against the CPU ops.
//
// A chunk of kThreads·kItems steps is scanned by one block: thread i holds steps
// i·kItems .. i·kItems + kItems - 1 (a blocked arrangement) and
//   1. composes its steps' maps in order (compose_items),
//   2. each warp scans its 32 threads' maps, Kogge-Stone, in log2(32) levels,
//   3. the carry (h before the chunk) goes through the warp totals in warp order
//      (warp_carry), then through the thread's exclusive prefix within its warp,
//   4. each thread runs its steps again from that h (rerun_items), as the CPU's pass 3.
// Every step's operations are fixed by kThreads and kItems alone, so a result never
// depends on the GPU, the grid or the timing.
#pragma once

#include "scan_math.h"

namespace graphrun::sequence {

/// Threads of a warp, the width of the warp scan.
inline constexpr int kWarpThreads = 32;

/// The scan kernels' blocks (recurrence, selective_scan, ssm): 128 threads of kScanItems
/// steps, chunks of 1024 f32 or 512 f64 steps (the same shared memory in both).
inline constexpr int kScanThreads = 128;
template <typename T> inline constexpr int kScanItems = sizeof(T) == 4 ? 8 : 4;
/// recurrence's rows of at most this many steps run one thread each, in order.
inline constexpr int64_t kShortRecurrence = 64;

/// Steps 0..kItems-1 composed in order.
template <typename T, int kItems> GRAPHRUN_HD inline AffineMap<T> compose_items(const AffineMap<T> (&m)[kItems]) {
  AffineMap<T> acc = m[0];
  for (int k = 1; k < kItems; ++k) acc = compose(acc, m[k]);
  return acc;
}

/// h[k] = the value after step k, starting from h_in.
template <typename T, int kItems>
GRAPHRUN_HD inline void rerun_items(const AffineMap<T> (&m)[kItems], T h_in, T (&h)[kItems]) {
  T v = h_in;
  for (int k = 0; k < kItems; ++k) {
    v = apply(m[k], v);
    h[k] = v;
  }
}

/// The h entering warp `warp`: `carry` through the totals of warps 0..warp-1, in order.
template <typename T> GRAPHRUN_HD inline T warp_carry(const AffineMap<T>* totals, int warp, T carry) {
  for (int w = 0; w < warp; ++w) carry = apply(totals[w], carry);
  return carry;
}

/// The h entering lane `lane` of a warp: lane 0 takes the warp's h, lane i the inclusive
/// scan of lane i - 1 applied to it.
template <typename T> GRAPHRUN_HD inline T lane_carry(int lane, AffineMap<T> previous_inclusive, T warp_h) {
  return lane == 0 ? warp_h : apply(previous_inclusive, warp_h);
}

/// Padded index into a chunk staged in shared memory: one spare slot per 32, so that
/// threads reading their kItems consecutive steps (a blocked arrangement) hit distinct banks.
GRAPHRUN_HD inline int staged_index(int i) { return i + i / kWarpThreads; }

/// Values of a chunk of `chunk` steps in a staged buffer.
GRAPHRUN_HD constexpr int staged_size(int chunk) { return chunk + chunk / kWarpThreads; }

}  // namespace graphrun::sequence
