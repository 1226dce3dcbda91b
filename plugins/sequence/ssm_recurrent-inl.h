// The ssm op in recurrent mode: per (batch, channel) row, the N states step together in
// SIMD lanes, h ← Ā ⊙ h + B̄·u_t, y_t = Σ_n C h, the sum over lane blocks (lane_block.h).
// A row whose states fill one or two vectors is a single chain of dependent multiplies and
// adds, as long as the sequence; such rows step in groups of up to four, interleaved, so
// that their chains overlap (issue 11 item 3: 2-3x on N = 16). Grouping changes no
// operation of a row, so neither the bits nor their independence of the thread count.
// A Highway "-inl" header: include it per target.

// Per-target include guard (Highway's toggle idiom).
#if defined(GRAPHRUN_SEQUENCE_SSM_RECURRENT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef GRAPHRUN_SEQUENCE_SSM_RECURRENT_INL_H_
#undef GRAPHRUN_SEQUENCE_SSM_RECURRENT_INL_H_
#else
#define GRAPHRUN_SEQUENCE_SSM_RECURRENT_INL_H_
#endif

#include "sequence/lanes-inl.h"
#include "sequence/ssm_problem.h"

#include <hwy/highway.h>

#include <algorithm>

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {

/// One row in the recurrent loop: its coefficients in lanes, its input and state, and its
/// lane-block sums of ⟨C, h⟩ for the steps in flight.
template <typename T> struct RecurrentRow {
  const T* a_bar;
  const T* b_bar;
  const T* c;
  const T* u;
  T* h;
  T* products;
};

/// Steps [t0, t0 + steps) of G rows' state vectors [first, first + K): h ← Ā h + B̄ u_t, and
/// each lane-block accumulator adds its state vectors' C h in order (run after run, so the
/// accumulators of later runs start from the products so far). A row's operations are the
/// same, in the same order, for every G: the G rows only interleave.
template <typename T, int G, int K>
HWY_INLINE void step_rows(const RecurrentRow<T>* rows, int64_t first, int64_t t0, int64_t steps) {
  using L = Lanes<T>;
  using V = typename L::V;
  constexpr int W = L::kWidth, R = L::kPerBlock;
  constexpr int64_t kBlock = kBlockLanes<T>;
  V hr[G][K], ak[G][K], bk[G][K], ck[G][K];
  for (int g = 0; g < G; ++g)
    for (int k = 0; k < K; ++k) {
      hr[g][k] = L::load(rows[g].h + (first + k) * W);
      ak[g][k] = L::load(rows[g].a_bar + (first + k) * W);
      bk[g][k] = L::load(rows[g].b_bar + (first + k) * W);
      ck[g][k] = L::load(rows[g].c + (first + k) * W);
    }
  for (int64_t j = 0; j < steps; ++j)
    for (int g = 0; g < G; ++g) {
      const V uj = L::broadcast(rows[g].u[t0 + j]);
      T* acc = rows[g].products + j * kBlock;
      V sum[R];
      for (int q = 0; q < R; ++q) sum[q] = first == 0 ? L::zero() : L::load(acc + q * W);
      for (int k = 0; k < K; ++k) {
        hr[g][k] = hn::Add(hn::Mul(ak[g][k], hr[g][k]), hn::Mul(bk[g][k], uj));
        V& s = sum[k % R];
        s = hn::Add(s, hn::Mul(ck[g][k], hr[g][k]));
      }
      for (int q = 0; q < R; ++q) L::store(acc + q * W, sum[q]);
    }
  for (int g = 0; g < G; ++g)
    for (int k = 0; k < K; ++k) L::store(rows[g].h + (first + k) * W, hr[g][k]);
}

/// Rows stepped together when each has `vectors` state vectors: four rows of one vector, two
/// of two (16 or 8 vectors of state and coefficients live in registers), else one.
inline int rows_together(int64_t vectors) { return vectors == 1 ? 4 : vectors == 2 ? 2 : 1; }

/// step_rows for `count` rows of the whole state (vectors ≤ 2, one run), the constants
/// picked at run time.
template <typename T>
HWY_INLINE void step_whole_rows(const RecurrentRow<T>* rows, int count, int64_t vectors, int64_t t0,
                                int64_t steps) {
  auto call = [&]<int G>() HWY_ATTR {
    if (vectors == 1) step_rows<T, G, 1>(rows, 0, t0, steps);
    else if constexpr (G <= 2) step_rows<T, G, 2>(rows, 0, t0, steps);
  };
  switch (count) {
    case 4: call.template operator()<4>(); break;
    case 3: call.template operator()<3>(); break;
    case 2: call.template operator()<2>(); break;
    default: call.template operator()<1>(); break;
  }
}

template <typename T> void ssm_recurrent(const plugin::Node& node, const SsmProblem<T>& p) {
  using L = Lanes<T>;
  constexpr int W = L::kWidth;
  constexpr int64_t kBlock = kBlockLanes<T>;
  const int64_t vectors = blocks_for<T>(p.states) * L::kPerBlock, padded = vectors * W;
  // Per channel: Ā, B̄, C in lanes; the padding lanes hold 0, so their states stay 0.
  auto coef = aligned_zeros<T>(3 * p.channels * padded);
  for (int64_t d = 0; d < p.channels; ++d)
    for (int64_t n = 0; n < p.states; ++n) {
      const int64_t k = d * p.states + n;
      T* c = coef.get() + 3 * d * padded;
      c[n] = static_cast<T>(p.sys->a_bar[k]);
      c[padded + n] = static_cast<T>(p.sys->b_bar[k]);
      c[2 * padded + n] = static_cast<T>(p.sys->c[k]);
    }

  constexpr int64_t kSteps = 128;  // steps whose ⟨C, h⟩ lane blocks are summed together
  constexpr int kMaxRows = 4;
  const int together = rows_together(vectors);
  const int64_t products_size = (kSteps + W) * kBlock;
  node.parallel_for(p.batch * p.channels, ssm_row_grain(p.length * vectors), [&](int64_t begin, int64_t end) HWY_ATTR {
    auto h = aligned_zeros<T>(together * padded);
    auto products = aligned_zeros<T>(together * products_size);
    for (int64_t r0 = begin; r0 < end; r0 += together) {
      const int count = static_cast<int>(std::min<int64_t>(together, end - r0));
      RecurrentRow<T> rows[kMaxRows];
      for (int g = 0; g < count; ++g) {
        const T* a_bar = coef.get() + 3 * ((r0 + g) % p.channels) * padded;
        rows[g] = {a_bar, a_bar + padded, a_bar + 2 * padded, p.u + (r0 + g) * p.length, h.get() + g * padded,
                   products.get() + g * products_size};
      }
      std::fill(h.get(), h.get() + count * padded, T(0));
      if (p.h_in)
        for (int g = 0; g < count; ++g)
          std::copy(p.h_in + (r0 + g) * p.states, p.h_in + (r0 + g + 1) * p.states, h.get() + g * padded);
      for (int64_t t0 = 0; t0 < p.length; t0 += kSteps) {
        const int64_t steps = std::min(kSteps, p.length - t0);
        if (together > 1) {
          step_whole_rows(rows, count, vectors, t0, steps);
        } else {
          for_state_runs<T>(vectors, [&]<int K>(int64_t first) HWY_ATTR { step_rows<T, 1, K>(rows, first, t0, steps); });
        }
        for (int g = 0; g < count; ++g) L::store_block_sums(rows[g].products, steps, p.y + (r0 + g) * p.length + t0);
      }
      for (int g = 0; g < count; ++g) {
        finish_ssm_row(node, p, r0 + g, p.y + (r0 + g) * p.length);
        std::copy(rows[g].h, rows[g].h + p.states, p.final + (r0 + g) * p.states);
      }
    }
  });
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_SEQUENCE_SSM_RECURRENT_INL_H_
