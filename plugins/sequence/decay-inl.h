// The decay factors of selective_scan in f32, 2^x with x = Δ·(A·log2 e): the one exp per
// (channel, state, step) that bounds the scan's speed, in 13 vector operations where the
// SLEEF-exact exp of numerics (math-inl.h) takes 24. A Highway "-inl" header: include it in
// a file compiled per target.
//
// x = r + f with r = round(x) and |f| <= 1/2; 2^f is Cephes' exp2f polynomial (degree 6)
// and 2^r goes into the exponent field: within 1 ulp of 2^x with FMA, 2 without
// (tests/sequence/test_decay.cpp). With A·log2 e rounded once, the factor is within a few
// ulp of exp(Δ·A), its absolute error below 1e-7: far inside the op's 1e-5 tolerance.
// Only portable operations, and MulAdd where FMA targets fuse, so AVX2 and AVX-512 give the
// same bits, as do SSE4 and the scalar fallback. Range: below 2^-126.5 the factor is 0,
// from 2^127.5 it is inf; NaN or an infinite x gives NaN.

// Per-target include guard (Highway's toggle idiom).
#if defined(GRAPHRUN_SEQUENCE_DECAY_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef GRAPHRUN_SEQUENCE_DECAY_INL_H_
#undef GRAPHRUN_SEQUENCE_DECAY_INL_H_
#else
#define GRAPHRUN_SEQUENCE_DECAY_INL_H_
#endif

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

/// log2 e: A is multiplied by it once, so each factor is 2^(Δ·A·log2 e).
inline constexpr float kLog2E = 1.44269504088896340736f;

/// 2^x on f32 lanes (see the file comment for accuracy and range).
template <class D> HWY_INLINE hn::Vec<D> Exp2Decay(D d, hn::Vec<D> x) {
  using V = hn::Vec<D>;
  const hn::RebindToUnsigned<D> du;
  const V r = hn::Round(x);
  const V f = hn::Sub(x, r);  // exact; NaN for a NaN or infinite x
  V p = hn::Set(d, 1.535336188319500e-4f);
  p = hn::MulAdd(p, f, hn::Set(d, 1.339887440266574e-3f));
  p = hn::MulAdd(p, f, hn::Set(d, 9.618437357674640e-3f));
  p = hn::MulAdd(p, f, hn::Set(d, 5.550332471162809e-2f));
  p = hn::MulAdd(p, f, hn::Set(d, 2.402264791363012e-1f));
  p = hn::MulAdd(p, f, hn::Set(d, 6.931472028550421e-1f));
  p = hn::MulAdd(p, f, hn::Set(d, 1.0f));
  // 2^r from r clamped to [-127, 128]: exponent field 0 gives the factor 0, field 255 inf.
  // The field r + 127 is read off the low mantissa bits of 2^23 + 127 + r (exact), not by a
  // conversion to integer, which Highway guards against overflow at four more operations.
  const V clamped = hn::Min(hn::Max(r, hn::Set(d, -127.0f)), hn::Set(d, 128.0f));
  const auto biased = hn::BitCast(du, hn::Add(clamped, hn::Set(d, 8388608.0f + 127.0f)));
  return hn::Mul(p, hn::BitCast(d, hn::ShiftLeft<23>(biased)));
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_SEQUENCE_DECAY_INL_H_
