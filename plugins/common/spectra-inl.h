// Products of spectra (complex numbers stored as interleaved (re, im) pairs, as FFTW writes
// them) for every SIMD target (a Highway "-inl" header: include it per target). Written
// with explicit lane operations: GCC 12 turns the plain C++ complex product into
// vfmaddsub even under -ffp-contract=off, which rounds differently from SSE4 and would make
// results depend on the CPU.

// Per-target include guard (Highway's toggle idiom).
#if defined(GRAPHRUN_COMMON_SPECTRA_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef GRAPHRUN_COMMON_SPECTRA_INL_H_
#undef GRAPHRUN_COMMON_SPECTRA_INL_H_
#else
#define GRAPHRUN_COMMON_SPECTRA_INL_H_
#endif

#include <hwy/highway.h>

#include <cstdint>
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace graphrun::fft::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

/// out[k] = a[k]·b[k] for k < n, plus acc[k] when kAccumulate (out then is acc):
/// re = ar·br − ai·bi, im = ar·bi + ai·br, each product rounded, then the sums. out may
/// equal a. The last few go through one zero-padded vector pair.
template <bool kAccumulate, typename T>
HWY_INLINE void complex_products(T* out, const T* a, const T* b, int64_t n) {
  const hn::ScalableTag<T> d;
  using V = hn::Vec<decltype(d)>;
  const int64_t w = static_cast<int64_t>(hn::Lanes(d));
  auto product = [&](const T* pa, const T* pb, T* po) HWY_ATTR {
    V ar, ai, br, bi;
    hn::LoadInterleaved2(d, pa, ar, ai);
    hn::LoadInterleaved2(d, pb, br, bi);
    V re = hn::Sub(hn::Mul(ar, br), hn::Mul(ai, bi));
    V im = hn::Add(hn::Mul(ar, bi), hn::Mul(ai, br));
    if constexpr (kAccumulate) {
      V cr, ci;
      hn::LoadInterleaved2(d, po, cr, ci);
      re = hn::Add(cr, re);
      im = hn::Add(ci, im);
    }
    hn::StoreInterleaved2(re, im, d, po);
  };
  int64_t k = 0;
  for (; k + w <= n; k += w) product(a + 2 * k, b + 2 * k, out + 2 * k);
  if (k == n) return;
  HWY_ALIGN T ta[2 * hn::MaxLanes(d)] = {}, tb[2 * hn::MaxLanes(d)] = {}, to[2 * hn::MaxLanes(d)] = {};
  const size_t bytes = static_cast<size_t>(2 * (n - k)) * sizeof(T);
  std::memcpy(ta, a + 2 * k, bytes);
  std::memcpy(tb, b + 2 * k, bytes);
  if constexpr (kAccumulate) std::memcpy(to, out + 2 * k, bytes);
  product(ta, tb, to);
  std::memcpy(out + 2 * k, to, bytes);
}

/// out[k] = a[k]·b[k] for k < n (out may equal a).
template <typename T> HWY_INLINE void multiply_spectra(T* out, const T* a, const T* b, int64_t n) {
  complex_products<false>(out, a, b, n);
}

/// acc[k] += a[k]·b[k] for k < n.
template <typename T> HWY_INLINE void multiply_add_spectra(T* acc, const T* a, const T* b, int64_t n) {
  complex_products<true>(acc, a, b, n);
}

}  // namespace graphrun::fft::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_COMMON_SPECTRA_INL_H_
