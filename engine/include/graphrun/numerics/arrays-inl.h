// Elementwise loops over arrays for every SIMD target: f applied a full vector at a time,
// and the last few values through one zero-padded vector, so every value is computed by
// the same vector code wherever it sits (results never depend on where an array is cut).
// A Highway "-inl" header, like math-inl.h: include it in a file compiled per target.

// Per-target include guard (Highway's toggle idiom).
#if defined(GRAPHRUN_NUMERICS_ARRAYS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef GRAPHRUN_NUMERICS_ARRAYS_INL_H_
#undef GRAPHRUN_NUMERICS_ARRAYS_INL_H_
#else
#define GRAPHRUN_NUMERICS_ARRAYS_INL_H_
#endif

#include <hwy/highway.h>

#include <cstdint>
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace graphrun::numerics::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

/// out[i] = f(d, in[i]) for i < n (in may equal out).
template <class D, class F>
HWY_INLINE void Map(D d, const hn::TFromD<D>* in, int64_t n, hn::TFromD<D>* out, const F& f) {
  using T = hn::TFromD<D>;
  const int64_t w = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + w <= n; i += w) hn::StoreU(f(d, hn::LoadU(d, in + i)), d, out + i);
  if (i == n) return;
  HWY_ALIGN T tail[hn::MaxLanes(d)] = {};
  std::memcpy(tail, in + i, static_cast<size_t>(n - i) * sizeof(T));
  hn::Store(f(d, hn::Load(d, tail)), d, tail);
  std::memcpy(out + i, tail, static_cast<size_t>(n - i) * sizeof(T));
}

/// Map in place.
template <class D, class F> HWY_INLINE void Map(D d, hn::TFromD<D>* p, int64_t n, const F& f) {
  Map(d, p, n, p, f);
}

/// out[i] = f(d, a[i], b[i]) for i < n (out may equal a or b).
template <class D, class F>
HWY_INLINE void Map2(D d, const hn::TFromD<D>* a, const hn::TFromD<D>* b, int64_t n, hn::TFromD<D>* out,
                     const F& f) {
  using T = hn::TFromD<D>;
  const int64_t w = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + w <= n; i += w) hn::StoreU(f(d, hn::LoadU(d, a + i), hn::LoadU(d, b + i)), d, out + i);
  if (i == n) return;
  HWY_ALIGN T tail_a[hn::MaxLanes(d)] = {};
  HWY_ALIGN T tail_b[hn::MaxLanes(d)] = {};
  std::memcpy(tail_a, a + i, static_cast<size_t>(n - i) * sizeof(T));
  std::memcpy(tail_b, b + i, static_cast<size_t>(n - i) * sizeof(T));
  hn::Store(f(d, hn::Load(d, tail_a), hn::Load(d, tail_b)), d, tail_a);
  std::memcpy(out + i, tail_a, static_cast<size_t>(n - i) * sizeof(T));
}

}  // namespace graphrun::numerics::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_NUMERICS_ARRAYS_INL_H_
