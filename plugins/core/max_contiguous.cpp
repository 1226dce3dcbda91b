// `max` over adjacent values, compiled for every SIMD target and dispatched at run time:
// four vectors of running maxima and four NaN masks, so that a row streams at memory speed
// (the scalar loop this replaces, per-lane bools included, compiled to scalar maxss and
// ucomiss and ran at a third of the bandwidth, bench/RESULTS.md). Vector Max's NaN rules
// differ between targets, so NaN is tracked on its own and decides the result; the only
// other values that compare equal with different bits are -0.0 and +0.0, and a zero maximum
// is settled by finding the first zero: no result depends on the lane count.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/max_contiguous.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "max_contiguous.h"

#include <limits>

HWY_BEFORE_NAMESPACE();
namespace graphrun::core::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <typename T> T max_of(const T* HWY_RESTRICT a, int64_t n) {
  const hn::ScalableTag<T> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  T res = a[0];
  bool any_nan = false;
  int64_t i = 0;
  if (n >= 4 * lanes) {
    auto m0 = hn::LoadU(d, a), m1 = m0, m2 = m0, m3 = m0;
    auto nan0 = hn::IsNaN(m0), nan1 = nan0, nan2 = nan0, nan3 = nan0;
    for (; i + 4 * lanes <= n; i += 4 * lanes) {
      const auto v0 = hn::LoadU(d, a + i), v1 = hn::LoadU(d, a + i + lanes);
      const auto v2 = hn::LoadU(d, a + i + 2 * lanes), v3 = hn::LoadU(d, a + i + 3 * lanes);
      m0 = hn::Max(m0, v0);
      m1 = hn::Max(m1, v1);
      m2 = hn::Max(m2, v2);
      m3 = hn::Max(m3, v3);
      nan0 = hn::Or(nan0, hn::IsNaN(v0));
      nan1 = hn::Or(nan1, hn::IsNaN(v1));
      nan2 = hn::Or(nan2, hn::IsNaN(v2));
      nan3 = hn::Or(nan3, hn::IsNaN(v3));
    }
    any_nan = !hn::AllFalse(d, hn::Or(hn::Or(nan0, nan1), hn::Or(nan2, nan3)));
    // Without NaN, Max is the larger value on every target (either zero when they are equal).
    res = hn::GetLane(hn::MaxOfLanes(d, hn::Max(hn::Max(m0, m1), hn::Max(m2, m3))));
  }
  for (; i < n; ++i) {
    res = a[i] > res ? a[i] : res;
    any_nan = any_nan || a[i] != a[i];
  }
  if (any_nan) return std::numeric_limits<T>::quiet_NaN();
  if (res == T(0))
    for (int64_t k = 0;; ++k)  // every value is <= 0 and one is a zero
      if (a[k] == T(0)) return a[k];
  return res;
}

float max_f32(const float* a, int64_t n) { return max_of(a, n); }
double max_f64(const double* a, int64_t n) { return max_of(a, n); }

}  // namespace graphrun::core::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace graphrun::core {

HWY_EXPORT(max_f32);
HWY_EXPORT(max_f64);

float max_contiguous(const float* a, int64_t n) { return HWY_DYNAMIC_DISPATCH(max_f32)(a, n); }
double max_contiguous(const double* a, int64_t n) { return HWY_DYNAMIC_DISPATCH(max_f64)(a, n); }

}  // namespace graphrun::core
#endif  // HWY_ONCE
