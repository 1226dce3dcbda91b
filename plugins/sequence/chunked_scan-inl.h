// The linear recurrence h_t = a_t·h_{t-1} + b_t as a parallel scan. Each row's time axis is
// cut into chunks of a FIXED length; the maps h ↦ a·h + b compose associatively, so
//   1. every chunk but a row's last is reduced to one map (A, B) (in parallel),
//   2. each row composes its chunks' maps in order to get every chunk's incoming h,
//   3. every chunk is run again from its incoming h, writing its values (in parallel).
// Within a chunk, each lane block of steps is scanned in registers and then joined to the h
// carried in, so the sequential dependency is one multiply-add per block, not per step.
// The chunking depends only on the length, never on the thread count, and the in-register
// scan only on the lane block, never on the SIMD target, so the result is bit-identical
// for any --threads and any CPU. A Highway "-inl" header: include it per target.

// Per-target include guard (Highway's toggle idiom).
#if defined(GRAPHRUN_SEQUENCE_CHUNKED_SCAN_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef GRAPHRUN_SEQUENCE_CHUNKED_SCAN_INL_H_
#undef GRAPHRUN_SEQUENCE_CHUNKED_SCAN_INL_H_
#else
#define GRAPHRUN_SEQUENCE_CHUNKED_SCAN_INL_H_
#endif

#include "sequence/lanes-inl.h"

#include <graphrun/plugin.hpp>

#include <hwy/highway.h>

#include <algorithm>
#include <cstdint>
#include <vector>

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

/// Time steps per chunk. Long enough that the two extra passes cost little next to the
/// chunk's own work; short enough that a single long row still spreads over the cores.
inline constexpr int64_t kScanChunk = 8192;
/// Elements of work per parallel task.
inline constexpr int64_t kScanTaskElements = int64_t{1} << 16;

/// One row's operands: a_t at a[t·a_step] (a_step 0: a constant a), b_t at b[t].
template <typename T> struct ScanRow {
  const T* a;
  int64_t a_step;
  const T* b;
};

/// The map of n steps, h ↦ A·h + B.
template <typename T> struct ScanMap {
  T a, b;
};

/// Vector r of block x shifted up K lanes within the block: lane i of the block takes lane
/// i - K, and `fill` where that is below 0.
template <typename T, int K>
HWY_INLINE typename Lanes<T>::V shifted_block(const typename Lanes<T>::V* x, int r,
                                              typename Lanes<T>::V fill) {
  using L = Lanes<T>;
  if constexpr (K >= L::kWidth) {
    constexpr int kVectors = K / L::kWidth;
    return r >= kVectors ? x[r - kVectors] : fill;
  } else {
    return L::template shift_up<K>(x[r], r > 0 ? x[r - 1] : fill);
  }
}

/// Lane i of a block (a, b) (Lanes<T>::kPerBlock vectors each, lane i = step i) becomes the
/// composition of steps 0..i: a_i = Π_{j≤i} a_j, b_i = Σ_{j≤i} (Π_{j<k≤i} a_k) b_j, by
/// log2(kBlockLanes) shift-and-combine levels. Level K combines lane i with lane i - K of
/// the block (a 1 or a 0 below lane K), whichever vector holds it. `levels` receives the
/// a block each level multiplies by (all a blocks are alike when a is constant, so those
/// can be made once).
template <typename T, int K = 1>
HWY_INLINE void scan_block(typename Lanes<T>::V* a, typename Lanes<T>::V* b,
                           typename Lanes<T>::V* levels = nullptr) {
  using L = Lanes<T>;
  if constexpr (K < kBlockLanes<T>) {
    if (levels) {
      std::copy(a, a + L::kPerBlock, levels);
      levels += L::kPerBlock;
    }
    // From the last vector down, so each reads its neighbours' values before this level.
    for (int r = L::kPerBlock - 1; r >= 0; --r) {
      b[r] = hn::Add(b[r], hn::Mul(a[r], shifted_block<T, K>(b, r, L::zero())));
      a[r] = hn::Mul(a[r], shifted_block<T, K>(a, r, L::broadcast(T(1))));
    }
    scan_block<T, 2 * K>(a, b, levels);
  }
}

/// scan_block on b with the multipliers that scan_block recorded for a constant a.
template <typename T, int K = 1>
HWY_INLINE void scan_block_constant(typename Lanes<T>::V* b, const typename Lanes<T>::V* levels) {
  using L = Lanes<T>;
  if constexpr (K < kBlockLanes<T>) {
    for (int r = L::kPerBlock - 1; r >= 0; --r)
      b[r] = hn::Add(b[r], hn::Mul(levels[r], shifted_block<T, K>(b, r, L::zero())));
    scan_block_constant<T, 2 * K>(b, levels + L::kPerBlock);
  }
}

/// Runs n steps from h, a lane block of steps at a time (the rest one by one); stores every
/// h_t into out when it is not null. Returns the map of the n steps: a is their product, b
/// the last h (so with h = 0 it is the map's offset). The blocks carry h and the product as
/// whole vectors, so the dependency from one block to the next is one multiply-add.
template <typename T>
ScanMap<T> run_steps(const ScanRow<T>& row, int64_t begin, int64_t n, T h, T* out) {
  using L = Lanes<T>;
  using V = typename L::V;
  constexpr int R = L::kPerBlock, W = L::kWidth;
  const T* ap = row.a + begin * row.a_step;
  const T* bp = row.b + begin;
  const int64_t blocks_end = n / kBlockLanes<T> * kBlockLanes<T>;
  V h_all = L::broadcast(h), product = L::broadcast(T(1));
  auto join = [&](int64_t t, const V* a, const V* b) HWY_ATTR {
    V y[R];
    for (int r = 0; r < R; ++r) {
      y[r] = hn::Add(b[r], hn::Mul(a[r], h_all));
      if (out) L::store(out + t + r * W, y[r]);
    }
    h_all = L::broadcast_last(y[R - 1]);
    product = hn::Mul(L::broadcast_last(a[R - 1]), product);
  };
  if (blocks_end > 0 && row.a_step == 0) {
    V levels[R * 8], a[R], zero[R];
    for (int r = 0; r < R; ++r) {
      a[r] = L::broadcast(ap[0]);
      zero[r] = L::zero();
    }
    scan_block<T>(a, zero, levels);
    for (int64_t t = 0; t < blocks_end; t += kBlockLanes<T>) {
      V b[R];
      for (int r = 0; r < R; ++r) b[r] = L::load(bp + t + r * W);
      scan_block_constant<T>(b, levels);
      join(t, a, b);
    }
  } else {
    for (int64_t t = 0; t < blocks_end; t += kBlockLanes<T>) {
      V a[R], b[R];
      for (int r = 0; r < R; ++r) {
        a[r] = L::load(ap + t + r * W);
        b[r] = L::load(bp + t + r * W);
      }
      scan_block<T>(a, b);
      join(t, a, b);
    }
  }
  h = hn::GetLane(h_all);
  T prod = hn::GetLane(product);
  for (int64_t t = blocks_end; t < n; ++t) {
    const T a = ap[t * row.a_step];
    h = a * h + bp[t];
    prod = a * prod;
    if (out) out[t] = h;
  }
  return {prod, h};
}

/// Chunks of a time axis of `length` steps.
inline int64_t scan_chunks(int64_t length) { return std::max<int64_t>(1, (length + kScanChunk - 1) / kScanChunk); }

/// The map of every chunk of every row (rows·scan_chunks(length), row-major), each run from
/// h = 0: pass 1 of the scan, for all chunks (chunked_scan's own pass 1 skips each row's last).
template <typename T, typename RowOf>
std::vector<ScanMap<T>> chunk_maps(const plugin::Node& node, int64_t rows, int64_t length, const RowOf& row_of) {
  const int64_t chunks = scan_chunks(length);
  std::vector<ScanMap<T>> maps(static_cast<size_t>(rows * chunks));
  const int64_t task_chunks = std::max<int64_t>(1, kScanTaskElements / std::max<int64_t>(std::min(length, kScanChunk), 1));
  node.parallel_for(rows * chunks, task_chunks, [&](int64_t begin, int64_t end) HWY_ATTR {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t r = i / chunks, c = i % chunks;
      maps[static_cast<size_t>(i)] =
          run_steps(row_of(r), c * kScanChunk, std::min(kScanChunk, length - c * kScanChunk), T(0), static_cast<T*>(nullptr));
    }
  });
  return maps;
}

/// Scans `rows` rows of `length` steps. row_of(r) gives row r's operands, h0_of(r) its
/// initial value. With `out` (rows·length values) every h_t is stored and emit(ptr, n) is
/// called on each stored chunk; `final` (rows values, may be null) receives the last h.
/// `known` (optional): chunk_maps of these rows, when the caller has them already.
template <typename T, typename RowOf, typename H0Of, typename Emit>
void chunked_scan(const plugin::Node& node, int64_t rows, int64_t length, const RowOf& row_of,
                  const H0Of& h0_of, T* out, T* final, const Emit& emit, const ScanMap<T>* known = nullptr) {
  if (rows == 0) return;
  const int64_t chunks = scan_chunks(length);
  const int64_t chunk_len = std::min(length, kScanChunk);
  const int64_t task_chunks = std::max<int64_t>(1, kScanTaskElements / std::max<int64_t>(chunk_len, 1));

  // incoming[r·chunks + c]: h before chunk c of row r.
  std::vector<T> incoming(static_cast<size_t>(rows * chunks));
  if (chunks > 1) {
    std::vector<ScanMap<T>> maps;
    if (!known) {
      maps.resize(static_cast<size_t>(rows * (chunks - 1)));
      node.parallel_for(rows * (chunks - 1), task_chunks, [&](int64_t begin, int64_t end) HWY_ATTR {
        for (int64_t i = begin; i < end; ++i) {
          const int64_t r = i / (chunks - 1), c = i % (chunks - 1);
          maps[i] = run_steps(row_of(r), c * kScanChunk, kScanChunk, T(0), static_cast<T*>(nullptr));
        }
      });
    }
    auto map_of = [&](int64_t r, int64_t c) -> const ScanMap<T>& {
      return known ? known[r * chunks + c] : maps[static_cast<size_t>(r * (chunks - 1) + c)];
    };
    const int64_t row_grain = std::max<int64_t>(1, kScanTaskElements / chunks);
    node.parallel_for(rows, row_grain, [&](int64_t begin, int64_t end) HWY_ATTR {
      for (int64_t r = begin; r < end; ++r) {
        T h = h0_of(r);
        for (int64_t c = 0; c < chunks; ++c) {
          incoming[r * chunks + c] = h;
          if (c + 1 < chunks) h = map_of(r, c).a * h + map_of(r, c).b;
        }
      }
    });
  } else {
    for (int64_t r = 0; r < rows; ++r) incoming[r] = h0_of(r);
  }

  auto run_chunk = [&](int64_t r, int64_t c) HWY_ATTR {
    const int64_t begin = c * kScanChunk, n = std::min(kScanChunk, length - begin);
    T* dst = out ? out + r * length + begin : nullptr;
    const T h = run_steps(row_of(r), begin, n, incoming[r * chunks + c], dst).b;
    if (dst) emit(dst, n);
    if (final && c + 1 == chunks) final[r] = h;
  };
  if (out) {
    node.parallel_for(rows * chunks, task_chunks, [&](int64_t begin, int64_t end) HWY_ATTR {
      for (int64_t i = begin; i < end; ++i) run_chunk(i / chunks, i % chunks);
    });
  } else if (final) {
    node.parallel_for(rows, task_chunks, [&](int64_t begin, int64_t end) HWY_ATTR {
      for (int64_t r = begin; r < end; ++r) run_chunk(r, chunks - 1);
    });
  }
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_SEQUENCE_CHUNKED_SCAN_INL_H_
