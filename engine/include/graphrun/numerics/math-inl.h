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
// 1e-5 / 1e-12 tolerances of f32 / f64), f32 softplus at 3 and hypot at 0.5; fmod, floor, ceil,
// round and sign are exact. No a*b+c is contracted into
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

#include <cmath>
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
  RawF Sleef_tanf##fw##_u10##isa(RawF);\
  RawD Sleef_tand##dw##_u10##isa(RawD);\
  RawF Sleef_asinf##fw##_u10##isa(RawF);\
  RawD Sleef_asind##dw##_u10##isa(RawD);\
  RawF Sleef_acosf##fw##_u10##isa(RawF);\
  RawD Sleef_acosd##dw##_u10##isa(RawD);\
  RawF Sleef_atanf##fw##_u10##isa(RawF);\
  RawD Sleef_atand##dw##_u10##isa(RawD);\
  RawF Sleef_sinhf##fw##_u10##isa(RawF);\
  RawD Sleef_sinhd##dw##_u10##isa(RawD);\
  RawF Sleef_coshf##fw##_u10##isa(RawF);\
  RawD Sleef_coshd##dw##_u10##isa(RawD);\
  RawF Sleef_asinhf##fw##_u10##isa(RawF);\
  RawD Sleef_asinhd##dw##_u10##isa(RawD);\
  RawF Sleef_acoshf##fw##_u10##isa(RawF);\
  RawD Sleef_acoshd##dw##_u10##isa(RawD);\
  RawF Sleef_atanhf##fw##_u10##isa(RawF);\
  RawD Sleef_atanhd##dw##_u10##isa(RawD);\
  RawF Sleef_erff##fw##_u10##isa(RawF);\
  RawD Sleef_erfd##dw##_u10##isa(RawD);\
  RawF Sleef_expm1f##fw##_u10##isa(RawF);\
  RawD Sleef_expm1d##dw##_u10##isa(RawD);\
  RawF Sleef_atan2f##fw##_u10##isa(RawF, RawF);\
  RawD Sleef_atan2d##dw##_u10##isa(RawD, RawD);\
  RawF Sleef_hypotf##fw##_u05##isa(RawF, RawF);\
  RawD Sleef_hypotd##dw##_u05##isa(RawD, RawD);\
  RawF Sleef_fmodf##fw##_##isa(RawF, RawF);\
  RawD Sleef_fmodd##dw##_##isa(RawD, RawD);\
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
  HWY_INLINE RawD pow(RawD x, RawD y) { return Sleef_powd##dw##_u10##isa(x, y); } \
  HWY_INLINE RawF tan(RawF x) { return Sleef_tanf##fw##_u10##isa(x); }\
  HWY_INLINE RawD tan(RawD x) { return Sleef_tand##dw##_u10##isa(x); }\
  HWY_INLINE RawF asin(RawF x) { return Sleef_asinf##fw##_u10##isa(x); }\
  HWY_INLINE RawD asin(RawD x) { return Sleef_asind##dw##_u10##isa(x); }\
  HWY_INLINE RawF acos(RawF x) { return Sleef_acosf##fw##_u10##isa(x); }\
  HWY_INLINE RawD acos(RawD x) { return Sleef_acosd##dw##_u10##isa(x); }\
  HWY_INLINE RawF atan(RawF x) { return Sleef_atanf##fw##_u10##isa(x); }\
  HWY_INLINE RawD atan(RawD x) { return Sleef_atand##dw##_u10##isa(x); }\
  HWY_INLINE RawF sinh(RawF x) { return Sleef_sinhf##fw##_u10##isa(x); }\
  HWY_INLINE RawD sinh(RawD x) { return Sleef_sinhd##dw##_u10##isa(x); }\
  HWY_INLINE RawF cosh(RawF x) { return Sleef_coshf##fw##_u10##isa(x); }\
  HWY_INLINE RawD cosh(RawD x) { return Sleef_coshd##dw##_u10##isa(x); }\
  HWY_INLINE RawF asinh(RawF x) { return Sleef_asinhf##fw##_u10##isa(x); }\
  HWY_INLINE RawD asinh(RawD x) { return Sleef_asinhd##dw##_u10##isa(x); }\
  HWY_INLINE RawF acosh(RawF x) { return Sleef_acoshf##fw##_u10##isa(x); }\
  HWY_INLINE RawD acosh(RawD x) { return Sleef_acoshd##dw##_u10##isa(x); }\
  HWY_INLINE RawF atanh(RawF x) { return Sleef_atanhf##fw##_u10##isa(x); }\
  HWY_INLINE RawD atanh(RawD x) { return Sleef_atanhd##dw##_u10##isa(x); }\
  HWY_INLINE RawF erf(RawF x) { return Sleef_erff##fw##_u10##isa(x); }\
  HWY_INLINE RawD erf(RawD x) { return Sleef_erfd##dw##_u10##isa(x); }\
  HWY_INLINE RawF expm1(RawF x) { return Sleef_expm1f##fw##_u10##isa(x); }\
  HWY_INLINE RawD expm1(RawD x) { return Sleef_expm1d##dw##_u10##isa(x); }\
  HWY_INLINE RawF atan2(RawF y, RawF x) { return Sleef_atan2f##fw##_u10##isa(y, x); }\
  HWY_INLINE RawD atan2(RawD y, RawD x) { return Sleef_atan2d##dw##_u10##isa(y, x); }\
  HWY_INLINE RawF hypot(RawF x, RawF y) { return Sleef_hypotf##fw##_u05##isa(x, y); }\
  HWY_INLINE RawD hypot(RawD x, RawD y) { return Sleef_hypotd##dw##_u05##isa(x, y); }\
  HWY_INLINE RawF fmod(RawF x, RawF y) { return Sleef_fmodf##fw##_##isa(x, y); }\
  HWY_INLINE RawD fmod(RawD x, RawD y) { return Sleef_fmodd##dw##_##isa(x, y); }

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

namespace sleef {

/// Beyond this magnitude SLEEF's asinh, acosh and log1p overflow to inf (from 1.8e19 in
/// f32 and 1.3e154 in f64) where the true values are finite; above it, log(2|x|) and log(x)
/// are exact to the last bit of the dtype, so the functions below take those instead.
template <class D> HWY_INLINE hn::Vec<D> huge(D d) {
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) return hn::Set(d, 0x1p60f);
  else return hn::Set(d, 0x1p500);
}

/// e^|x| / 2 as (e^(|x|/2) / 2) · e^(|x|/2): finite up to the dtype's largest sinh and cosh
/// (SLEEF's sinh and cosh overflow from 88.7 in f32 and 709.8 in f64, where e^|x| does,
/// though the true values stay finite to 89.4 and 710.5). Within 3 ulp.
template <class D> HWY_INLINE hn::Vec<D> half_exp_abs(D d, hn::Vec<D> x) {
  const hn::Vec<D> h = from_raw(d, exp(to_raw(hn::Mul(hn::Abs(x), hn::Set(d, 0.5)))));
  return hn::Mul(hn::Mul(h, hn::Set(d, 0.5)), h);
}

/// Where e^|x| would overflow: |x| above 88 (f32) or 709 (f64).
template <class D> HWY_INLINE auto exp_overflows(D d, hn::Vec<D> x) {
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) return hn::Gt(hn::Abs(x), hn::Set(d, 88.0f));
  else return hn::Gt(hn::Abs(x), hn::Set(d, 709.0));
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
/// log(1 + x), accurate for small x (log x for huge x, where SLEEF's overflows).
template <class D> HWY_INLINE hn::Vec<D> Log1p(D d, hn::Vec<D> x) {
  const hn::Vec<D> near = sleef::from_raw(d, sleef::log1p(sleef::to_raw(x)));
  return hn::IfThenElse(hn::Gt(x, sleef::huge(d)), sleef::from_raw(d, sleef::log(sleef::to_raw(x))), near);
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

/// tan x (SLEEF, 1 ulp).
template <class D> HWY_INLINE hn::Vec<D> Tan(D d, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::tan(sleef::to_raw(x)));
}
/// arcsin x (SLEEF, 1 ulp; NaN outside [-1, 1]).
template <class D> HWY_INLINE hn::Vec<D> Asin(D d, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::asin(sleef::to_raw(x)));
}
/// arccos x (SLEEF, 1 ulp; NaN outside [-1, 1]).
template <class D> HWY_INLINE hn::Vec<D> Acos(D d, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::acos(sleef::to_raw(x)));
}
/// arctan x (SLEEF, 1 ulp).
template <class D> HWY_INLINE hn::Vec<D> Atan(D d, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::atan(sleef::to_raw(x)));
}
/// artanh x (SLEEF, 1 ulp; ±inf at ±1, NaN beyond).
template <class D> HWY_INLINE hn::Vec<D> Atanh(D d, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::atanh(sleef::to_raw(x)));
}
/// The error function (SLEEF, 1 ulp).
template <class D> HWY_INLINE hn::Vec<D> Erf(D d, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::erf(sleef::to_raw(x)));
}
/// e^x - 1, accurate for small x (SLEEF, 1 ulp).
template <class D> HWY_INLINE hn::Vec<D> Expm1(D d, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::expm1(sleef::to_raw(x)));
}

/// sinh x (SLEEF, 1 ulp; e^|x|/2 with x's sign where e^|x| overflows).
template <class D> HWY_INLINE hn::Vec<D> Sinh(D d, hn::Vec<D> x) {
  const hn::Vec<D> near = sleef::from_raw(d, sleef::sinh(sleef::to_raw(x)));
  return hn::IfThenElse(sleef::exp_overflows(d, x), hn::CopySign(sleef::half_exp_abs(d, x), x), near);
}
/// cosh x (SLEEF, 1 ulp; e^|x|/2 where e^|x| overflows).
template <class D> HWY_INLINE hn::Vec<D> Cosh(D d, hn::Vec<D> x) {
  const hn::Vec<D> near = sleef::from_raw(d, sleef::cosh(sleef::to_raw(x)));
  return hn::IfThenElse(sleef::exp_overflows(d, x), sleef::half_exp_abs(d, x), near);
}
/// arsinh x (SLEEF, 1 ulp; log|x| + ln 2 with x's sign for huge |x|).
template <class D> HWY_INLINE hn::Vec<D> Asinh(D d, hn::Vec<D> x) {
  const hn::Vec<D> near = sleef::from_raw(d, sleef::asinh(sleef::to_raw(x)));
  const hn::Vec<D> far = hn::Add(sleef::from_raw(d, sleef::log(sleef::to_raw(hn::Abs(x)))),
                                 hn::Set(d, 0.693147180559945309417232121458176568));
  return hn::IfThenElse(hn::Gt(hn::Abs(x), sleef::huge(d)), hn::CopySign(far, x), near);
}
/// arcosh x (SLEEF, 1 ulp; log x + ln 2 for huge x; NaN below 1).
template <class D> HWY_INLINE hn::Vec<D> Acosh(D d, hn::Vec<D> x) {
  const hn::Vec<D> near = sleef::from_raw(d, sleef::acosh(sleef::to_raw(x)));
  const hn::Vec<D> far = hn::Add(sleef::from_raw(d, sleef::log(sleef::to_raw(x))),
                                 hn::Set(d, 0.693147180559945309417232121458176568));
  return hn::IfThenElse(hn::Gt(x, sleef::huge(d)), far, near);
}
/// The angle of the point (x, y), numpy.arctan2(y, x) (SLEEF, 1 ulp).
template <class D> HWY_INLINE hn::Vec<D> Atan2(D d, hn::Vec<D> y, hn::Vec<D> x) {
  return sleef::from_raw(d, sleef::atan2(sleef::to_raw(y), sleef::to_raw(x)));
}
/// √(x² + y²) without overflow or underflow in between (SLEEF, 0.5 ulp).
template <class D> HWY_INLINE hn::Vec<D> Hypot(D d, hn::Vec<D> x, hn::Vec<D> y) {
  return sleef::from_raw(d, sleef::hypot(sleef::to_raw(x), sleef::to_raw(y)));
}
/// C's fmod (numpy.fmod): x - n·y with n = trunc(x/y), exact; the sign of x. Lane by lane
/// with the C library's: SLEEF's gives NaN or wrong values once x/y is beyond about 2^30
/// (fmod(3e38, 0.5)) or y is subnormal.
template <class D> HWY_INLINE hn::Vec<D> Fmod(D d, hn::Vec<D> x, hn::Vec<D> y) {
  using T = hn::TFromD<D>;
  HWY_ALIGN T a[hn::MaxLanes(d)];
  HWY_ALIGN T b[hn::MaxLanes(d)];
  hn::Store(x, d, a);
  hn::Store(y, d, b);
  for (size_t i = 0; i < hn::Lanes(d); ++i) a[i] = std::fmod(a[i], b[i]);
  return hn::Load(d, a);
}
/// numpy.sign: -1, 0 or 1; NaN stays NaN, and -0 gives +0 as numpy's does.
template <class D> HWY_INLINE hn::Vec<D> Sign(D d, hn::Vec<D> x) {
  const hn::Vec<D> one = hn::Set(d, 1);
  const hn::Vec<D> sign = hn::IfThenElse(hn::Gt(x, hn::Zero(d)), one, hn::IfThenElse(hn::Lt(x, hn::Zero(d)), hn::Neg(one), x));
  return hn::IfThenElse(hn::Eq(x, hn::Zero(d)), hn::Zero(d), sign);
}
/// numpy.floor, numpy.ceil and numpy.round (to the nearest integer, ties to even; the sign
/// of zero kept: round(-0.3) = -0).
/// The result always has x's sign; Highway's portable fallbacks lose it on a zero result
/// (ceil(-0.5) = +0 there, -0 in hardware and numpy), so it is copied back.
template <class D> HWY_INLINE hn::Vec<D> Floor(D, hn::Vec<D> x) { return hn::CopySign(hn::Floor(x), x); }
template <class D> HWY_INLINE hn::Vec<D> Ceil(D, hn::Vec<D> x) { return hn::CopySign(hn::Ceil(x), x); }
template <class D> HWY_INLINE hn::Vec<D> Round(D, hn::Vec<D> x) { return hn::CopySign(hn::Round(x), x); }

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
