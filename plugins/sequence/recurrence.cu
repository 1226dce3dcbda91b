// recurrence on the device: the CPU's three-pass chunked scan with chunks of one block's
// kThreads·kItems steps (block_scan.h):
//   1. every chunk but a row's last is reduced to its map (A, B), one block per chunk,
//   2. one thread per row carries h0 through its chunks' maps in order: each chunk's h in,
//   3. every chunk is scanned again from its h in (one block per chunk), writing each h_t;
//      with save final, only each row's last chunk, writing its last h.
// Rows of at most kShortRecurrence steps are one thread each instead, stepping in order (the
// CPU's arithmetic). Fixed chunking and fixed orders: the same bits on every run.
#include "block_scan.cuh"

namespace graphrun::sequence {
namespace {

template <typename T> struct RecurrenceParams {
  int64_t rows, length;
  const T* a;
  int64_t a_step;
  BroadcastRows a_rows;
  const T* b;
  const T* h0;
  BroadcastRows h0_rows;
  T* out;  // every h_t (save all) or each row's last h
  bool save_all;

  __device__ T h0_of(int64_t row) const { return h0 ? h0[h0_rows.offset(row)] : T(0); }
};

/// The maps of steps [t0, t0 + kChunk) of row `row` held by this thread (identity past the end).
template <typename T, int kThreads, int kItems>
__device__ void load_maps(const RecurrenceParams<T>& p, int64_t row, int64_t t0, AffineMap<T> (&m)[kItems]) {
  const T* a = p.a + p.a_rows.offset(row);
  const T* b = p.b + row * p.length;
  for (int k = 0; k < kItems; ++k) {
    const int64_t t = t0 + threadIdx.x * kItems + k;
    m[k] = t < p.length ? AffineMap<T>{a[t * p.a_step], b[t]} : identity_map<T>();
  }
}

/// Pass 1: maps[row·(chunks - 1) + c] for c < chunks - 1.
template <typename T, int kThreads, int kItems>
__global__ void __launch_bounds__(kThreads) chunk_maps_kernel(RecurrenceParams<T> p, int64_t chunks, AffineMap<T>* maps) {
  using Scan = BlockScan<T, kThreads, kItems>;
  __shared__ typename Scan::Shared shared;
  int parity = 0;
  for (int64_t i = blockIdx.x; i < p.rows * (chunks - 1); i += gridDim.x) {
    const int64_t row = i / (chunks - 1), c = i % (chunks - 1);
    AffineMap<T> m[kItems];
    load_maps<T, kThreads, kItems>(p, row, c * Scan::kChunk, m);
    const AffineMap<T> total = Scan::total(shared, parity, m);
    parity ^= 1;
    if (threadIdx.x == 0) maps[i] = total;
  }
}

/// Pass 2: incoming[row·chunks + c] = h before chunk c, h0 through the maps in order.
template <typename T>
__global__ void carries_kernel(RecurrenceParams<T> p, int64_t chunks, const AffineMap<T>* maps, T* incoming) {
  for (int64_t row = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; row < p.rows; row += int64_t{gridDim.x} * blockDim.x) {
    T h = p.h0_of(row);
    for (int64_t c = 0; c < chunks; ++c) {
      incoming[row * chunks + c] = h;
      if (c + 1 < chunks) h = apply(maps[row * (chunks - 1) + c], h);
    }
  }
}

/// Pass 3: chunks [first, chunks) of every row scanned from their h in; every h_t written
/// (save all) or each row's last (save final, first = chunks - 1).
template <typename T, int kThreads, int kItems>
__global__ void __launch_bounds__(kThreads) rescan_kernel(RecurrenceParams<T> p, int64_t chunks, int64_t first,
                                                        const T* incoming) {
  using Scan = BlockScan<T, kThreads, kItems>;
  constexpr int kChunk = Scan::kChunk;
  __shared__ typename Scan::Shared shared;
  __shared__ T staged[staged_size(kChunk)];
  const int64_t per_row = chunks - first;
  int parity = 0;
  for (int64_t i = blockIdx.x; i < p.rows * per_row; i += gridDim.x) {
    const int64_t row = i / per_row, c = first + i % per_row, t0 = c * kChunk;
    AffineMap<T> m[kItems];
    load_maps<T, kThreads, kItems>(p, row, t0, m);
    T h[kItems];
    Scan::scan(shared, parity, m, incoming[row * chunks + c], h);
    parity ^= 1;
    if (!p.save_all) {
      if (threadIdx.x == kThreads - 1) p.out[row] = h[kItems - 1];  // padding steps keep h
      continue;
    }
    // Out through shared memory, so that the writes coalesce; the scan's barrier orders
    // this block's previous reads of `staged` before these writes.
    for (int k = 0; k < kItems; ++k) staged[staged_index(threadIdx.x * kItems + k)] = h[k];
    __syncthreads();
    unstage_chunk(staged, static_cast<int>(min(int64_t{kChunk}, p.length - t0)), p.out + row * p.length + t0);
  }
}

/// Rows of at most kShortRecurrence steps, one thread each, in order.
template <typename T> __global__ void short_rows_kernel(RecurrenceParams<T> p) {
  for (int64_t row = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; row < p.rows; row += int64_t{gridDim.x} * blockDim.x) {
    const T* a = p.a + p.a_rows.offset(row);
    const T* b = p.b + row * p.length;
    T h = p.h0_of(row);
    for (int64_t t = 0; t < p.length; ++t) {
      h = a[t * p.a_step] * h + b[t];
      if (p.save_all) p.out[row * p.length + t] = h;
    }
    if (!p.save_all) p.out[row] = h;
  }
}

template <typename T> void launch(const plugin::Node& node, const RecurrenceArgs& args) {
  constexpr int kThreads = kScanThreads, kItems = kScanItems<T>;
  constexpr int64_t kChunk = int64_t{kThreads} * kItems;
  const RecurrenceParams<T> p{args.rows, args.length, static_cast<const T*>(args.a), args.a_step, args.a_rows,
                              static_cast<const T*>(args.b), static_cast<const T*>(args.h0), args.h0_rows,
                              static_cast<T*>(args.out), args.save_all};
  if (p.rows == 0) return;
  const cudaStream_t stream = stream_of(node);
  if (p.length <= kShortRecurrence) {
    short_rows_kernel<T><<<blocks_for_elements(p.rows, 256), 256, 0, stream>>>(p);
    check_launch("recurrence");
    return;
  }
  const int64_t chunks = (p.length + kChunk - 1) / kChunk;
  AffineMap<T>* maps = nullptr;
  T* incoming = static_cast<T*>(node.device_scratch(static_cast<size_t>(p.rows * chunks) * sizeof(T)));
  if (chunks > 1) {
    maps = static_cast<AffineMap<T>*>(node.device_scratch(static_cast<size_t>(p.rows * (chunks - 1)) * sizeof(AffineMap<T>)));
    chunk_maps_kernel<T, kThreads, kItems><<<blocks_for_items(p.rows * (chunks - 1)), kThreads, 0, stream>>>(p, chunks, maps);
    check_launch("recurrence");
  }
  carries_kernel<T><<<blocks_for_elements(p.rows, 256), 256, 0, stream>>>(p, chunks, maps, incoming);
  check_launch("recurrence");
  const int64_t first = p.save_all ? 0 : chunks - 1;
  rescan_kernel<T, kThreads, kItems><<<blocks_for_items(p.rows * (chunks - first)), kThreads, 0, stream>>>(p, chunks, first, incoming);
  check_launch("recurrence");
}

}  // namespace

void recurrence_cuda(const plugin::Node& node, const RecurrenceArgs& args) {
  plugin::dispatch(node.dtype(), [&]<typename T>() { launch<T>(node, args); });
}

}  // namespace graphrun::sequence
