// integrate on the device: the segmented scan of integrate_scan.h in three passes over tiles
// of kScanTile elements of the flattened tensor: (1) each tile's total, (2) one block scans
// the totals in tile order into each tile's carry, (3) each tile scanned again from its
// carry and written. A tile's samples are staged in shared memory (coalesced loads, with the
// halo its terms read); the terms are integral_terms.h's, in T, as on the CPU. CUB's block
// scan combines in a fixed order, so every run gives the same bits. Pass 3 alone when the
// tensor fits in one tile.
#include "calculus_cuda.h"
#include "core/cuda_launch.cuh"
#include "integrate_scan.h"

#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>

#include <cstring>
#include <limits>
#include <span>
#include <vector>

namespace graphrun::calculus {
namespace {

/// Threads of the single block that scans the tiles' totals.
constexpr int kCarryThreads = 512;

/// Blocks of a tile pass resident on one multiprocessor at the least (registers capped to
/// allow them): enough loads in flight to keep the memory busy.
constexpr int kTileBlocksPerSm = 3;

/// Most blocks of a pass (each loops over tiles beyond that).
constexpr int64_t kMaxTileBlocks = int64_t{1} << 20;

using TileScan = cub::BlockScan<RunningPiece, kScanThreads>;
using TileReduce = cub::BlockReduce<RunningPiece, kScanThreads>;  // warp reductions: keeps the order

template <typename T> struct TileShared {
  T window[kScanWindowSlots];  // the tile's samples with their halo, then its outputs (window_slot)
  union {
    typename TileScan::TempStorage scan;
    typename TileReduce::TempStorage reduce;
  };
};

/// This thread's pieces of tile `tile`, its samples staged in shared.window.
template <typename T>
__device__ void tile_pieces(const IntegralTerms<T>& terms, const T* x, int64_t length, int64_t numel, int64_t tile,
                            TileShared<T>& shared, RunningPiece (&pieces)[kScanItems]) {
  const int64_t begin = tile * kScanTile, window_begin = begin - kHaloBefore;
  for (int k = threadIdx.x; k < kScanWindow; k += kScanThreads) {
    const int64_t g = window_begin + k;
    shared.window[window_slot(k)] = g >= 0 && g < numel ? x[g] : T(0);
  }
  __syncthreads();
  thread_pieces(terms, shared.window, window_begin, begin + int64_t{threadIdx.x} * kScanItems, length, numel, pieces);
}

/// Pass 1: totals[tile] for every tile.
template <typename T>
__global__ void __launch_bounds__(kScanThreads, kTileBlocksPerSm)
    tile_totals(IntegralTerms<T> terms, const T* x, int64_t length, int64_t numel, int64_t tiles,
                RunningPiece* totals) {
  __shared__ TileShared<T> shared;
  for (int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    RunningPiece pieces[kScanItems];
    tile_pieces(terms, x, length, numel, tile, shared, pieces);
    const RunningPiece total = TileReduce(shared.reduce).Reduce(pieces, FollowedBy());
    if (threadIdx.x == 0) totals[tile] = total;
    __syncthreads();  // shared is reused by the next tile
  }
}

/// The running carry of the totals scanned so far (CUB calls it from the first warp).
struct CarrySoFar {
  RunningPiece carry;
  __device__ RunningPiece operator()(const RunningPiece& chunk_total) {
    const RunningPiece before = carry;
    carry = FollowedBy()(carry, chunk_total);
    return before;
  }
};

/// Pass 2 (one block): pieces[tile] = the pieces of all tiles before it combined, in order.
__global__ void __launch_bounds__(kCarryThreads) tile_carries(RunningPiece* pieces, int64_t tiles) {
  using CarryScan = cub::BlockScan<RunningPiece, kCarryThreads>;
  __shared__ typename CarryScan::TempStorage scan;
  CarrySoFar so_far{no_piece()};
  for (int64_t base = 0; base < tiles; base += int64_t{kCarryThreads} * kScanItems) {
    const int64_t first = base + int64_t{threadIdx.x} * kScanItems;
    RunningPiece items[kScanItems];
#pragma unroll
    for (int j = 0; j < kScanItems; ++j) items[j] = first + j < tiles ? pieces[first + j] : no_piece();
    CarryScan(scan).ExclusiveScan(items, items, FollowedBy(), so_far);
#pragma unroll
    for (int j = 0; j < kScanItems; ++j)
      if (first + j < tiles) pieces[first + j] = items[j];
    __syncthreads();  // scan is reused by the next chunk
  }
}

/// Pass 3: every output, each tile's pieces after its carry (carries null: one tile).
template <typename T>
__global__ void __launch_bounds__(kScanThreads, kTileBlocksPerSm)
    tile_outputs(IntegralTerms<T> terms, const T* x, int64_t length, int64_t numel, int64_t tiles,
                 const RunningPiece* carries, T initial, T* out) {
  __shared__ TileShared<T> shared;
  for (int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    RunningPiece pieces[kScanItems];
    tile_pieces(terms, x, length, numel, tile, shared, pieces);
    TileScan(shared.scan).InclusiveScan(pieces, pieces, FollowedBy());
    const RunningPiece carry = carries ? carries[tile] : no_piece();
    __syncthreads();  // every thread has read its samples: the window takes the outputs
#pragma unroll
    for (int j = 0; j < kScanItems; ++j)
      shared.window[window_slot(threadIdx.x * kScanItems + j)] = output_of(FollowedBy()(carry, pieces[j]), initial);
    __syncthreads();
    const int64_t begin = tile * kScanTile;
    for (int k = threadIdx.x; k < kScanTile; k += kScanThreads)
      if (begin + k < numel) out[begin + k] = shared.window[window_slot(k)];
    __syncthreads();  // shared is reused by the next tile
  }
}

/// Sets *first to the least i with !(t[i+1] - t[i] > 0) (integral_terms.cpp's check).
template <typename T> __global__ void find_unordered(const T* t, int64_t length, unsigned long long* first) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i + 1 < length;
       i += int64_t{gridDim.x} * blockDim.x)
    if (!(t[i + 1] - t[i] > T(0))) atomicMin(first, static_cast<unsigned long long>(i));
}

/// Where simpson's positions first fail to increase, with the two positions (the message's).
struct UnorderedAt {
  unsigned long long at;  // ULLONG_MAX: they all increase
  double left, right;
};

template <typename T> __global__ void read_unordered_pair(const T* t, UnorderedAt* found) {
  if (found->at == ~0ull) return;
  found->left = static_cast<double>(t[found->at]);
  found->right = static_cast<double>(t[found->at + 1]);
}

/// The host's side of the check: refuses with the CPU's message once the answer is back.
void refuse_unordered(const plugin::Node&, std::span<const std::byte> bytes) {
  UnorderedAt found;
  std::memcpy(&found, bytes.data(), sizeof found);
  if (found.at == std::numeric_limits<unsigned long long>::max()) return;
  throw std::runtime_error(unordered_positions_error(static_cast<int64_t>(found.at), found.left, found.right));
}

/// simpson's positions must increase, as IntegralTerms::check_positions demands on the CPU:
/// the device finds the first that does not, and the host refuses with the CPU's message when
/// the answer comes back (node.cuda_check: after the stream's next synchronization, never by
/// waiting here).
template <typename T> void check_positions(const plugin::Node& node, const T* t, int64_t length) {
  const cudaStream_t stream = core::stream_of(node);
  auto* found = static_cast<UnorderedAt*>(node.device_scratch(sizeof(UnorderedAt)));
  core::check_cuda(cudaMemsetAsync(&found->at, 0xff, sizeof found->at, stream), "integrate", "cudaMemsetAsync");
  find_unordered<<<core::grid_for(length), core::kCudaBlock, 0, stream>>>(t, length, &found->at);
  core::check_launch("integrate");
  read_unordered_pair<<<1, 1, 0, stream>>>(t, found);
  core::check_launch("integrate");
  node.cuda_check<&refuse_unordered>(found, sizeof(UnorderedAt));
}

}  // namespace

void integrate_cuda(const plugin::Node& node, IntegralMethod method, int64_t length, const void* t, double dx,
                    double initial, const void* x, void* out, int64_t numel) {
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    const T* ts = static_cast<const T*>(t);
    const IntegralTerms<T> terms(method, length, ts, dx);
    if (ts && terms.method() == IntegralMethod::kSimpson) check_positions(node, ts, length);
    const cudaStream_t stream = core::stream_of(node);
    const T* xs = static_cast<const T*>(x);
    const int64_t tiles = (numel + kScanTile - 1) / kScanTile;
    const int grid = static_cast<int>(std::min(tiles, kMaxTileBlocks));
    RunningPiece* carries = nullptr;
    if (tiles > 1) {
      carries = static_cast<RunningPiece*>(node.device_scratch(static_cast<size_t>(tiles) * sizeof(RunningPiece)));
      tile_totals<<<grid, kScanThreads, 0, stream>>>(terms, xs, length, numel, tiles, carries);
      core::check_launch("integrate");
      tile_carries<<<1, kCarryThreads, 0, stream>>>(carries, tiles);
      core::check_launch("integrate");
    }
    tile_outputs<<<grid, kScanThreads, 0, stream>>>(terms, xs, length, numel, tiles, carries, T(initial),
                                                    static_cast<T*>(out));
    core::check_launch("integrate");
  });
}

}  // namespace graphrun::calculus
