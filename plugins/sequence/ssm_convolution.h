// The ssm op in convolution mode: the kernel K[d, l] = Σ_n C Āˡ B̄ (in double), then a
// causal convolution of each row with its channel's kernel, direct for short sequences and
// through FFTW for long ones. final = Σ_t Ā^(L-1-t) B̄ u_t, from the same powers of Ā.
#pragma once

#include "real_fft.h"
#include "ssm_problem.h"

#include <cmath>
#include <complex>
#include <cstring>
#include <memory>
#include <vector>

namespace graphrun::sequence {

/// Whether a causal convolution of length L is cheaper through the FFT than directly
/// (L(L+1)/2 multiply-adds against three transforms of the padded size).
inline bool convolve_by_fft(int64_t length) {
  const int64_t size = fast_fft_size(2 * length - 1);
  return length * (length + 1) / 2 > 6 * size * static_cast<int64_t>(std::log2(static_cast<double>(size)) + 1);
}

/// Builds channel d's kernel K[l] = Σ_n C B̄ Āˡ (into k, double) and final[b, d, :] =
/// B̄ ⊙ Σ_t Ā^(L-1-t) u[b, d, t], the states in double lanes. Each power row Āˡ is made once
/// and serves both: a block of 64 starts from the block before times Ā^64 (from pow() every
/// 64 blocks), and within a block Āˡ = base · Ā^j, so no power is more than ~130 roundings
/// from exact (repeated products alone would drift by L roundings).
template <typename T>
void kernel_and_final(const SsmProblem<T>& p, int64_t d, double* k, std::vector<Simd<double>::V>& scratch) {
  using S = Simd<double>;
  using V = S::V;
  constexpr int64_t kBlock = 64, kResync = 64 * kBlock;
  const int64_t L = p.length, N = p.states, nv = (N + S::kWidth - 1) / S::kWidth;
  // scratch: a_bar, cb, base, step, within (kBlock·nv), products (kBlock + W), final (batch·nv)
  scratch.assign(static_cast<size_t>(4 * nv + kBlock * nv + kBlock + S::kWidth + p.batch * nv), V{});
  V* a_bar = scratch.data();
  V* cb = a_bar + nv;
  V* base = cb + nv;
  V* step = base + nv;
  V* within = step + nv;
  V* products = within + kBlock * nv;
  V* final = products + kBlock + S::kWidth;
  for (int64_t n = 0; n < N; ++n) {
    const int64_t i = d * N + n;
    a_bar[n / S::kWidth][n % S::kWidth] = p.sys->a_bar[i];
    cb[n / S::kWidth][n % S::kWidth] = p.sys->c[i] * p.sys->b_bar[i];
  }
  for (int64_t v = 0; v < nv; ++v) {
    within[v] = S::broadcast(1.0);
    for (int64_t j = 1; j < kBlock; ++j) within[j * nv + v] = within[(j - 1) * nv + v] * a_bar[v];
    step[v] = within[(kBlock - 1) * nv + v] * a_bar[v];
  }
  for (int64_t l0 = 0; l0 < L; l0 += kBlock) {
    for (int64_t v = 0; v < nv; ++v) {
      if (l0 == 0)
        base[v] = S::broadcast(1.0);
      else if (l0 % kResync == 0)
        for (int i = 0; i < S::kWidth; ++i) base[v][i] = std::pow(a_bar[v][i], static_cast<double>(l0));
      else
        base[v] = base[v] * step[v];
    }
    const int64_t steps = std::min(kBlock, L - l0);
    for (int64_t j = 0; j < steps; ++j) {
      const int64_t l = l0 + j;
      V acc{};
      for (int64_t v = 0; v < nv; ++v) {
        const V power = base[v] * within[j * nv + v];
        acc = acc + cb[v] * power;
        for (int64_t b = 0; b < p.batch; ++b)
          final[b * nv + v] = final[b * nv + v] + power * static_cast<double>(p.u[(b * p.channels + d) * L + L - 1 - l]);
      }
      products[j] = acc;
    }
    store_lane_sums(products, steps, k + l0);
  }
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t n = 0; n < N; ++n)
      p.final[(b * p.channels + d) * N + n] =
          static_cast<T>(p.sys->b_bar[d * N + n] * final[b * nv + n / S::kWidth][n % S::kWidth]);
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
  const int64_t L = p.length, N = p.states;
  const bool by_fft = convolve_by_fft(L);
  std::unique_ptr<RealFft<T>> fft;
  if (by_fft) fft = std::make_unique<RealFft<T>>(fast_fft_size(2 * L - 1));
  const int64_t spectrum = by_fft ? fft->spectrum_size() : 0;
  // Per channel: K itself (direct) or its spectrum (FFT).
  std::vector<T> kernels(static_cast<size_t>(by_fft ? 0 : p.channels * L));
  std::vector<std::complex<T>> spectra(static_cast<size_t>(p.channels * spectrum));

  node.parallel_for(p.channels, ssm_row_grain(L * N * (1 + p.batch)), [&](int64_t begin, int64_t end) {
    std::vector<double> k(static_cast<size_t>(L));
    std::vector<Simd<double>::V> scratch;
    std::unique_ptr<FftBuffer<T>> signal;
    std::unique_ptr<FftBuffer<std::complex<T>>> transform;
    if (by_fft) {
      signal = std::make_unique<FftBuffer<T>>(static_cast<size_t>(fft->size()));
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
      std::fill(s + L, s + fft->size(), T(0));
      fft->forward(s, transform->data());
      std::copy(transform->data(), transform->data() + spectrum, spectra.data() + d * spectrum);
    }
  });

  node.parallel_for(p.batch * p.channels, ssm_row_grain(by_fft ? 4 * fft->size() : L * (L + 1) / 2),
                    [&](int64_t begin, int64_t end) {
    std::unique_ptr<FftBuffer<T>> signal;
    std::unique_ptr<FftBuffer<std::complex<T>>> transform;
    if (by_fft) {
      signal = std::make_unique<FftBuffer<T>>(static_cast<size_t>(fft->size()));
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
        std::fill(s + L, s + fft->size(), T(0));
        std::complex<T>* f = transform->data();
        fft->forward(s, f);
        const std::complex<T>* kf = spectra.data() + d * spectrum;
        for (int64_t j = 0; j < spectrum; ++j) {  // written out: std::complex's * checks for NaN
          const T re = f[j].real() * kf[j].real() - f[j].imag() * kf[j].imag();
          const T im = f[j].real() * kf[j].imag() + f[j].imag() * kf[j].real();
          f[j] = {re, im};
        }
        fft->inverse(f, s);
        const T scale = T(1) / static_cast<T>(fft->size());
        for (int64_t t = 0; t < L; ++t) y[t] = s[t] * scale;
      }
      finish_ssm_row(node, p, r, y);
    }
  });
}

}  // namespace graphrun::sequence
