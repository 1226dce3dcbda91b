// The linear recurrence h_t = a_t·h_{t-1} + b_t as a parallel scan. Each row's time axis is
// cut into chunks of a FIXED length; the maps h ↦ a·h + b compose associatively, so
//   1. every chunk but a row's last is reduced to one map (A, B) (in parallel),
//   2. each row composes its chunks' maps in order to get every chunk's incoming h,
//   3. every chunk is run again from its incoming h, writing its values (in parallel).
// Within a chunk, each vector of steps is scanned in registers and then joined to the h
// carried in, so the sequential dependency is one multiply-add per vector, not per step.
// The chunking depends only on the length, never on the thread count, so the result is
// bit-identical for any --threads.
#pragma once

#include "lane_math.h"

#include <graphrun/plugin.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace graphrun::sequence {

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

/// Lane i of (a, b) becomes the composition of steps 0..i of the vector: a_i = Π_{j≤i} a_j,
/// b_i = Σ_{j≤i} (Π_{j<k≤i} a_k) b_j, by log2(W) shift-and-combine levels in registers.
/// `levels` receives the a vector each level multiplies by (all a vectors are alike when
/// a is constant, so those can be made once).
template <typename T, int K = 1>
[[gnu::always_inline]] inline void scan_lanes(typename Simd<T>::V& a, typename Simd<T>::V& b,
                                              typename Simd<T>::V* levels = nullptr) {
  using S = Simd<T>;
  if constexpr (K < S::kWidth) {
    if (levels) *levels++ = a;
    b = b + a * S::template shift_up<K>(b, typename S::V{});
    a = a * S::template shift_up<K>(a, S::broadcast(T(1)));
    scan_lanes<T, 2 * K>(a, b, levels);
  }
}

/// scan_lanes on b with the multipliers that scan_lanes recorded for a constant a.
template <typename T, int K = 1>
[[gnu::always_inline]] inline void scan_lanes_constant(typename Simd<T>::V& b, const typename Simd<T>::V* levels) {
  using S = Simd<T>;
  if constexpr (K < S::kWidth) {
    b = b + *levels * S::template shift_up<K>(b, typename S::V{});
    scan_lanes_constant<T, 2 * K>(b, levels + 1);
  }
}

/// Runs n steps from h, a vector of steps at a time (the rest one by one); stores every h_t
/// into out when it is not null. Returns the map of the n steps: a is their product, b the
/// last h (so with h = 0 it is the map's offset). The vector steps carry h and the product
/// as whole vectors, so the dependency from one vector to the next is one multiply-add.
template <typename T>
ScanMap<T> run_steps(const ScanRow<T>& row, int64_t begin, int64_t n, T h, T* out) {
  using S = Simd<T>;
  using V = typename S::V;
  const T* ap = row.a + begin * row.a_step;
  const T* bp = row.b + begin;
  const int64_t vectors_end = n / S::kWidth * S::kWidth;
  V h_all = S::broadcast(h), product = S::broadcast(T(1));
  auto join = [&](int64_t t, V a, V b) {
    const V y = b + a * h_all;
    if (out) S::store(out + t, y);
    h_all = S::broadcast_last(y);
    product = S::broadcast_last(a) * product;
  };
  if (vectors_end > 0 && row.a_step == 0) {
    V levels[8], a = S::broadcast(ap[0]), zero{};
    scan_lanes<T>(a, zero, levels);
    for (int64_t t = 0; t < vectors_end; t += S::kWidth) {
      V b = S::load(bp + t);
      scan_lanes_constant<T>(b, levels);
      join(t, a, b);
    }
  } else {
    for (int64_t t = 0; t < vectors_end; t += S::kWidth) {
      V a = S::load(ap + t), b = S::load(bp + t);
      scan_lanes<T>(a, b);
      join(t, a, b);
    }
  }
  h = h_all[0];
  T prod = product[0];
  for (int64_t t = vectors_end; t < n; ++t) {
    const T a = ap[t * row.a_step];
    h = a * h + bp[t];
    prod = a * prod;
    if (out) out[t] = h;
  }
  return {prod, h};
}

/// Scans `rows` rows of `length` steps. row_of(r) gives row r's operands, h0_of(r) its
/// initial value. With `out` (rows·length values) every h_t is stored and emit(ptr, n) is
/// called on each stored chunk; `final` (rows values, may be null) receives the last h.
template <typename T, typename RowOf, typename H0Of, typename Emit>
void chunked_scan(const plugin::Node& node, int64_t rows, int64_t length, const RowOf& row_of,
                  const H0Of& h0_of, T* out, T* final, const Emit& emit) {
  if (rows == 0) return;
  const int64_t chunks = std::max<int64_t>(1, (length + kScanChunk - 1) / kScanChunk);
  const int64_t chunk_len = std::min(length, kScanChunk);
  const int64_t task_chunks = std::max<int64_t>(1, kScanTaskElements / std::max<int64_t>(chunk_len, 1));

  // incoming[r·chunks + c]: h before chunk c of row r.
  std::vector<T> incoming(static_cast<size_t>(rows * chunks));
  if (chunks > 1) {
    std::vector<ScanMap<T>> maps(static_cast<size_t>(rows * (chunks - 1)));
    node.parallel_for(rows * (chunks - 1), task_chunks, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t r = i / (chunks - 1), c = i % (chunks - 1);
        maps[i] = run_steps(row_of(r), c * kScanChunk, kScanChunk, T(0), static_cast<T*>(nullptr));
      }
    });
    node.parallel_for(rows, std::max<int64_t>(1, kScanTaskElements / chunks), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        T h = h0_of(r);
        for (int64_t c = 0; c < chunks; ++c) {
          incoming[r * chunks + c] = h;
          if (c + 1 < chunks) h = maps[r * (chunks - 1) + c].a * h + maps[r * (chunks - 1) + c].b;
        }
      }
    });
  } else {
    for (int64_t r = 0; r < rows; ++r) incoming[r] = h0_of(r);
  }

  auto run_chunk = [&](int64_t r, int64_t c) {
    const int64_t begin = c * kScanChunk, n = std::min(kScanChunk, length - begin);
    T* dst = out ? out + r * length + begin : nullptr;
    const T h = run_steps(row_of(r), begin, n, incoming[r * chunks + c], dst).b;
    if (dst) emit(dst, n);
    if (final && c + 1 == chunks) final[r] = h;
  };
  if (out) {
    node.parallel_for(rows * chunks, task_chunks, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) run_chunk(i / chunks, i % chunks);
    });
  } else if (final) {
    node.parallel_for(rows, task_chunks, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) run_chunk(r, chunks - 1);
    });
  }
}

}  // namespace graphrun::sequence
