// SIMD lanes of the sequence kernels for every target (a Highway "-inl" header: include it
// in a file compiled per target). Lane sums and in-register scans work on lane blocks
// (lane_block.h), a block being kPerBlock vectors of the target, and group their additions
// as one 64-byte vector would: results do not depend on the CPU.
//
// Highway 1.0 has no lane shuffle across 128-bit blocks of two vectors, so the few here are
// GCC's __builtin_shufflevector on the vectors' registers (one vpermt2ps on AVX-512); the
// portable fallback picks lanes through memory.

// Per-target include guard (Highway's toggle idiom).
#if defined(GRAPHRUN_SEQUENCE_LANES_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef GRAPHRUN_SEQUENCE_LANES_INL_H_
#undef GRAPHRUN_SEQUENCE_LANES_INL_H_
#else
#define GRAPHRUN_SEQUENCE_LANES_INL_H_
#endif

#include "sequence/lane_block.h"

#include <hwy/aligned_allocator.h>
#include <hwy/highway.h>

#include <algorithm>
#include <cstdint>
#include <utility>

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <typename T> struct Lanes {
  using D = hn::ScalableTag<T>;
  using V = hn::Vec<D>;
  /// Values per vector of this target.
  static constexpr int kWidth = static_cast<int>(hn::MaxLanes(D()));
  /// Vectors per lane block.
  static constexpr int kPerBlock = static_cast<int>(kBlockLanes<T>) / kWidth;

  static V load(const T* p) { return hn::LoadU(D(), p); }
  static void store(T* p, V v) { hn::StoreU(v, D(), p); }
  static V broadcast(T x) { return hn::Set(D(), x); }
  static V zero() { return hn::Zero(D()); }

  /// The sums of kWidth vectors at once: lane j of the result is the lanes of v[j] added in
  /// a pairwise tree (lane i + lane i + kWidth/2, and so on down). The vectors are folded
  /// into each other so every shuffle and add serves all of them.
  static V sums(const V* v) {
    if constexpr (kWidth == 1) {
      return v[0];
    } else {
      V level[kWidth / 2];
      merge_levels<kWidth / 2>(v, kWidth, level);
      return pick<BitReversed>(level[0], level[0], Indices{});
    }
  }

  /// y[j] = the lane tree sum of block j of `blocks` (kBlockLanes values each), j < n: the
  /// block's vectors added pairwise (vector r + vector r + kPerBlock/2, ...: the levels that
  /// cross vectors), then sums(). Overwrites `blocks`.
  static void store_block_sums(T* blocks, int64_t n, T* y) {
    for (int64_t j0 = 0; j0 < n; j0 += kWidth) {
      V folded[kWidth];
      for (int k = 0; k < kWidth; ++k) {
        if (j0 + k >= n) {
          folded[k] = zero();
          continue;
        }
        V block[kPerBlock];
        for (int r = 0; r < kPerBlock; ++r) block[r] = load(blocks + (j0 + k) * kBlockLanes<T> + r * kWidth);
        for (int half = kPerBlock / 2; half >= 1; half /= 2)
          for (int r = 0; r < half; ++r) block[r] = hn::Add(block[r], block[r + half]);
        folded[k] = block[0];
      }
      HWY_ALIGN T out[kWidth];
      hn::Store(sums(folded), D(), out);
      std::copy(out, out + std::min<int64_t>(kWidth, n - j0), y + j0);
    }
  }

  /// Lane i of the result is lane i - K of v, and lane kWidth - K + i of `prev` for i < K:
  /// v shifted up K lanes, continuing the vector before it (0 < K < kWidth).
  template <int K> static V shift_up(V v, V prev) { return pick<ShiftUp<K>>(v, prev, Indices{}); }

  /// Every lane equal to the last lane of v.
  static V broadcast_last(V v) { return pick<Last>(v, v, Indices{}); }

 private:
  using Indices = std::make_index_sequence<kWidth>;

  /// Lane i of the result: lane Index::of(i) of the pair (a, b), b's lanes numbered from kWidth.
  template <class Index, size_t... I> static V pick(V a, V b, std::index_sequence<I...>) {
#if HWY_TARGET == HWY_EMU128 || HWY_TARGET == HWY_SCALAR
    HWY_ALIGN T both[2 * kWidth];
    hn::Store(a, D(), both);
    hn::Store(b, D(), both + kWidth);
    HWY_ALIGN T picked[kWidth] = {both[Index::of(I)]...};
    return hn::Load(D(), picked);
#else
    V r;
    r.raw = __builtin_shufflevector(a.raw, b.raw, Index::of(I)...);
    return r;
#endif
  }

  template <int K> struct ShiftUp {
    static constexpr int of(size_t i) {
      return static_cast<int>(i) < K ? kWidth + kWidth - K + static_cast<int>(i) : static_cast<int>(i) - K;
    }
  };
  struct Last {
    static constexpr int of(size_t) { return kWidth - 1; }
  };
  /// In blocks of 2G lanes: G lanes of x's block then G of y's, from the lower (kUpper false)
  /// or upper half of each of their blocks.
  template <int G, bool kUpper> struct Merge {
    static constexpr int of(size_t i) {
      const int lane = static_cast<int>(i);
      return lane / G / 2 * 2 * G + lane % G + (kUpper ? G : 0) + (lane / G % 2 ? kWidth : 0);
    }
  };
  /// After the merges lane i holds the sum of vector bit_reverse(i); this puts it back at i.
  struct BitReversed {
    static constexpr int of(size_t i) {
      int r = 0;
      for (int bit = 1; bit < kWidth; bit <<= 1) r = r * 2 + ((static_cast<int>(i) & bit) ? 1 : 0);
      return r;
    }
  };

  /// Folds pairs of vectors whose lanes hold partial sums in blocks of 2G: each block adds
  /// its lanes i and i + G, x's and y's blocks interleaved in the result; then the next level.
  template <int G> static void merge_levels(const V* from, int count, V* to) {
    for (int k = 0; k < count / 2; ++k)
      to[k] = hn::Add(pick<Merge<G, false>>(from[2 * k], from[2 * k + 1], Indices{}),
                      pick<Merge<G, true>>(from[2 * k], from[2 * k + 1], Indices{}));
    if constexpr (G > 1) merge_levels<G / 2>(to, count / 2, to);
  }
};

/// n zeros of T (at least one), aligned for any vector.
template <typename T> hwy::AlignedFreeUniquePtr<T[]> aligned_zeros(int64_t n) {
  const size_t count = static_cast<size_t>(std::max<int64_t>(n, 1));
  auto p = hwy::AllocateAligned<T>(count);
  std::fill(p.get(), p.get() + count, T(0));
  return p;
}

/// Calls f.template operator()<K>(first) for the run length K = n (1 <= n <= kMax) as a
/// constant.
template <int kMax, typename F> HWY_INLINE void call_run(int64_t n, int64_t first, F& f) {
  if constexpr (kMax > 1) {
    if (n < kMax) return call_run<kMax - 1>(n, first, f);
  }
  f.template operator()<kMax>(first);
}

/// Visits the state vectors [0, count) of lane blocks (count a multiple of kPerBlock) in runs
/// of at most max(4, kPerBlock), calling f.template operator()<K>(first) with the run's length
/// K as a constant: a run's states then live in registers across steps. Every run starts
/// on a lane block, so state vector first + k is vector k % kPerBlock of its block.
template <typename T, typename F> HWY_INLINE void for_state_runs(int64_t count, F&& f) {
  constexpr int kRun = Lanes<T>::kPerBlock > 4 ? Lanes<T>::kPerBlock : 4;
  for (int64_t first = 0; first < count; first += kRun)
    call_run<kRun>(std::min<int64_t>(kRun, count - first), first, f);
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_SEQUENCE_LANES_INL_H_
