// selective_scan on the device, Mamba's layout: one block per (batch item, channel), the
// time axis in chunks of kThreads·kItems steps staged through shared memory. Per chunk each
// thread makes its steps' Δ (bias, softplus) and Δ·u once; then, state by state, the steps'
// maps (exp(Δ·A), Bm·Δ·u) are combined by the block scan (block_scan.cuh) from the state's
// carry, and each thread adds state·Cm to its steps' sums. Bm and Cm are staged a few states
// at a time. The carry between chunks is kept in `final` itself, which holds the state
// after the last chunk at the end. Then y = sum + Dskip·u, times silu(z). The per-step math
// is scan_math.h's, the CPU's formulas; the scan's grouping differs from the CPU's
// sequential one only by rounding (the host test replays this kernel's order).
#include "block_scan.cuh"

namespace graphrun::sequence {
namespace {

template <typename T> struct SelectiveParams {
  int64_t batch, channels, states, length;
  const T *u, *delta, *a, *bm, *cm, *dskip, *z, *delta_bias;
  bool softplus;
  T *y, *final;
};

/// States whose Bm and Cm chunks are staged together.
inline constexpr int kStagedStates = 4;

template <typename T, int kThreads, int kItems>
__global__ void __launch_bounds__(kThreads) selective_scan_kernel(SelectiveParams<T> p) {
  using Scan = BlockScan<T, kThreads, kItems>;
  constexpr int kChunk = Scan::kChunk, kStaged = staged_size(kChunk);
  __shared__ typename Scan::Shared scan_shared;
  __shared__ T s_u[kStaged], s_work[kStaged], s_z[kStaged];  // s_work: delta, then y
  __shared__ T s_b[kStagedStates][kStaged], s_c[kStagedStates][kStaged];
  const int tid = static_cast<int>(threadIdx.x);
  const int64_t N = p.states, L = p.length;
  int parity = 0;
  for (int64_t row = blockIdx.x; row < p.batch * p.channels; row += gridDim.x) {
    const int64_t b = row / p.channels, d = row % p.channels;
    const T* bias = p.delta_bias ? p.delta_bias + d : nullptr;
    const T* dskip = p.dskip ? p.dskip + d : nullptr;
    const T* bm = p.bm + b * N * L;
    const T* cm = p.cm + b * N * L;
    T* final = p.final + row * N;
    if (L == 0)
      for (int64_t n = tid; n < N; n += kThreads) final[n] = T(0);
    for (int64_t t0 = 0; t0 < L; t0 += kChunk) {
      const int valid = static_cast<int>(min(int64_t{kChunk}, L - t0));
      __syncthreads();  // the previous chunk (or row) is done with the staged buffers
      stage_chunk(s_u, p.u + row * L + t0, valid, kChunk, T(0));
      stage_chunk(s_work, p.delta + row * L + t0, valid, kChunk, T(0));
      if (p.z) stage_chunk(s_z, p.z + row * L + t0, valid, kChunk, T(0));
      __syncthreads();
      T dt[kItems], du[kItems], sum[kItems];
      for (int k = 0; k < kItems; ++k) {
        const int i = staged_index(tid * kItems + k);
        dt[k] = selective_dt(s_work[i], bias, p.softplus);
        du[k] = dt[k] * s_u[i];
        sum[k] = T(0);
      }
      for (int64_t n0 = 0; n0 < N; n0 += kStagedStates) {
        const int group = static_cast<int>(min(int64_t{kStagedStates}, N - n0));
        __syncthreads();  // the previous group is done with s_b, s_c
        for (int s = 0; s < group; ++s) {
          stage_chunk(s_b[s], bm + (n0 + s) * L + t0, valid, kChunk, T(0));
          stage_chunk(s_c[s], cm + (n0 + s) * L + t0, valid, kChunk, T(0));
        }
        __syncthreads();
        for (int s = 0; s < group; ++s) {
          const int64_t n = n0 + s;
          const T rate = decay_rate(p.a[d * N + n]);
          const T carry = t0 == 0 ? T(0) : final[n];  // read before the scan's barrier
          AffineMap<T> m[kItems];
          for (int k = 0; k < kItems; ++k) {
            const int step = tid * kItems + k;
            m[k] = step < valid ? selective_step(rate, dt[k], du[k], s_b[s][staged_index(step)]) : identity_map<T>();
          }
          T h[kItems];
          Scan::scan(scan_shared, parity, m, carry, h);
          parity ^= 1;
          for (int k = 0; k < kItems; ++k) sum[k] = fused(h[k], s_c[s][staged_index(tid * kItems + k)], sum[k]);
          // The last thread's last step is the chunk's last (padding steps keep h).
          if (tid == kThreads - 1) final[n] = h[kItems - 1];
        }
      }
      // Each thread overwrites only its own steps of s_work (it alone read them above).
      for (int k = 0; k < kItems; ++k) {
        const int i = staged_index(tid * kItems + k);
        s_work[i] = selective_output(sum[k], s_u[i], dskip, p.z ? &s_z[i] : nullptr);
      }
      __syncthreads();
      unstage_chunk(s_work, valid, p.y + row * L + t0);
    }
  }
}

template <typename T> void launch(const plugin::Node& node, const SelectiveScanArgs& args) {
  auto in = [](const void* p) { return static_cast<const T*>(p); };
  const SelectiveParams<T> p{args.batch, args.channels, args.states, args.length,
                             in(args.u), in(args.delta), in(args.a), in(args.bm), in(args.cm),
                             in(args.dskip), in(args.z), in(args.delta_bias), args.softplus,
                             static_cast<T*>(args.y), static_cast<T*>(args.final)};
  const int64_t rows = args.batch * args.channels;
  if (rows == 0) return;
  selective_scan_kernel<T, kScanThreads, kScanItems<T>><<<blocks_for_items(rows), kScanThreads, 0, stream_of(node)>>>(p);
  check_launch("selective_scan");
}

}  // namespace

void selective_scan_cuda(const plugin::Node& node, const SelectiveScanArgs& args) {
  plugin::dispatch(node.dtype(), [&]<typename T>() { launch<T>(node, args); });
}

}  // namespace graphrun::sequence
