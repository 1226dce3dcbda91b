// How integrate's CUDA kernel (integrate.cu) cuts the cumulative integral of a (rows, L)
// tensor into tiles of the flattened tensor, so that short and long rows alike fill the GPU:
// a segmented scan. Each output element is a piece (the term of the interval before it, or a
// row start); pieces combine left to right (FollowedBy), a tile's pieces by a block scan, the
// tiles' totals by one block in tile order. The order of every addition depends only on the
// tile size, never on timing: the same bits on every run. Sums are kept in double (for f32 as
// well, so the GPU's sums carry less rounding than the CPU's, well inside SPEC's tolerance).
// The per-element math is here, __host__ __device__, so the host tests can run it.
#pragma once

#include "core/host_device.h"
#include "integral_terms.h"
#include "row_position.h"
#include "unroll.h"

#include <cstdint>

namespace graphrun::calculus {

/// Threads per block and outputs per thread: a tile is kScanTile consecutive elements of the
/// flattened tensor (rows start anywhere in it).
inline constexpr int kScanThreads = 256;
inline constexpr int kScanItems = 8;
inline constexpr int kScanTile = kScanThreads * kScanItems;

/// The samples a tile's terms read around it: output g's term reads samples g-2 .. g+1
/// (simpson; the trapezoid g-1 and g), so a tile's window holds [begin - 2, end + 1).
inline constexpr int kHaloBefore = 2, kHaloAfter = 1;
inline constexpr int kScanWindow = kHaloBefore + kScanTile + kHaloAfter;

/// Where sample k of a tile's window (or output k of the tile) sits in shared memory: a gap
/// after every 8, so that the 32 threads of a warp, reading or writing 8 apart (each its
/// kScanItems consecutive elements), reach 32 different banks.
GRAPHRUN_HD inline int window_slot(int64_t k) { return static_cast<int>(k + k / 8); }
inline constexpr int kScanWindowSlots = kScanWindow + kScanWindow / 8 + 1;

/// A run of consecutive elements, summed: `value` is the sum of the terms since the last row
/// start in the run (of all of them when none starts in it); `starts`: a row starts in it.
struct RunningPiece {
  double value;
  int starts;
};

/// The empty run (FollowedBy's identity).
GRAPHRUN_HD inline RunningPiece no_piece() { return {0.0, 0}; }

/// The run a, then the run b right after it (associative).
struct FollowedBy {
  GRAPHRUN_HD RunningPiece operator()(const RunningPiece& a, const RunningPiece& b) const {
    return {b.starts ? b.value : a.value + b.value, a.starts | b.starts};
  }
};

/// A row read through a tile's window of samples: window[window_slot(k)] holds flattened
/// sample window_begin + k, and the row starts at flattened sample row_begin.
template <typename T> struct WindowRow {
  const T* window;
  int64_t shift;  // row_begin - window_begin
  GRAPHRUN_HD T operator[](int64_t j) const { return window[window_slot(j + shift)]; }
};

/// The piece of output position `pos` of a row: a row start (position 0 has no term), or
/// the term of interval pos - 1 (as the CPU computes it, in T).
template <typename T, typename Row>
GRAPHRUN_HD RunningPiece element_piece(const IntegralTerms<T>& terms, const Row& row, int64_t pos) {
  if (pos == 0) return {0.0, 1};
  return {static_cast<double>(terms.term(row, pos - 1)), 0};
}

/// The output whose running piece (everything from its row's start) is p: the sum rounded
/// to T, plus initial (added in T, as the CPU adds it).
template <typename T> GRAPHRUN_HD T output_of(const RunningPiece& p, T initial) {
  return static_cast<T>(p.value) + initial;
}

/// The kScanItems pieces of one thread of a tile: outputs begin .. begin + kScanItems - 1 of
/// the flattened tensor (pieces past `numel` are empty), their samples read from the tile's
/// window (flattened sample window_begin + k at window[window_slot(k)]).
template <typename T>
GRAPHRUN_HD void thread_pieces(const IntegralTerms<T>& terms, const T* window, int64_t window_begin, int64_t begin,
                               int64_t length, int64_t numel, RunningPiece (&pieces)[kScanItems]) {
  RowPosition at = row_position(begin < numel ? begin : 0, length);
  GRAPHRUN_FULL_UNROLL
  for (int j = 0; j < kScanItems; ++j) {
    if (begin + j >= numel) {
      pieces[j] = no_piece();
      continue;
    }
    const WindowRow<T> row{window, begin + j - at.pos - window_begin};
    pieces[j] = element_piece(terms, row, at.pos);
    if (++at.pos == length) at = {at.row + 1, 0};
  }
}

}  // namespace graphrun::calculus
