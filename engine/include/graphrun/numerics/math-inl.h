// graphrun's per-element math, one definition of each function for every SIMD target: the
// expression evaluator and the built-in plugins all call these, so silu(x) has the same
// bits in a formula, in conv1d's fused activation and in selective_scan's gate.
//
// A Highway "-inl" header: include it after <hwy/highway.h> in a file compiled for several
// targets (hwy/foreach_target.h); it defines graphrun::numerics::HWY_NAMESPACE once per
// target. Every function takes a descriptor d of a full vector (hn::ScalableTag<float> or
// <double>) and a vector of its lanes; the scalar overloads (Silu(x) for a float x, ...) run
// the vector form on a vector of copies, so both forms give the same bits.
//
// Transcendental functions are SLEEF's, called by target. AVX2 and AVX-512 use its FMA
// variants, which give the same bits at every width (SLEEF's "finz" deterministic set), so
// results agree between those two targets. SSE4 and the scalar fallback have no FMA and
// use the variants without it ("cinz", SSE2 code), which agree with each other but may
// differ from the FMA ones in the last bit. The f32 functions inside the sequence kernels'
// inner loops are inline (no call, no spilled registers): exp is SLEEF's algorithm written
// out, the bits of that target's SLEEF function for every float, and softplus a short
// series on it. Accuracy: 1 ulp, except tanh at 3.5 ulp (three times faster, far inside the
// 1e-5 / 1e-12 tolerances of f32 / f64) and f32 softplus at 3. No a*b+c is contracted into
// an FMA behind the code's back (graphrun builds with -ffp-contract=off); MulAdd appears
// only where SLEEF fuses too, so the arithmetic rounds as SLEEF's does.
//
// Needs Highway's headers and SLEEF linked: the CMake target graphrun_numerics.

// Per-target include guard (Highway's toggle idiom): this body is compiled once per target.
#if defined(GRAPHRUN_NUMERICS_MATH_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef GRAPHRUN_NUMERICS_MATH_INL_H_
#undef GRAPHRUN_NUMERICS_MATH_INL_H_
#else
#define GRAPHRUN_NUMERICS_MATH_INL_H_
#endif

#include <hwy/highway.h>

#include <immintrin.h>

#include <cstring>
#include <limits>

HWY_BEFORE_NAMESPACE();
namespace graphrun::numerics::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

namespace sleef {

// SLEEF's functions for this target, declared here rather than taken from sleef.h: that
// header declares the AVX ones only when the whole file is compiled for AVX, and graphrun
// is not. RawF / RawD are the register types SLEEF takes, kF / kD their lane counts.
#define GRAPHRUN_SLEEF_DECLARE(RawF, RawD, fw, dw, isa)                                          \
  extern "C" {                                                                                  \
  RawF Sleef_expf##fw##_u10##isa(RawF);                                                         \
  RawD Sleef_expd##dw##_u10##isa(RawD);                                                         \
  RawF Sleef_logf##fw##_u10##isa(RawF);                                                         \
  RawD Sleef_logd##dw##_u10##isa(RawD);                                                         \
  RawF Sleef_log1pf##fw##_u10##isa(RawF);                                                       \
  RawD Sleef_log1pd##dw##_u10##isa(RawD);                                                       \
  RawF Sleef_sinf##fw##_u10##isa(RawF);                                                         \
  RawD Sleef_sind##dw##_u10##isa(RawD);                                                         \
  RawF Sleef_cosf##fw##_u10##isa(RawF);                                                         \
  RawD Sleef_cosd##dw##_u10##isa(RawD);                                                         \
  RawF Sleef_tanhf##fw##_u35##isa(RawF);                                                        \
  RawD Sleef_tanhd##dw##_u35##isa(RawD);                                                        \
  RawF Sleef_powf##fw##_u10##isa(RawF, RawF);                                                   \
  RawD Sleef_powd##dw##_u10##isa(RawD, RawD);                                                   \
  }                                                                                             \
  HWY_INLINE RawF exp(RawF x) { return Sleef_expf##fw##_u10##isa(x); }                          \
  HWY_INLINE RawD exp(RawD x) { return Sleef_expd##dw##_u10##isa(x); }                          \
  HWY_INLINE RawF log(RawF x) { return Sleef_logf##fw##_u10##isa(x); }                          \
  HWY_INLINE RawD log(RawD x) { return Sleef_logd##dw##_u10##isa(x); }                          \
  HWY_INLINE RawF log1p(RawF x) { return Sleef_log1pf##fw##_u10##isa(x); }                      \
  HWY_INLINE RawD log1p(RawD x) { return Sleef_log1pd##dw##_u10##isa(x); }                      \
  HWY_INLINE RawF sin(RawF x) { return Sleef_sinf##fw##_u10##isa(x); }                          \
  HWY_INLINE RawD sin(RawD x) { return Sleef_sind##dw##_u10##isa(x); }                          \
  HWY_INLINE RawF cos(RawF x) { return Sleef_cosf##fw##_u10##isa(x); }                          \
  HWY_INLINE RawD cos(RawD x) { return Sleef_cosd##dw##_u10##isa(x); }                          \
  HWY_INLINE RawF tanh(RawF x) { return Sleef_tanhf##fw##_u35##isa(x); }                        \
  HWY_INLINE RawD tanh(RawD x) { return Sleef_tanhd##dw##_u35##isa(x); }                        \
  HWY_INLINE RawF pow(RawF x, RawF y) { return Sleef_powf##fw##_u10##isa(x, y); }               \
  HWY_INLINE RawD pow(RawD x, RawD y) { return Sleef_powd##dw##_u10##isa(x, y); }

// clang decides how vectors are passed by the file's -m flags alone (see engine/CMakeLists.txt).
#if defined(__clang__) && ((HWY_TARGET <= HWY_AVX3 && !defined(__AVX512F__)) || \
                           (HWY_TARGET <= HWY_AVX2 && !defined(__AVX2__)))
#error "graphrun numerics: with clang, compile only Highway's static target (HWY_COMPILE_ONLY_STATIC)"
#endif
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
GRAPHRUN_SLEEF_DECLARE(__m512, __m512d, 16, 8, avx512f)
#elif HWY_TARGET == HWY_AVX2
GRAPHRUN_SLEEF_DECLARE(__m256, __m256d, 8, 4, avx2)
#elif HWY_TARGET == HWY_SSE4
GRAPHRUN_SLEEF_DECLARE(__m128, __m128d, 4, 2, sse4)
#elif (HWY_TARGET == HWY_EMU128 || HWY_TARGET == HWY_SCALAR) && HWY_ARCH_X86
// The portable fallbacks (lanes in plain arrays, or one value): x86-64 always has SSE2.
GRAPHRUN_SLEEF_DECLARE(__m128, __m128d, 4, 2, sse2)
#else
#error "graphrun numerics: no SLEEF mapping for this Highway target"
#endif
#undef GRAPHRUN_SLEEF_DECLARE

/// The register SLEEF takes for a vector of d, and back. On the SIMD targets the vector's
/// raw member is that register; the fallbacks copy their lane array, or their one value
/// into every lane (HWY_SCALAR, Highway's fallback under GCC < 12.3).
template <class V> HWY_INLINE auto to_raw(V v) {
#if HWY_TARGET == HWY_EMU128 || HWY_TARGET == HWY_SCALAR
  constexpr bool kF32 = sizeof(hn::TFromV<V>) == 4;
#endif
#if HWY_TARGET == HWY_EMU128
  static_assert(sizeof(v.raw) == 16, "only full vectors");
  if constexpr (kF32) return _mm_loadu_ps(v.raw);
  else return _mm_loadu_pd(v.raw);
#elif HWY_TARGET == HWY_SCALAR
  if constexpr (kF32) return _mm_set1_ps(v.raw);
  else return _mm_set1_pd(v.raw);
#else
  return v.raw;
#endif
}
template <class D, class Raw> HWY_INLINE hn::Vec<D> from_raw(D, Raw r) {
  hn::Vec<D> v;
#if HWY_TARGET == HWY_EMU128
  std::memcpy(v.raw, &r, sizeof r);
#elif HWY_TARGET == HWY_SCALAR
  std::memcpy(&v.raw, &r, sizeof v.raw);
#else
  v.raw = r;
#endif
  return v;
}

}  // namespace sleef

// ---- Functions on vectors --------------------------------------------------------------

/// -x (flips the sign bit: -0 and NaN included).
template <class D> HWY_INLINE hn::Vec<D> Neg(D, hn::Vec<D> x) { return hn::Neg(x); }
/// |x|.
template <class D> HWY_INLINE hn::Vec<D> Abs(D, hn::Vec<D> x) { return hn::Abs(x); }
/// √x, correctly rounded.
template <class D> HWY_INLINE hn::Vec<D> Sqrt(D, hn::Vec<D> x) { return hn::Sqrt(x); }
/// x·x.
template <class D> HWY_INLINE hn::Vec<D> Square(D, hn::Vec<D> x) { return hn::Mul(x, x); }
/// 1/x, correctly rounded (a division, not the approximate reciprocal instruction).
template <class D> HWY_INLINE hn::Vec<D> Recip(D d, hn::Vec<D> x) { return hn::Div(hn::Set(d, 1), x); }
/// As torch.relu and numpy.maximum(x, 0): NaN passes through, -0 becomes 0.
template <class D> HWY_INLINE hn::Vec<D> Relu(D d, hn::Vec<D> x) {
  return hn::IfThenElse(hn::Or(hn::Gt(x, hn::Zero(d)), hn::IsNaN(x)), x, hn::Zero(d));
}
/// numpy.maximum: NaN in either operand gives NaN.
template <class D> HWY_INLINE hn::Vec<D> Maximum(D, hn::Vec<D> a, hn::Vec<D> b) {
  return hn::IfThenElse(hn::Or(hn::Ge(a, b), hn::IsNaN(a)), a, b);
}
/// numpy.minimum: NaN in either operand gives NaN.
template <class D> HWY_INLINE hn::Vec<D> Minimum(D, hn::Vec<D> a, hn::Vec<D> b) {
  return hn::IfThenElse(hn::Or(hn::Le(a, b), hn::IsNaN(a)), a, b);
}

namespace sleef {

/// x rounded to the nearest integer (ties to even) as SLEEF rounds it: the plain conversion
/// instruction on x86 (out-of-range and NaN lanes give INT_MIN, later masked), Highway's
/// NearestInt on the fallbacks.
template <class D> HWY_INLINE hn::Vec<hn::RebindToSigned<D>> nearest_int(D d, hn::Vec<D> x) {
  hn::Vec<hn::RebindToSigned<D>> q;
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  q.raw = _mm512_maskz_cvtps_epi32(static_cast<__mmask16>(0xFFFF), x.raw);  // (unmasked form warns under GCC 12)
#elif HWY_TARGET == HWY_AVX2
  q.raw = _mm256_cvtps_epi32(x.raw);
#elif HWY_TARGET == HWY_SSE4
  q.raw = _mm_cvtps_epi32(x.raw);
#else
  q = hn::NearestInt(x);
#endif
  (void)d;
  return q;
}

/// e^x on f32 lanes as SLEEF's expf u10 computes it: q = round(x/ln 2), the remainder
/// s = x - q·ln 2 in two steps, a degree-6 polynomial, then 2^q in two factors so that
/// underflow and overflow come out right. MulAdd fuses on AVX2 and AVX-512, like SLEEF's
/// FMA variants, and rounds twice on SSE4 and the fallback, like its others.
template <class D> HWY_INLINE hn::Vec<D> exp_f32(D d, hn::Vec<D> x) {
  using V = hn::Vec<D>;
  const hn::RebindToSigned<D> di;
  const auto q = nearest_int(d, hn::Mul(x, hn::Set(d, 1.442695040888963407359924681001892137f)));
  const V qf = hn::ConvertTo(d, q);
  V s = hn::MulAdd(qf, hn::Set(d, -0.693145751953125f), x);
  s = hn::MulAdd(qf, hn::Set(d, -1.428606765330187045e-06f), s);
  V u = hn::Set(d, 0.000198527617612853646278381f);
  u = hn::MulAdd(u, s, hn::Set(d, 0.00139304355252534151077271f));
  u = hn::MulAdd(u, s, hn::Set(d, 0.00833336077630519866943359f));
  u = hn::MulAdd(u, s, hn::Set(d, 0.0416664853692054748535156f));
  u = hn::MulAdd(u, s, hn::Set(d, 0.166666671633720397949219f));
  u = hn::MulAdd(u, s, hn::Set(d, 0.5f));
  u = hn::Add(hn::Set(d, 1.0f), hn::MulAdd(hn::Mul(s, s), u, s));
  const auto half = hn::ShiftRight<1>(q);
  const V scale1 = hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(half, hn::Set(di, 127))));
  const V scale2 = hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(hn::Sub(q, half), hn::Set(di, 127))));
  u = hn::Mul(hn::Mul(u, scale1), scale2);
  u = hn::IfThenZeroElse(hn::Lt(x, hn::Set(d, -104.0f)), u);
  return hn::IfThenElse(hn::Lt(hn::Set(d, 100.0f), x), hn::Set(d, std::numeric_limits<float>::infinity()), u);
}

}  // namespace sleef

/// e^x.
template <class D> HWY_INLINE hn::Vec<D> Exp(D d, hn::Vec<D> x) {
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) return sleef::exp_f32(d, x);
  else return sleef::from_raw(d, sleef::exp(sleef::to_raw(x)));
}
/// The natural logarithm.
template <class D> HWY_INLINE hn::Vec<D> Log(D d, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::log(sleef::to_raw(x)));
}
/// log(1 + x), accurate for small x.
template <class D> HWY_INLINE hn::Vec<D> Log1p(D d, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::log1p(sleef::to_raw(x)));
}
/// sin x.
template <class D> HWY_INLINE hn::Vec<D> Sin(D d, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::sin(sleef::to_raw(x)));
}
/// cos x.
template <class D> HWY_INLINE hn::Vec<D> Cos(D d, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::cos(sleef::to_raw(x)));
}
/// tanh x (SLEEF's 3.5-ulp variant).
template <class D> HWY_INLINE hn::Vec<D> Tanh(D d, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::tanh(sleef::to_raw(x)));
}
/// x^y with C's pow semantics.
template <class D> HWY_INLINE hn::Vec<D> Pow(D d, hn::Vec<D> x, hn::Vec<D> y) {
  return sleef::from_raw(d, sleef::pow(sleef::to_raw(x), sleef::to_raw(y)));
}

/// e^-|x| (NaN stays NaN): the exponential of the stable sigmoid and silu, which never
/// overflows.
template <class D> HWY_INLINE hn::Vec<D> ExpMinusAbs(D d, hn::Vec<D> x) {
  return numerics::HWY_NAMESPACE::Exp(d, hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Neg(x), x));
}
/// 1/(1 + e^-x), as 1/(1+e) for x >= 0 and e/(1+e) below with e = e^-|x|.
template <class D> HWY_INLINE hn::Vec<D> Sigmoid(D d, hn::Vec<D> x) {
  const hn::Vec<D> e = numerics::HWY_NAMESPACE::ExpMinusAbs(d, x), one = hn::Set(d, 1);
  return hn::Div(hn::IfThenElse(hn::Ge(x, hn::Zero(d)), one, e), hn::Add(one, e));
}
/// x·sigmoid(x) (torch.nn.functional.silu), as x/(1+e) for x >= 0 and (x·e)/(1+e) below
/// with e = e^-|x|: one rounding fewer than x times a rounded sigmoid.
template <class D> HWY_INLINE hn::Vec<D> Silu(D d, hn::Vec<D> x) {
  const hn::Vec<D> e = numerics::HWY_NAMESPACE::ExpMinusAbs(d, x), one = hn::Set(d, 1);
  return hn::Div(hn::Mul(x, hn::IfThenElse(hn::Ge(x, hn::Zero(d)), one, e)), hn::Add(one, e));
}
/// torch.nn.functional.softplus (beta 1, threshold 20): x above 20, else log(1 + e^x).
/// f64: SLEEF's log1p(e^x). f32, inline since it runs per step in selective_scan:
/// max(x, 0) + log1p(y) with y = e^-|x| <= 1 and log1p(y) = 2·atanh(s), s = y/(2 + y) <= 1/3,
/// summed as its series to s^15 (truncation below 2e-9 relative; within 3 ulp overall).
template <class D> HWY_INLINE hn::Vec<D> Softplus(D d, hn::Vec<D> x) {
  namespace self = numerics::HWY_NAMESPACE;
  using V = hn::Vec<D>;
  const auto above = hn::Gt(x, hn::Set(d, 20));
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(double)) {
    return hn::IfThenElse(above, x, self::Log1p(d, self::Exp(d, x)));
  } else {
    const V y = self::ExpMinusAbs(d, x);
    const V s = hn::Div(y, hn::Add(hn::Set(d, 2.0f), y));
    const V s2 = hn::Mul(s, s);
    V q = hn::Add(hn::Mul(s2, hn::Set(d, 1.0f / 15)), hn::Set(d, 1.0f / 13));
    for (const float c : {1.0f / 11, 1.0f / 9, 1.0f / 7, 1.0f / 5, 1.0f / 3, 1.0f})
      q = hn::Add(hn::Mul(q, s2), hn::Set(d, c));
    const V log1p_y = hn::Mul(hn::Mul(hn::Set(d, 2.0f), s), q);
    const V positive = hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, hn::Zero(d));
    return hn::IfThenElse(above, x, hn::Add(positive, log1p_y));
  }
}

// ---- The same functions on one value -------------------------------------------------

/// f(d, v) on a vector of copies of x, lane 0 of the result: the bits any lane would have.
template <typename T, class F> HWY_INLINE T OnOneValue(T x, F f) {
  const hn::ScalableTag<T> d;
  return hn::GetLane(f(d, hn::Set(d, x)));
}

#define GRAPHRUN_NUMERICS_SCALAR(Fn)                                                           \
  HWY_INLINE float Fn(float x) {                                                               \
    return OnOneValue(x, [](auto d, auto v) HWY_ATTR { return numerics::HWY_NAMESPACE::Fn(d, v); });                   \
  }                                                                                            \
  HWY_INLINE double Fn(double x) {                                                             \
    return OnOneValue(x, [](auto d, auto v) HWY_ATTR { return numerics::HWY_NAMESPACE::Fn(d, v); });                   \
  }
GRAPHRUN_NUMERICS_SCALAR(Exp)
GRAPHRUN_NUMERICS_SCALAR(Log)
GRAPHRUN_NUMERICS_SCALAR(Log1p)
GRAPHRUN_NUMERICS_SCALAR(Sin)
GRAPHRUN_NUMERICS_SCALAR(Cos)
GRAPHRUN_NUMERICS_SCALAR(Tanh)
GRAPHRUN_NUMERICS_SCALAR(Sigmoid)
GRAPHRUN_NUMERICS_SCALAR(Silu)
GRAPHRUN_NUMERICS_SCALAR(Softplus)
GRAPHRUN_NUMERICS_SCALAR(Relu)
#undef GRAPHRUN_NUMERICS_SCALAR

}  // namespace graphrun::numerics::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_NUMERICS_MATH_INL_H_
