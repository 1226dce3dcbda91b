// The ssm op in recurrent mode: per (batch, channel) row, the N states step together in
// SIMD lanes, h ← Ā ⊙ h + B̄·u_t, y_t = Σ_n C h.
#pragma once

#include "ssm_problem.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace graphrun::sequence {

template <typename T> void ssm_recurrent(const plugin::Node& node, const SsmProblem<T>& p) {
  using S = Simd<T>;
  using V = typename S::V;
  const int64_t vectors = (p.states + S::kWidth - 1) / S::kWidth;
  // Per channel: Ā, B̄, C in lanes; the padding lanes hold 0, so their states stay 0.
  std::vector<V> coef(static_cast<size_t>(3 * p.channels * vectors), V{});
  for (int64_t d = 0; d < p.channels; ++d)
    for (int64_t n = 0; n < p.states; ++n) {
      const int64_t k = d * p.states + n, v = n / S::kWidth, lane = n % S::kWidth;
      V* c = coef.data() + 3 * d * vectors;
      c[v][lane] = static_cast<T>(p.sys->a_bar[k]);
      c[vectors + v][lane] = static_cast<T>(p.sys->b_bar[k]);
      c[2 * vectors + v][lane] = static_cast<T>(p.sys->c[k]);
    }

  constexpr int64_t kBlock = 128;  // steps whose ⟨C, h⟩ lanes are summed together
  node.parallel_for(p.batch * p.channels, ssm_row_grain(p.length * vectors), [&](int64_t begin, int64_t end) {
    std::vector<V> h(static_cast<size_t>(vectors)), products(static_cast<size_t>(kBlock + S::kWidth));
    for (int64_t r = begin; r < end; ++r) {
      const V* a_bar = coef.data() + 3 * (r % p.channels) * vectors;
      const V* b_bar = a_bar + vectors;
      const V* c = b_bar + vectors;
      const T* u = p.u + r * p.length;
      T* y = p.y + r * p.length;
      std::fill(h.begin(), h.end(), V{});
      for (int64_t t0 = 0; t0 < p.length; t0 += kBlock) {
        const int64_t steps = std::min(kBlock, p.length - t0);
        for_state_runs(vectors, [&]<int K>(int64_t first) {
          V hr[K];
          for (int k = 0; k < K; ++k) hr[k] = h[first + k];
          for (int64_t j = 0; j < steps; ++j) {
            V acc = first == 0 ? V{} : products[j];
            for (int k = 0; k < K; ++k) {
              hr[k] = a_bar[first + k] * hr[k] + b_bar[first + k] * u[t0 + j];
              acc = acc + c[first + k] * hr[k];
            }
            products[j] = acc;
          }
          for (int k = 0; k < K; ++k) h[first + k] = hr[k];
        });
        store_lane_sums(products.data(), steps, y + t0);
      }
      finish_ssm_row(node, p, r, y);
      for (int64_t n = 0; n < p.states; ++n) p.final[r * p.states + n] = h[n / S::kWidth][n % S::kWidth];
    }
  });
}

}  // namespace graphrun::sequence
