// ssm on the device. A, B, C and dt live on the device, so the discretization runs there
// too: one thread per (channel, state) calls the CPU's discretize() (ssm_discretize.h, in
// double) and stores Ā, B̄ and C in T, as the CPU's recurrent kernel uses them. Then the
// recurrence as selective_scan.cu runs it: one block per (batch item, channel), time in
// chunks staged through shared memory, state by state the block scan (block_scan.cuh) of
// the maps (Ā, B̄·u_t) from the state's carry (kept in `final`), each thread adding C·h to
// its steps' sums; y = sum + Dskip·u.
//
// This is recurrent mode (and auto where the CPU steps); convolution mode goes to
// ssm_convolution.cu.
#include "block_scan.cuh"

namespace graphrun::sequence {
namespace {

/// Per (channel, state): Ā, B̄ and C in T, each (D, N) row-major.
template <typename T> struct DiscreteTables {
  T *a_bar, *b_bar, *c;
};

template <typename T>
__global__ void discretize_kernel(int64_t channels, int64_t states, const T* a, const T* b, const T* c, const T* dt,
                                  double dt_value, Discretization method, DiscreteTables<T> out) {
  for (int64_t k = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; k < channels * states;
       k += int64_t{gridDim.x} * blockDim.x) {
    const double step = dt ? static_cast<double>(dt[k / states]) : dt_value;
    const DiscreteState s = discretize(method, static_cast<double>(a[k]), static_cast<double>(b[k]), step);
    out.a_bar[k] = static_cast<T>(s.a_bar);
    out.b_bar[k] = static_cast<T>(s.b_bar);
    out.c[k] = c[k];
  }
}

template <typename T> struct SsmParams {
  int64_t batch, channels, states, length;
  const T* u;
  const T* dskip;
  DiscreteTables<T> sys;
  T *y, *final;
};

template <typename T, int kThreads, int kItems>
__global__ void __launch_bounds__(kThreads) ssm_recurrent_kernel(SsmParams<T> p) {
  using Scan = BlockScan<T, kThreads, kItems>;
  constexpr int kChunk = Scan::kChunk;
  __shared__ typename Scan::Shared scan_shared;
  __shared__ T s_u[staged_size(kChunk)], s_y[staged_size(kChunk)];
  const int tid = static_cast<int>(threadIdx.x);
  const int64_t N = p.states, L = p.length;
  int parity = 0;
  for (int64_t row = blockIdx.x; row < p.batch * p.channels; row += gridDim.x) {
    const int64_t d = row % p.channels;
    T* final = p.final + row * N;
    if (L == 0)
      for (int64_t n = tid; n < N; n += kThreads) final[n] = T(0);
    for (int64_t t0 = 0; t0 < L; t0 += kChunk) {
      const int valid = static_cast<int>(min(int64_t{kChunk}, L - t0));
      __syncthreads();  // the previous chunk (or row) is done with s_u and s_y
      stage_chunk(s_u, p.u + row * L + t0, valid, kChunk, T(0));
      __syncthreads();
      T u[kItems], sum[kItems];
      for (int k = 0; k < kItems; ++k) {
        u[k] = s_u[staged_index(tid * kItems + k)];
        sum[k] = T(0);
      }
      for (int64_t n = 0; n < N; ++n) {
        const T a_bar = p.sys.a_bar[d * N + n], b_bar = p.sys.b_bar[d * N + n], c = p.sys.c[d * N + n];
        const T carry = t0 == 0 ? T(0) : final[n];  // read before the scan's barrier
        AffineMap<T> m[kItems];
        for (int k = 0; k < kItems; ++k)
          m[k] = tid * kItems + k < valid ? AffineMap<T>{a_bar, b_bar * u[k]} : identity_map<T>();
        T h[kItems];
        Scan::scan(scan_shared, parity, m, carry, h);
        parity ^= 1;
        for (int k = 0; k < kItems; ++k) sum[k] = sum[k] + c * h[k];
        if (tid == kThreads - 1) final[n] = h[kItems - 1];  // padding steps keep h
      }
      const T ds = p.dskip ? p.dskip[d] : T(0);
      for (int k = 0; k < kItems; ++k) s_y[staged_index(tid * kItems + k)] = p.dskip ? sum[k] + ds * u[k] : sum[k];
      __syncthreads();
      unstage_chunk(s_y, valid, p.y + row * L + t0);
    }
  }
}

template <typename T> void launch(const plugin::Node& node, const SsmArgs& args) {
  const int64_t cells = args.channels * args.states, rows = args.batch * args.channels;
  const cudaStream_t stream = stream_of(node);
  DiscreteTables<T> sys{};
  if (cells > 0) {
    T* tables = static_cast<T*>(node.device_scratch(static_cast<size_t>(3 * cells) * sizeof(T)));
    sys = {tables, tables + cells, tables + 2 * cells};
    discretize_kernel<T><<<blocks_for_elements(cells, 256), 256, 0, stream>>>(
        args.channels, args.states, static_cast<const T*>(args.a), static_cast<const T*>(args.b),
        static_cast<const T*>(args.c), static_cast<const T*>(args.dt), args.dt_value, args.method, sys);
    check_launch("ssm");
  }
  if (rows == 0) return;
  const SsmParams<T> p{args.batch, args.channels, args.states, args.length, static_cast<const T*>(args.u),
                       static_cast<const T*>(args.dskip), sys, static_cast<T*>(args.y), static_cast<T*>(args.final)};
  ssm_recurrent_kernel<T, kScanThreads, kScanItems<T>><<<blocks_for_items(rows), kScanThreads, 0, stream>>>(p);
  check_launch("ssm");
}

}  // namespace

void ssm_cuda(const plugin::Node& node, const SsmArgs& args) {
  if (args.convolution) return ssm_convolution_cuda(node, args);
  plugin::dispatch(node.dtype(), [&]<typename T>() { launch<T>(node, args); });
}

}  // namespace graphrun::sequence
