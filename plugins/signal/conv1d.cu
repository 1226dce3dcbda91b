// conv1d's direct kernels on the device, each output summed as the CPU's direct and
// depthwise paths sum it (conv_math.h: bias, then the taps inside the input in (channel,
// tap) order, no fused multiply-add), so the sums have the CPU's bits; silu is ew::silu
// (CUDA's expf/exp: the last bits may differ from the CPU's, within SPEC's tolerances).
//
// - depthwise_taps_kernel: Mamba's causal conv and every depthwise conv with K <= 4,
//   dilation 1, pad_left <= K − 1. A warp covers 32·V consecutive outputs of one row
//   (V = 32 bytes of values: 8 f32, 4 f64), each thread V of them: it reads its own V inputs
//   once (two 16-byte loads where the rows are aligned), takes the K − 1 neighbours its taps
//   need from the adjacent lanes by shuffles (lanes 0 and 31 read theirs from memory), sums
//   in registers and writes its V outputs with two 16-byte stores. Outputs whose taps reach
//   into the padding (the first K − 1 of a causal row) take conv_sum with its bounds checks.
// - direct_tiled_kernel: any groups, stride, dilation, padding and K. A block computes 512
//   outputs (4 per thread, 128 apart, so loads and stores are coalesced) of up to 4 output
//   channels of one group; for each input channel of the group and each round of taps, the
//   input segment those outputs read is staged in shared memory once for all 4 channels.
// - direct_global_kernel: one thread per output straight from global memory, for strides so
//   large that a tile's input segment does not fit in shared memory.
#include "cuda_launchers.h"

#include "core/cuda_launch.cuh"

#include <algorithm>
#include <cstdint>

namespace graphrun::signal {
namespace {

using core::check_launch;
using core::stream_of;

constexpr int kWarp = 32;
constexpr int kThreads = 128;
constexpr int64_t kMaxBlocks = int64_t{1} << 20;  // grid-stride loops beyond this

/// Blocks of the depthwise kernel resident per SM that its registers must allow: f32 48
/// registers a thread, 1280 threads an SM, enough 32-byte loads in flight to keep memory
/// busy; f64 (two values a register) 64 registers, 1024 threads, without spilling.
template <typename T> inline constexpr int kTapsBlocksPerSm = sizeof(T) == sizeof(float) ? 10 : 8;

/// Values per thread of the depthwise kernel: 32 bytes, two 16-byte vectors.
template <typename T> inline constexpr int kLanes = 32 / static_cast<int>(sizeof(T));

/// 16 bytes of T as one load or store.
template <typename T> struct Vector16;
template <> struct Vector16<float> {
  using type = float4;
  static constexpr int count = 4;
  __device__ static void unpack(const float4& v, float* out) { out[0] = v.x, out[1] = v.y, out[2] = v.z, out[3] = v.w; }
  __device__ static float4 pack(const float* in) { return make_float4(in[0], in[1], in[2], in[3]); }
};
template <> struct Vector16<double> {
  using type = double2;
  static constexpr int count = 2;
  __device__ static void unpack(const double2& v, double* out) { out[0] = v.x, out[1] = v.y; }
  __device__ static double2 pack(const double* in) { return make_double2(in[0], in[1]); }
};

/// v[i] = row[i0 + i] for i < V, zero past `length`; 16-byte loads when `vectors` (the row
/// and i0 aligned to them) and the chunk is whole.
template <typename T, int V>
__device__ __forceinline__ void load_chunk(const T* __restrict__ row, bool vectors, int64_t i0, int64_t length, T (&v)[V]) {
  using Vec = Vector16<T>;
  if (vectors && i0 + V <= length) {
#pragma unroll
    for (int q = 0; q < V / Vec::count; ++q)
      Vec::unpack(*reinterpret_cast<const typename Vec::type*>(row + i0 + q * Vec::count), v + q * Vec::count);
  } else {
#pragma unroll
    for (int i = 0; i < V; ++i) v[i] = i0 + i < length ? row[i0 + i] : T(0);
  }
}

template <typename T, int V>
__device__ __forceinline__ void store_chunk(T* __restrict__ row, bool vectors, int64_t i0, int64_t length, const T (&v)[V]) {
  using Vec = Vector16<T>;
  if (vectors && i0 + V <= length) {
#pragma unroll
    for (int q = 0; q < V / Vec::count; ++q)
      *reinterpret_cast<typename Vec::type*>(row + i0 + q * Vec::count) = Vec::pack(v + q * Vec::count);
  } else {
#pragma unroll
    for (int i = 0; i < V; ++i)
      if (i0 + i < length) row[i0 + i] = v[i];
  }
}

/// Depthwise, dilation 1, K = kTaps, pad_left = kPad. Work item: (row, tile of 32·V outputs),
/// one per warp; `tiles` per row, `items` in all.
template <typename T, int kTaps, int kPad>
__global__ void __launch_bounds__(kThreads, kTapsBlocksPerSm<T>)
    depthwise_taps_kernel(ConvDims d, const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ bias,
                          T* __restrict__ y, int64_t tiles, int64_t items, bool x_vectors, bool y_vectors) {
  constexpr int V = kLanes<T>;
  constexpr int kAfter = kTaps - 1 - kPad;  // inputs needed past the thread's own chunk
  static_assert(kPad <= V && kAfter <= V, "the taps must lie within the neighbouring lanes' chunks");
  const int lane = static_cast<int>(threadIdx.x) % kWarp;
  const int64_t warps = int64_t{gridDim.x} * (kThreads / kWarp);
  for (int64_t item = (int64_t{blockIdx.x} * kThreads + threadIdx.x) / kWarp; item < items; item += warps) {
    const int64_t row = item / tiles;
    const int64_t t0 = item % tiles * (kWarp * V) + lane * V;  // this thread's outputs [t0, t0 + V)
    const T* xr = x + row * d.length;                          // depthwise: input row = output row
    // win[m] = x[t0 − kPad + m]: the left neighbour's last kPad inputs, this thread's own V
    // (inputs t0.. as the outputs), the right neighbour's first kAfter.
    T own[V];
    load_chunk(xr, x_vectors, t0, d.length, own);
    T win[V + kTaps - 1];
#pragma unroll
    for (int i = 0; i < V; ++i) win[kPad + i] = own[i];
#pragma unroll
    for (int m = 0; m < kPad; ++m) win[m] = __shfl_up_sync(0xffffffffu, own[V - kPad + m], 1);
#pragma unroll
    for (int m = 0; m < kAfter; ++m) win[kPad + V + m] = __shfl_down_sync(0xffffffffu, own[m], 1);
    if (lane == 0) {
#pragma unroll
      for (int m = 0; m < kPad; ++m) {
        const int64_t i = t0 - kPad + m;
        win[m] = i >= 0 && i < d.length ? xr[i] : T(0);
      }
    }
    if (lane == kWarp - 1) {
#pragma unroll
      for (int m = 0; m < kAfter; ++m) {
        const int64_t i = t0 + V + m;
        win[kPad + V + m] = i < d.length ? xr[i] : T(0);
      }
    }
    if (t0 >= d.out_length) continue;  // past the row's end (after the shuffles: all lanes take part)
    T* yr = y + row * d.out_length;
    const int64_t c = row % d.out_channels;
    const bool inside = t0 >= kPad && t0 + V - 1 + kAfter < d.length && t0 + V <= d.out_length;
    if (inside) {
      T wk[kTaps];
#pragma unroll
      for (int k = 0; k < kTaps; ++k) wk[k] = w[c * kTaps + k];
      T out[V];
      depthwise_window<T, kTaps, V>(win, wk, bias ? bias[c] : T(0), d.silu, out);
      store_chunk(yr, y_vectors, t0, d.out_length, out);
    } else {  // a tap in the padding: the bounds-checked sum, output by output
      for (int i = 0; i < V && t0 + i < d.out_length; ++i)
        yr[t0 + i] = conv_activate(d, conv_sum(d, x, w, bias, row, t0 + i));
    }
  }
}

/// Outputs per thread of the tiled kernel (kDirectTile = kThreads · kPerThread).
constexpr int kPerThread = static_cast<int>(kDirectTile / kThreads);
static_assert(kDirectTile == int64_t{kThreads} * kPerThread);

/// Work item: (batch·group pair, tile of kChannels output channels, tile of kDirectTile
/// outputs), one per block; the channel tile's channels past the group's end are computed
/// from its last channel's weights and never stored.
template <typename T, int kChannels>
__global__ void __launch_bounds__(kThreads)
    direct_tiled_kernel(ConvDims d, const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ bias,
                        T* __restrict__ y, int64_t taps_per_round, int64_t channel_tiles, int64_t tiles,
                        int64_t items) {
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  T* segment = reinterpret_cast<T*>(shared_bytes);
  const int64_t in_per_group = d.in_per_group(), out_per_group = d.out_per_group();
  for (int64_t item = blockIdx.x; item < items; item += gridDim.x) {
    const int64_t t_base = item % tiles * kDirectTile, rest = item / tiles;
    const int64_t pair = rest / channel_tiles;  // n·groups + group
    const int64_t group = pair % d.groups, n = pair / d.groups;
    const int64_t first = rest % channel_tiles * kChannels;  // within the group
    const int64_t count = min(int64_t{kChannels}, out_per_group - first);
    const int64_t co0 = group * out_per_group + first;
    T acc[kChannels][kPerThread];
#pragma unroll
    for (int c = 0; c < kChannels; ++c) {
      const T b = bias && c < count ? bias[co0 + c] : T(0);
#pragma unroll
      for (int r = 0; r < kPerThread; ++r) acc[c][r] = b;
    }
    for (int64_t ci = 0; ci < in_per_group; ++ci) {
      const T* xr = x + (n * d.in_channels + group * in_per_group + ci) * d.length;
      for (int64_t k0 = 0; k0 < d.kernel; k0 += taps_per_round) {
        const int64_t k1 = min(d.kernel, k0 + taps_per_round);
        // The inputs the tile's outputs read with taps [k0, k1), zeros in the padding.
        const int64_t start = conv_input_index(d, t_base, k0);
        const int64_t length = (kDirectTile - 1) * d.stride + (k1 - 1 - k0) * d.dilation + 1;
        __syncthreads();  // the previous round is done with the segment
        for (int64_t i = threadIdx.x; i < length; i += kThreads) {
          const int64_t g = start + i;
          segment[i] = g >= 0 && g < d.length ? xr[g] : T(0);
        }
        __syncthreads();
        for (int64_t k = k0; k < k1; ++k) {
          T wk[kChannels];
#pragma unroll
          for (int c = 0; c < kChannels; ++c)
            wk[c] = w[((co0 + min(int64_t{c}, count - 1)) * in_per_group + ci) * d.kernel + k];
#pragma unroll
          for (int r = 0; r < kPerThread; ++r) {
            const int64_t t = t_base + threadIdx.x + int64_t{r} * kThreads;
            const int64_t g = conv_input_index(d, t, k);
            if (t < d.out_length && g >= 0 && g < d.length) {  // taps in the padding are skipped
              const T v = segment[g - start];
#pragma unroll
              for (int c = 0; c < kChannels; ++c) acc[c][r] = acc[c][r] + wk[c] * v;
            }
          }
        }
      }
    }
    T* yr = y + (n * d.out_channels + co0) * d.out_length;
#pragma unroll
    for (int c = 0; c < kChannels; ++c) {
#pragma unroll
      for (int r = 0; r < kPerThread; ++r) {
        const int64_t t = t_base + threadIdx.x + int64_t{r} * kThreads;
        if (c < count && t < d.out_length) yr[c * d.out_length + t] = conv_activate(d, acc[c][r]);
      }
    }
  }
}

/// One thread per output (grid-stride), conv_sum straight from global memory.
template <typename T>
__global__ void __launch_bounds__(kThreads)
    direct_global_kernel(ConvDims d, const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ bias,
                         T* __restrict__ y, int64_t outputs) {
  for (int64_t i = int64_t{blockIdx.x} * kThreads + threadIdx.x; i < outputs; i += int64_t{gridDim.x} * kThreads)
    y[i] = conv_activate(d, conv_sum(d, x, w, bias, i / d.out_length, i % d.out_length));
}

int blocks_for(int64_t items) { return static_cast<int>(std::clamp<int64_t>(items, 1, kMaxBlocks)); }

bool aligned16(const void* p, int64_t row_length, size_t size) {
  return reinterpret_cast<uintptr_t>(p) % 16 == 0 && row_length * static_cast<int64_t>(size) % 16 == 0;
}

template <typename T, int kTaps, int kPad = 0>
void launch_taps(const plugin::Node& node, const ConvDims& d, const T* x, const T* w, const T* bias, T* y) {
  if constexpr (kPad < kTaps) {
    if (d.pad_left != kPad) return launch_taps<T, kTaps, kPad + 1>(node, d, x, w, bias, y);
    const int64_t tiles = (d.out_length + kWarp * kLanes<T> - 1) / (kWarp * kLanes<T>);
    const int64_t items = d.rows() * tiles;
    const int64_t warps_per_block = kThreads / kWarp;
    depthwise_taps_kernel<T, kTaps, kPad><<<blocks_for((items + warps_per_block - 1) / warps_per_block), kThreads, 0,
                                            stream_of(node)>>>(d, x, w, bias, y, tiles, items,
                                                               aligned16(x, d.length, sizeof(T)),
                                                               aligned16(y, d.out_length, sizeof(T)));
    check_launch("conv1d");
  }
}

template <typename T>
void launch_direct(const plugin::Node& node, const ConvDims& d, const CudaConvPlan& plan, const T* x, const T* w,
                   const T* bias, T* y) {
  switch (plan.path) {
    case CudaConvPath::kDepthwiseTaps:
      switch (d.kernel) {
        case 1: return launch_taps<T, 1>(node, d, x, w, bias, y);
        case 2: return launch_taps<T, 2>(node, d, x, w, bias, y);
        case 3: return launch_taps<T, 3>(node, d, x, w, bias, y);
        default: return launch_taps<T, 4>(node, d, x, w, bias, y);
      }
    case CudaConvPath::kDirectTiled: {
      const int64_t tiles = (d.out_length + kDirectTile - 1) / kDirectTile;
      const int64_t max_taps = plan.direct_taps;
      const size_t shared = static_cast<size_t>((kDirectTile - 1) * d.stride + (max_taps - 1) * d.dilation + 1) * sizeof(T);
      const int64_t pairs = d.batch * d.groups;
      if (d.out_per_group() >= 4) {
        const int64_t channel_tiles = (d.out_per_group() + 3) / 4;
        const int64_t items = pairs * channel_tiles * tiles;
        direct_tiled_kernel<T, 4><<<blocks_for(items), kThreads, shared, stream_of(node)>>>(
            d, x, w, bias, y, max_taps, channel_tiles, tiles, items);
      } else {
        const int64_t channel_tiles = d.out_per_group();
        const int64_t items = pairs * channel_tiles * tiles;
        direct_tiled_kernel<T, 1><<<blocks_for(items), kThreads, shared, stream_of(node)>>>(
            d, x, w, bias, y, max_taps, channel_tiles, tiles, items);
      }
      check_launch("conv1d");
      return;
    }
    default: {
      const int64_t outputs = d.rows() * d.out_length;
      direct_global_kernel<T><<<blocks_for((outputs + kThreads - 1) / kThreads), kThreads, 0, stream_of(node)>>>(
          d, x, w, bias, y, outputs);
      check_launch("conv1d");
    }
  }
}

}  // namespace

void conv1d_direct_cuda(const plugin::Node& node, const ConvDims& d, const CudaConvPlan& plan, const void* x,
                        const void* w, const void* bias, void* y) {
  if (d.rows() == 0 || d.out_length == 0) return;
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    launch_direct(node, d, plan, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(bias),
                  static_cast<T*>(y));
  });
}

}  // namespace graphrun::signal
