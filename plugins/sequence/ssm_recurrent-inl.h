// The ssm op in recurrent mode: per (batch, channel) row, the N states step together in
// SIMD lanes, h ← Ā ⊙ h + B̄·u_t, y_t = Σ_n C h, the sum over lane blocks (lane_block.h).
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

template <typename T> void ssm_recurrent(const plugin::Node& node, const SsmProblem<T>& p) {
  using L = Lanes<T>;
  using V = typename L::V;
  constexpr int W = L::kWidth, R = L::kPerBlock;
  constexpr int64_t kBlock = kBlockLanes<T>;
  const int64_t vectors = blocks_for<T>(p.states) * R, padded = vectors * W;
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
  node.parallel_for(p.batch * p.channels, ssm_row_grain(p.length * vectors), [&](int64_t begin, int64_t end) HWY_ATTR {
    auto h = aligned_zeros<T>(padded);
    auto products = aligned_zeros<T>((kSteps + W) * kBlock);
    for (int64_t r = begin; r < end; ++r) {
      const T* a_bar = coef.get() + 3 * (r % p.channels) * padded;
      const T* b_bar = a_bar + padded;
      const T* c = b_bar + padded;
      const T* u = p.u + r * p.length;
      T* y = p.y + r * p.length;
      std::fill(h.get(), h.get() + padded, T(0));
      for (int64_t t0 = 0; t0 < p.length; t0 += kSteps) {
        const int64_t steps = std::min(kSteps, p.length - t0);
        // Each lane-block accumulator adds its state vectors in order, run after run.
        for_state_runs<T>(vectors, [&]<int K>(int64_t first) HWY_ATTR {
          V hr[K], ak[K], bk[K], ck[K];
          for (int k = 0; k < K; ++k) {
            hr[k] = L::load(h.get() + (first + k) * W);
            ak[k] = L::load(a_bar + (first + k) * W);
            bk[k] = L::load(b_bar + (first + k) * W);
            ck[k] = L::load(c + (first + k) * W);
          }
          for (int64_t j = 0; j < steps; ++j) {
            const V uj = L::broadcast(u[t0 + j]);
            T* acc = products.get() + j * kBlock;
            V sum[R];
            for (int q = 0; q < R; ++q) sum[q] = first == 0 ? L::zero() : L::load(acc + q * W);
            for (int k = 0; k < K; ++k) {
              hr[k] = hn::Add(hn::Mul(ak[k], hr[k]), hn::Mul(bk[k], uj));
              V& s = sum[k % R];
              s = hn::Add(s, hn::Mul(ck[k], hr[k]));
            }
            for (int q = 0; q < R; ++q) L::store(acc + q * W, sum[q]);
          }
          for (int k = 0; k < K; ++k) L::store(h.get() + (first + k) * W, hr[k]);
        });
        L::store_block_sums(products.get(), steps, y + t0);
      }
      finish_ssm_row(node, p, r, y);
      std::copy(h.get(), h.get() + p.states, p.final + r * p.states);
    }
  });
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_SEQUENCE_SSM_RECURRENT_INL_H_
