// The parallel driver shared by sum, mean and max. Work is cut into fixed subtrees of the
// pairwise tree (pairwise_tree.h) that depend only on the shapes, so every output is
// bit-identical whatever the number of threads.
#pragma once

#include "max_contiguous.h"
#include "pairwise_tree.h"
#include "reduce_layout.h"

#include <graphrun/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace graphrun::core {

/// Most input elements one parallel task combines (a subtree of the pairwise tree).
inline constexpr int64_t kReduceSegment = int64_t{1} << 15;
/// Width of the column tiles when each output combines rows of contiguous values.
inline constexpr int64_t kReduceTile = 256;

/// sum: numpy's pairwise summation.
struct SumReducer {
  template <typename T>
  static T contiguous(const T* a, int64_t n) {
    return pairwise_sum(a, n);
  }
  template <typename T, typename RowFn>
  static void rows(const RowFn& row, int64_t n, int64_t w, T* out, T* scratch) {
    pairwise_sum_rows(row, 0, n, w, out, scratch);
  }
  template <typename T>
  static void combine(T* out, const T* other, int64_t w) {
    for (int64_t i = 0; i < w; ++i) out[i] += other[i];
  }
};

/// max: the largest value, or NaN when any value is NaN (numpy.max).
struct MaxReducer {
  template <typename T>
  static T max2(T m, T v) {
    return max_keeping_nan(m, v);
  }

  template <typename T>
  static T contiguous(const T* a, int64_t n) {
    return max_contiguous(a, n);
  }
  template <typename T, typename RowFn>
  static void rows(const RowFn& row, int64_t n, int64_t w, T* out, T*) {
    const T* first = row(0);
    for (int64_t i = 0; i < w; ++i) out[i] = first[i];
    for (int64_t r = 1; r < n; ++r) {
      const T* p = row(r);
      for (int64_t i = 0; i < w; ++i) out[i] = max2(out[i], p[i]);
    }
  }
  template <typename T>
  static void combine(T* out, const T* other, int64_t w) {
    for (int64_t i = 0; i < w; ++i) out[i] = max2(out[i], other[i]);
  }
};

/// Each output combines `count` values spread by the layout (inner == 1).
template <typename Reducer, typename T>
void reduce_to_scalars(const plugin::Node& node, const ReduceLayout& layout, const T* x, T* y) {
  std::vector<std::pair<int64_t, int64_t>> segments;
  pairwise_segments(0, layout.count, kReduceSegment, segments);
  const int64_t num_segments = static_cast<int64_t>(segments.size());
  const bool contiguous = layout.reduced.size() <= 1;  // then the reduced values are adjacent
  const int64_t segment_len = std::min(layout.count, kReduceSegment);
  std::vector<T> partials(num_segments > 1 ? layout.outer * num_segments : 0);

  // Task t reduces segment t % num_segments of output t / num_segments.
  auto reduce_segments = [&](int64_t begin, int64_t end) {
    std::vector<T> gathered(contiguous ? 0 : segment_len);
    for (int64_t t = begin; t < end; ++t) {
      const int64_t o = t / num_segments;
      const auto [lo, n] = segments[t % num_segments];
      const int64_t base = layout.kept_offset(o);
      const T* values = x + base + lo;
      if (!contiguous) {
        for (int64_t r = 0; r < n; ++r) gathered[r] = x[base + layout.reduced_offset(lo + r)];
        values = gathered.data();
      }
      const T v = Reducer::contiguous(values, n);
      (num_segments > 1 ? partials[t] : y[o]) = v;
    }
  };
  node.parallel_for(layout.outer * num_segments, std::max<int64_t>(1, kReduceSegment / segment_len),
                    std::move(reduce_segments));
  if (num_segments == 1) return;

  const int scratch_rows = pairwise_depth(layout.count, kReduceSegment);
  auto merge_outputs = [&](int64_t begin, int64_t end) {
    std::vector<T> scratch(scratch_rows);
    for (int64_t o = begin; o < end; ++o) {
      int64_t next = 0;
      merge_segments(layout.count, kReduceSegment, partials.data() + o * num_segments, 1, next, 1,
                     y + o, scratch.data(), Reducer::template combine<T>);
    }
  };
  node.parallel_for(layout.outer, std::max<int64_t>(1, kReduceSegment / num_segments),
                    std::move(merge_outputs));
}

/// Each output row of `inner` contiguous values combines `count` rows of the input.
template <typename Reducer, typename T>
void reduce_to_rows(const plugin::Node& node, const ReduceLayout& layout, const T* x, T* y) {
  const int64_t tile = std::min(layout.inner, kReduceTile);
  const int64_t tiles = (layout.inner + tile - 1) / tile;
  const int64_t row_limit = std::max(kPairwiseBlock, kReduceSegment / tile);
  std::vector<std::pair<int64_t, int64_t>> segments;
  pairwise_segments(0, layout.count, row_limit, segments);
  const int64_t num_segments = static_cast<int64_t>(segments.size());
  const int64_t tasks = layout.outer * tiles * num_segments;
  std::vector<T> partials(num_segments > 1 ? tasks * tile : 0);

  // Task t reduces one segment of rows for one column tile of one output row.
  const int scratch_rows = pairwise_depth(std::min(layout.count, row_limit), kPairwiseBlock);
  auto reduce_segments = [&](int64_t begin, int64_t end) {
    std::vector<T> scratch(scratch_rows * tile);
    for (int64_t t = begin; t < end; ++t) {
      const auto [lo, n] = segments[t % num_segments];
      const int64_t o = t / num_segments / tiles;
      const int64_t i0 = (t / num_segments) % tiles * tile;
      const int64_t w = std::min(tile, layout.inner - i0);
      const T* base = x + layout.kept_offset(o) + i0;
      auto row = [&, lo = lo](int64_t r) { return base + layout.reduced_offset(lo + r); };
      T* out = num_segments > 1 ? partials.data() + t * tile : y + o * layout.inner + i0;
      Reducer::rows(row, n, w, out, scratch.data());
    }
  };
  const int64_t task_work = std::min(layout.count, row_limit) * tile;
  node.parallel_for(tasks, std::max<int64_t>(1, kReduceSegment / task_work),
                    std::move(reduce_segments));
  if (num_segments == 1) return;

  const int merge_rows = pairwise_depth(layout.count, row_limit);
  auto merge_tiles = [&](int64_t begin, int64_t end) {
    std::vector<T> scratch(merge_rows * tile);
    for (int64_t ot = begin; ot < end; ++ot) {
      const int64_t i0 = (ot % tiles) * tile;
      const int64_t w = std::min(tile, layout.inner - i0);
      int64_t next = 0;
      merge_segments(layout.count, row_limit, partials.data() + ot * num_segments * tile, tile,
                     next, w, y + (ot / tiles) * layout.inner + i0, scratch.data(),
                     Reducer::template combine<T>);
    }
  };
  node.parallel_for(layout.outer * tiles,
                    std::max<int64_t>(1, kReduceSegment / (num_segments * tile)),
                    std::move(merge_tiles));
}

/// Runs the reduction the layout describes from x into y. An empty reduction (count 0)
/// writes `empty` to every output.
template <typename Reducer, typename T>
void run_reduction(const plugin::Node& node, const ReduceLayout& layout, const T* x, T* y,
                   T empty) {
  const int64_t outputs = layout.outer * layout.inner;
  if (outputs == 0) return;
  if (layout.count == 0) {
    std::fill(y, y + outputs, empty);
    return;
  }
  if (layout.inner == 1)
    reduce_to_scalars<Reducer>(node, layout, x, y);
  else
    reduce_to_rows<Reducer>(node, layout, x, y);
}

}  // namespace graphrun::core
