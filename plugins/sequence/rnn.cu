// rnn on the device, in two parts:
//   1. the input projection of every step, one batched cuBLAS product (common/cublas_gemm.h)
//      out[b] = W_xh · x[b] ((hidden, input) times (input, L)), written straight into the
//      output, whose (batch, hidden, L) layout it has;
//   2. the recurrence, one persistent block per batch item stepping through time: per step a
//      warp per hidden unit i (in turn) takes the dot product of row i of W_hh with h_{t-1}
//      (lanes over the row, coalesced; a fixed shuffle tree), adds it to bias + projection as
//      the CPU does (rnn_unit in scan_math.h), applies the activation and writes h_t to
//      out and to a double buffer of h (shared memory when it fits, else scratch); one
//      barrier per step.
// The sums differ from OpenBLAS's order only by rounding; tanh is CUDA's.
#include "../common/cublas_gemm.h"
#include "block_scan.cuh"

namespace graphrun::sequence {
namespace {

inline constexpr int kRnnThreads = 256;
inline constexpr int kRnnWarps = kRnnThreads / kWarpThreads;
/// The double buffer of h goes to shared memory up to this size.
inline constexpr size_t kRnnSharedBytes = 48 * 1024;

template <typename T> struct RnnParams {
  int64_t batch, hidden, length;
  const T *w_hh, *bias, *h0;
  bool relu;
  T *out, *final;
  T* h_scratch;  // 2·hidden per batch item, or null: h in shared memory
};

template <typename T> __device__ T warp_sum(T v) {
  for (int offset = kWarpThreads / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;  // every lane holds the same bits: each level adds the same two values
}

template <typename T> __global__ void __launch_bounds__(kRnnThreads) rnn_steps_kernel(RnnParams<T> p) {
  extern __shared__ unsigned char rnn_shared[];
  const int lane = static_cast<int>(threadIdx.x % kWarpThreads), warp = static_cast<int>(threadIdx.x / kWarpThreads);
  const int64_t H = p.hidden, L = p.length;
  for (int64_t b = blockIdx.x; b < p.batch; b += gridDim.x) {
    T* buffers = p.h_scratch ? p.h_scratch + b * 2 * H : reinterpret_cast<T*>(rnn_shared);
    T* out = p.out + b * H * L;
    const T* h0 = p.h0 ? p.h0 + b * H : nullptr;
    __syncthreads();  // the previous item is done with the buffers
    for (int64_t t = 0; t < L; ++t) {
      const T* h_prev = t > 0 ? buffers + ((t - 1) & 1) * H : h0;  // null: h_{-1} = 0, no product
      T* h_next = buffers + (t & 1) * H;
      for (int64_t i = warp; i < H; i += kRnnWarps) {
        T dot = T(0);
        if (h_prev) {
          const T* w = p.w_hh + i * H;
          for (int64_t j = lane; j < H; j += kWarpThreads) dot = dot + w[j] * h_prev[j];
          dot = warp_sum(dot);
        }
        if (lane == 0) {
          const T v = rnn_unit(out[i * L + t], p.bias ? p.bias + i : nullptr, dot, h_prev != nullptr, p.relu);
          out[i * L + t] = v;
          h_next[i] = v;
          if (t == L - 1) p.final[b * H + i] = v;
        }
      }
      __syncthreads();  // h_t complete before step t + 1 reads it
    }
    if (L == 0)
      for (int64_t i = threadIdx.x; i < H; i += kRnnThreads) p.final[b * H + i] = h0 ? h0[i] : T(0);
  }
}

template <typename T> void launch(const plugin::Node& node, const RnnArgs& args) {
  if (args.batch == 0 || args.hidden == 0) return;  // both outputs are empty
  const int64_t H = args.hidden, L = args.length;
  if (L > 0) {
    const common::GemmBatch g{H, L, args.input, false, args.input, L, L, 0, args.input * L, H * L, args.batch, false};
    common::cublas_gemm(node, g, args.w_xh, args.x, args.out, "rnn");
  }
  const size_t buffer_bytes = static_cast<size_t>(2 * H) * sizeof(T);
  const bool shared = buffer_bytes <= kRnnSharedBytes;
  T* scratch = shared ? nullptr : static_cast<T*>(node.device_scratch(buffer_bytes * static_cast<size_t>(args.batch)));
  const RnnParams<T> p{args.batch, H, L, static_cast<const T*>(args.w_hh), static_cast<const T*>(args.bias),
                       static_cast<const T*>(args.h0), args.relu, static_cast<T*>(args.out),
                       static_cast<T*>(args.final), scratch};
  rnn_steps_kernel<T><<<blocks_for_items(args.batch), kRnnThreads, shared ? buffer_bytes : 0, stream_of(node)>>>(p);
  check_launch("rnn");
}

}  // namespace

void rnn_cuda(const plugin::Node& node, const RnnArgs& args) {
  plugin::dispatch(node.dtype(), [&]<typename T>() { launch<T>(node, args); });
}

}  // namespace graphrun::sequence
