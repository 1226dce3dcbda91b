// A sum over an axis split between MPI ranks, with one process's bits: the pairwise tree of
// the whole reduction (pairwise_tree.h) evaluated from pieces each rank computes on its block.
//
// Rank q holds the elements [starts[q], starts[q + 1]) of the N combined into each output
// (its block of the outermost reduced axis: a contiguous range of the flattened reduced
// index). Walking the global tree over [0, N) from the root, a rank sends, in that order:
// the value of every maximal subtree wholly inside its range (computed on its block exactly
// as one process computes that subtree), and the raw elements of every leaf (at most
// kPairwiseBlock elements) that straddles the edge of its range. Every rank then walks the
// tree again over all ranks' pieces: a subtree inside one rank's range is that rank's value,
// a straddling leaf is summed from its assembled elements as one process sums a leaf, and
// the rest is left + right as before. A rank sends at most two subtrees per level and two
// partial leaves: O(log N + 256) values per output, whatever the block sizes.
#pragma once

#include "pairwise_tree.h"
#include "reduce_layout.h"

#include <graphrun/plugin.hpp>

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace graphrun::core {

/// One piece a rank sends: the value of the subtree [lo, lo + n) (whole), or the raw
/// elements [lo, lo + n) of a leaf that straddles its range (not whole).
struct TreePiece {
  int64_t lo = 0, n = 0;
  bool whole = false;
};

/// The pieces of the tree over [lo, lo + n) for the range [a, b), in tree order.
inline void tree_pieces(int64_t lo, int64_t n, int64_t a, int64_t b, std::vector<TreePiece>& out) {
  const int64_t hi = lo + n;
  if (hi <= a || lo >= b || n == 0) return;
  if (a <= lo && hi <= b) {
    out.push_back({lo, n, true});
  } else if (n <= kPairwiseBlock) {
    const int64_t from = std::max(lo, a), to = std::min(hi, b);
    out.push_back({from, to - from, false});
  } else {
    const int64_t n2 = pairwise_split(n);
    tree_pieces(lo, n2, a, b, out);
    tree_pieces(lo + n2, n - n2, a, b, out);
  }
}

/// Values per output unit a rank with these pieces sends (a whole piece is one value, a
/// partial leaf its elements), in units of w.
inline int64_t piece_values(const std::vector<TreePiece>& pieces) {
  int64_t v = 0;
  for (const TreePiece& p : pieces) v += p.whole ? 1 : p.n;
  return v;
}

/// How one process sums a leaf of n <= kPairwiseBlock elements of w values each (element r
/// at leaf + r * w) into out: `rows` adds the rows in order (pairwise_sum_rows); otherwise
/// (w == 1) numpy's 8 accumulators (pairwise_sum).
template <typename T>
void sum_leaf(const T* leaf, int64_t n, int64_t w, bool rows, T* out) {
  if (!rows) {
    out[0] = pairwise_sum(leaf, n);
    return;
  }
  // A leaf is one node of the tree: pairwise_sum_rows adds its rows in order, no scratch.
  pairwise_sum_rows([&](int64_t r) { return leaf + r * w; }, 0, n, w, out, static_cast<T*>(nullptr));
}

/// The whole tree over [0, n_total) of one output unit from every rank's pieces: starts
/// holds ranks + 1 offsets; streams[q] points at this unit's values from rank q (its pieces
/// in tree order, w values per element or subtree), advanced as they are read. scratch holds
/// (kPairwiseBlock + depth + 1) * w values.
template <typename T>
class TreeFromPieces {
 public:
  TreeFromPieces(std::span<const int64_t> starts, std::vector<const T*>& streams, int64_t w, bool rows, T* scratch)
      : starts_(starts), streams_(streams), w_(w), rows_(rows), leaf_(scratch), partial_(scratch + kPairwiseBlock * w) {}

  void evaluate(int64_t lo, int64_t n, T* out) { node(lo, n, out, partial_); }

 private:
  void node(int64_t lo, int64_t n, T* out, T* scratch) {
    const size_t q = owner(lo);
    if (lo + n <= starts_[q + 1]) {  // inside rank q's range: its value
      std::copy(streams_[q], streams_[q] + w_, out);
      streams_[q] += w_;
      return;
    }
    if (n <= kPairwiseBlock) {  // a straddling leaf: its elements from each rank it spans
      for (int64_t at = lo; at < lo + n;) {
        const size_t r = owner(at);
        const int64_t take = std::min(lo + n, starts_[r + 1]) - at;
        std::copy(streams_[r], streams_[r] + take * w_, leaf_ + (at - lo) * w_);
        streams_[r] += take * w_;
        at += take;
      }
      sum_leaf(leaf_, n, w_, rows_, out);
      return;
    }
    const int64_t n2 = pairwise_split(n);
    node(lo, n2, out, scratch + w_);
    node(lo + n2, n - n2, scratch, scratch + w_);
    for (int64_t i = 0; i < w_; ++i) out[i] += scratch[i];
  }

  // The rank whose range holds element `at` (ranks with empty ranges are skipped).
  size_t owner(int64_t at) const {
    return static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), at) - starts_.begin()) - 1;
  }

  std::span<const int64_t> starts_;
  std::vector<const T*>& streams_;
  int64_t w_;
  bool rows_;
  T* leaf_;
  T* partial_;
};

/// Scratch values TreeFromPieces needs for n elements of width w.
inline int64_t tree_scratch(int64_t n, int64_t w) {
  return (kPairwiseBlock + pairwise_depth(std::max<int64_t>(n, 1), kPairwiseBlock) + 1) * w;
}

/// sum (and mean's sum) in a run sharded along the outermost reduced axis (Node::scan_share
/// ranks > 1): every rank's y gets the sum over all ranks' blocks, bit for bit the one of a
/// single process. Returns the number of elements combined into each output over all ranks
/// (mean divides by it). An empty reduction writes `empty`.
template <typename T>
int64_t sum_over_ranks(const plugin::Node& node, const ReduceLayout& layout, const T* x, T* y, T empty);

}  // namespace graphrun::core
