// The fixed summation tree of numpy's pairwise sum, and ways to cut it into subtrees that
// can be evaluated in parallel and merged back without changing a single rounding.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace graphrun::core {

/// Leaves of the pairwise tree hold at most this many elements (numpy's PW_BLOCKSIZE).
inline constexpr int64_t kPairwiseBlock = 128;

/// Where the pairwise tree splits n > kPairwiseBlock elements: about half, a multiple of 8.
inline int64_t pairwise_split(int64_t n) {
  const int64_t half = n / 2;
  return half - half % 8;
}

/// Levels of the tree over n elements when subtrees of at most `limit` are leaves.
inline int pairwise_depth(int64_t n, int64_t limit) {
  int depth = 1;
  while (n > limit) {
    n -= pairwise_split(n);  // the larger half
    ++depth;
  }
  return depth;
}

/// The subtrees of at most `limit` (>= kPairwiseBlock) elements that the tree over
/// [lo, lo + n) is made of, in order, as (first, count).
inline void pairwise_segments(int64_t lo, int64_t n, int64_t limit,
                              std::vector<std::pair<int64_t, int64_t>>& out) {
  if (n <= limit) {
    out.emplace_back(lo, n);
    return;
  }
  const int64_t n2 = pairwise_split(n);
  pairwise_segments(lo, n2, limit, out);
  pairwise_segments(lo + n2, n - n2, limit, out);
}

/// numpy's pairwise sum of n >= 1 contiguous values: 8 accumulators in each leaf.
template <typename T>
T pairwise_sum(const T* a, int64_t n) {
  if (n < 8) {
    T res = T(-0.0);  // -0.0 so that a sum of -0.0 values stays -0.0
    for (int64_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= kPairwiseBlock) {
    T r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    int64_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    T res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  const int64_t n2 = pairwise_split(n);
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

/// Pairwise sum of n >= 1 rows of w values, row(r) pointing at row r: out[i] = sum over
/// rows of row(r)[i]. Leaves add their rows in order. scratch holds
/// pairwise_depth(n, kPairwiseBlock) * w values.
template <typename T, typename RowFn>
void pairwise_sum_rows(const RowFn& row, int64_t lo, int64_t n, int64_t w, T* out, T* scratch) {
  if (n <= kPairwiseBlock) {
    const T* first = row(lo);
    for (int64_t i = 0; i < w; ++i) out[i] = first[i];
    for (int64_t r = 1; r < n; ++r) {
      const T* p = row(lo + r);
      for (int64_t i = 0; i < w; ++i) out[i] += p[i];
    }
    return;
  }
  const int64_t n2 = pairwise_split(n);
  pairwise_sum_rows(row, lo, n2, w, out, scratch + w);
  pairwise_sum_rows(row, lo + n2, n - n2, w, scratch, scratch + w);
  for (int64_t i = 0; i < w; ++i) out[i] += scratch[i];
}

/// Merges the results of the segments that pairwise_segments(0, n, limit) gave, following
/// the same tree: parts holds one vector of w values every `part_stride`, in segment order.
/// `combine(out, other, w)` merges other into out. scratch holds
/// pairwise_depth(n, limit) * w values.
template <typename T, typename Combine>
void merge_segments(int64_t n, int64_t limit, const T* parts, int64_t part_stride, int64_t& next,
                    int64_t w, T* out, T* scratch, const Combine& combine) {
  if (n <= limit) {
    const T* part = parts + next++ * part_stride;
    for (int64_t i = 0; i < w; ++i) out[i] = part[i];
    return;
  }
  const int64_t n2 = pairwise_split(n);
  merge_segments(n2, limit, parts, part_stride, next, w, out, scratch + w, combine);
  merge_segments(n - n2, limit, parts, part_stride, next, w, scratch, scratch + w, combine);
  combine(out, scratch, w);
}

}  // namespace graphrun::core
