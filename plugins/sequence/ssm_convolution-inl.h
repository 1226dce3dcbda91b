// The ssm op in convolution mode: the kernel K[d, l] = Σ_n C Āˡ B̄ (in double), then a
// causal convolution of each row with its channel's kernel, direct for short sequences and
// through FFTW for long ones. final = Σ_t Ā^(L-1-t) B̄ u_t, from the same powers of Ā. The
// sums over states go by lane blocks (lane_block.h). A Highway "-inl" header: include it
// per target.

// Per-target include guard (Highway's toggle idiom).
#if defined(GRAPHRUN_SEQUENCE_SSM_CONVOLUTION_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef GRAPHRUN_SEQUENCE_SSM_CONVOLUTION_INL_H_
#undef GRAPHRUN_SEQUENCE_SSM_CONVOLUTION_INL_H_
#else
#define GRAPHRUN_SEQUENCE_SSM_CONVOLUTION_INL_H_
#endif

#include "common/real_fft.h"
#include "common/spectra-inl.h"
#include "sequence/lanes-inl.h"
#include "sequence/ssm_problem.h"
#include "sequence/ssm_recurrent-inl.h"

#include <hwy/highway.h>

#include <cmath>
#include <complex>
#include <memory>
#include <vector>

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {

/// G accumulators final[g] (g·final_stride apart) += Σ_j powers[j]·u[g][j] for j < steps
/// (powers `power_stride` apart, u rows `u_stride` apart), each adding its terms in order of j
/// in a register; the G independent chains interleave.
template <int G>
HWY_INLINE void add_terms(const double* powers, int64_t power_stride, const double* u, int64_t u_stride,
                          int64_t steps, double* final, int64_t final_stride) {
  using L = Lanes<double>;
  using V = L::V;
  V acc[G];
  for (int g = 0; g < G; ++g) acc[g] = L::load(final + g * final_stride);
  for (int64_t j = 0; j < steps; ++j) {
    const V power = L::load(powers + j * power_stride);
    for (int g = 0; g < G; ++g) acc[g] = hn::Add(acc[g], hn::Mul(power, L::broadcast(u[g * u_stride + j])));
  }
  for (int g = 0; g < G; ++g) L::store(final + g * final_stride, acc[g]);
}

/// Builds channel d's kernel K[l] = Σ_n C B̄ Āˡ (into k, double) and final[b, d, :] =
/// B̄ ⊙ Σ_t Ā^(L-1-t) u[b, d, t], the states in double lanes. Each power row Āˡ is made once
/// and serves both: a block of 64 starts from the block before times Ā^64 (from pow() every
/// 64 blocks), and within a block Āˡ = base · Ā^j, so no power is more than ~130 roundings
/// from exact (repeated products alone would drift by L roundings). A block's powers are
/// kept; then each vector of final adds the block's terms in a register, in order of l: the
/// order, so the bits, of an accumulator in memory, without its load and store per step.
/// `scratch` is reused.
template <typename T>
void kernel_and_final(const SsmProblem<T>& p, int64_t d, double* k, hwy::AlignedFreeUniquePtr<double[]>& scratch) {
  using L = Lanes<double>;
  using V = L::V;
  constexpr int W = L::kWidth, R = L::kPerBlock;
  constexpr int64_t kBlock = kBlockLanes<double>, kSteps = 64, kResync = 64 * kSteps;
  const int64_t length = p.length, N = p.states, nv = blocks_for<double>(N) * R, padded = nv * W;
  // scratch: a_bar, cb, base, step (padded each), within and powers (kSteps·padded each),
  // products ((kSteps + W)·kBlock), final (batch·padded), u_block (batch·kSteps)
  const int64_t size = (4 + 2 * kSteps + p.batch) * padded + (kSteps + W) * kBlock + p.batch * kSteps;
  scratch = aligned_zeros<double>(size);
  double* a_bar = scratch.get();
  double* cb = a_bar + padded;
  double* base = cb + padded;
  double* step = base + padded;
  double* within = step + padded;
  double* powers = within + kSteps * padded;
  double* products = powers + kSteps * padded;
  double* final = products + (kSteps + W) * kBlock;
  double* u_block = final + p.batch * padded;
  for (int64_t n = 0; n < N; ++n) {
    const int64_t i = d * N + n;
    a_bar[n] = p.sys->a_bar[i];
    cb[n] = p.sys->c[i] * p.sys->b_bar[i];
  }
  for (int64_t v = 0; v < nv; ++v) {
    const V a = L::load(a_bar + v * W);
    V power = L::broadcast(1.0);
    L::store(within + v * W, power);
    for (int64_t j = 1; j < kSteps; ++j) {
      power = hn::Mul(power, a);
      L::store(within + j * padded + v * W, power);
    }
    L::store(step + v * W, hn::Mul(power, a));
  }
  for (int64_t l0 = 0; l0 < length; l0 += kSteps) {
    for (int64_t v = 0; v < nv; ++v) {
      double* bv = base + v * W;
      if (l0 == 0)
        L::store(bv, L::broadcast(1.0));
      else if (l0 % kResync == 0)
        for (int i = 0; i < W; ++i) bv[i] = std::pow(a_bar[v * W + i], static_cast<double>(l0));
      else
        L::store(bv, hn::Mul(L::load(bv), L::load(step + v * W)));
    }
    const int64_t steps = std::min(kSteps, length - l0);
    for (int64_t j = 0; j < steps; ++j) {
      V sum[R];
      for (int r = 0; r < R; ++r) sum[r] = L::zero();
      for (int64_t v = 0; v < nv; ++v) {
        const V power = hn::Mul(L::load(base + v * W), L::load(within + j * padded + v * W));
        L::store(powers + j * padded + v * W, power);
        V& s = sum[v % R];
        s = hn::Add(s, hn::Mul(L::load(cb + v * W), power));
      }
      for (int r = 0; r < R; ++r) L::store(products + j * kBlock + r * W, sum[r]);
    }
    // u[b, d, L-1-l] for the block's l, in double.
    for (int64_t b = 0; b < p.batch; ++b) {
      const T* u_row = p.u + (b * p.channels + d) * length + length - 1 - l0;
      for (int64_t j = 0; j < steps; ++j) u_block[b * kSteps + j] = static_cast<double>(u_row[-j]);
    }
    for (int64_t v = 0; v < nv; ++v) {
      int64_t b = 0;
      for (; b + 4 <= p.batch; b += 4) add_terms<4>(powers + v * W, padded, u_block + b * kSteps, kSteps, steps,
                                                    final + b * padded + v * W, padded);
      for (; b < p.batch; ++b)
        add_terms<1>(powers + v * W, padded, u_block + b * kSteps, kSteps, steps, final + b * padded + v * W, padded);
    }
    L::store_block_sums(products, steps, k + l0);
  }
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t n = 0; n < N; ++n)
      p.final[(b * p.channels + d) * N + n] = static_cast<T>(p.sys->b_bar[d * N + n] * final[b * padded + n]);
}

/// y = causal convolution of u with k (first L values of the full convolution), directly.
template <typename T> void convolve_direct(const T* u, const T* k, int64_t length, T* y) {
  std::fill(y, y + length, T(0));
  for (int64_t l = 0; l < length; ++l) {
    const T kl = k[l];
    for (int64_t t = l; t < length; ++t) y[t] = y[t] + kl * u[t - l];
  }
}

template <typename T> void ssm_convolution(const plugin::Node& node, const SsmProblem<T>& p) {
  using fft::FftBuffer;
  const int64_t L = p.length, N = p.states;
  const bool by_fft = convolve_by_fft(L);
  std::unique_ptr<fft::RealFft<T>> transform_plan;
  if (by_fft) transform_plan = std::make_unique<fft::RealFft<T>>(fft::fast_fft_size(2 * L - 1));
  const fft::RealFft<T>* plan = transform_plan.get();
  const int64_t spectrum = by_fft ? plan->spectrum_size() : 0;
  // Per channel: K itself (direct) or its spectrum (FFT).
  std::vector<T> kernels(static_cast<size_t>(by_fft ? 0 : p.channels * L));
  std::vector<std::complex<T>> spectra(static_cast<size_t>(p.channels * spectrum));

  node.parallel_for(p.channels, ssm_row_grain(L * N * (1 + p.batch)), [&](int64_t begin, int64_t end) HWY_ATTR {
    std::vector<double> k(static_cast<size_t>(L));
    hwy::AlignedFreeUniquePtr<double[]> scratch;
    std::unique_ptr<FftBuffer<T>> signal;
    std::unique_ptr<FftBuffer<std::complex<T>>> transform;
    if (by_fft) {
      signal = std::make_unique<FftBuffer<T>>(static_cast<size_t>(plan->size()));
      transform = std::make_unique<FftBuffer<std::complex<T>>>(static_cast<size_t>(spectrum));
    }
    for (int64_t d = begin; d < end; ++d) {
      kernel_and_final(p, d, k.data(), scratch);
      if (!by_fft) {
        for (int64_t l = 0; l < L; ++l) kernels[d * L + l] = static_cast<T>(k[l]);
        continue;
      }
      T* s = signal->data();
      for (int64_t l = 0; l < L; ++l) s[l] = static_cast<T>(k[l]);
      std::fill(s + L, s + plan->size(), T(0));
      plan->forward(s, transform->data());
      std::copy(transform->data(), transform->data() + spectrum, spectra.data() + d * spectrum);
    }
  });

  node.parallel_for(p.batch * p.channels, ssm_row_grain(by_fft ? 4 * plan->size() : L * (L + 1) / 2),
                    [&](int64_t begin, int64_t end) HWY_ATTR {
    std::unique_ptr<FftBuffer<T>> signal;
    std::unique_ptr<FftBuffer<std::complex<T>>> transform;
    if (by_fft) {
      signal = std::make_unique<FftBuffer<T>>(static_cast<size_t>(plan->size()));
      transform = std::make_unique<FftBuffer<std::complex<T>>>(static_cast<size_t>(spectrum));
    }
    for (int64_t r = begin; r < end; ++r) {
      const int64_t d = r % p.channels;
      const T* u = p.u + r * L;
      T* y = p.y + r * L;
      if (!by_fft) {
        convolve_direct(u, kernels.data() + d * L, L, y);
      } else {
        T* s = signal->data();
        std::copy(u, u + L, s);
        std::fill(s + L, s + plan->size(), T(0));
        std::complex<T>* f = transform->data();
        plan->forward(s, f);
        // Complex arrays are interleaved (re, im) pairs.
        T* fr = reinterpret_cast<T*>(f);
        const T* kf = reinterpret_cast<const T*>(spectra.data() + d * spectrum);
        fft::HWY_NAMESPACE::multiply_spectra(fr, fr, kf, spectrum);
        plan->inverse(f, s);
        const T scale = T(1) / static_cast<T>(plan->size());
        for (int64_t t = 0; t < L; ++t) y[t] = s[t] * scale;
      }
      finish_ssm_row(node, p, r, y);
    }
  });
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_SEQUENCE_SSM_CONVOLUTION_INL_H_
