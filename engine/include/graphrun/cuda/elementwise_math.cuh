// graphrun's per-element math for CUDA: every elementwise op of SPEC §4 as a __host__
// __device__ function on float and double, with the semantics of the CPU numerics
// (graphrun/numerics/math-inl.h): NaN through relu, maximum and minimum as numpy; relu(-0)
// is +0; sign, floor, ceil, round (ties to even), fmod, comparisons and where as numpy; sigmoid, silu and softplus in forms that never overflow; softplus(x) = x above 20.
//
// The fused kernels graphrun generates at run time call these (NVRTC gets this file as the
// named header "graphrun/cuda/elementwise_math.cuh"), plugins' .cu files include it under
// nvcc, and the host tests compile it with the host C++ compiler. On the device the math is
// CUDA's own library (expf, tanh, log1pf...: ulp-bounded, never the __expf-style
// intrinsics); graphrun compiles without fast math, so division and square root are
// correctly rounded there as on the CPU. On the host it is <cmath>. The transcendental
// functions therefore differ from the CPU's SLEEF ones in the last bits (within SPEC's
// tolerances: f32 1e-5, f64 1e-12 relative); every other op gives the CPU's exact bits.
// CUDA's library functions are within a few ulp (the Programming Guide's tables of
// "Mathematical Functions"), so within those tolerances wherever a result is not near a zero.
//
// Self-contained on purpose: NVRTC has no standard headers (__CUDACC_RTC__), so nothing
// here may need one there.
#pragma once

#if defined(__CUDACC__)  // nvcc and NVRTC
#define GRAPHRUN_HD __host__ __device__
#else
#define GRAPHRUN_HD
#endif

#if !defined(__CUDACC_RTC__)
#include <cmath>
#endif

namespace graphrun {
namespace ew {

// NaN test without isnan (spelled differently by NVRTC, nvcc and <cmath>); never folded
// away because graphrun compiles without fast math.
template <typename T> GRAPHRUN_HD inline bool is_nan(T x) { return x != x; }

/// Positive infinity and a quiet NaN, for constants the generated kernels print (bit
/// patterns on the device, where NVRTC has neither <cmath> nor the GCC builtins).
GRAPHRUN_HD inline float inf_f32() {
#if defined(__CUDA_ARCH__)
  return __int_as_float(0x7f800000);
#else
  return HUGE_VALF;
#endif
}
GRAPHRUN_HD inline double inf_f64() {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(0x7ff0000000000000LL);
#else
  return HUGE_VAL;
#endif
}
GRAPHRUN_HD inline float nan_f32() {
#if defined(__CUDA_ARCH__)
  return __int_as_float(0x7fc00000);
#else
  return NAN;
#endif
}
GRAPHRUN_HD inline double nan_f64() {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(0x7ff8000000000000LL);
#else
  return static_cast<double>(NAN);
#endif
}

// ---- Exact ops: the CPU's bits -------------------------------------------------------

/// -x (the sign bit flips for -0 and NaN too).
template <typename T> GRAPHRUN_HD inline T neg(T x) { return -x; }
/// |x|.
GRAPHRUN_HD inline float abs(float x) { return ::fabsf(x); }
GRAPHRUN_HD inline double abs(double x) { return ::fabs(x); }
/// √x, correctly rounded.
GRAPHRUN_HD inline float sqrt(float x) { return ::sqrtf(x); }
GRAPHRUN_HD inline double sqrt(double x) { return ::sqrt(x); }
/// x·x.
template <typename T> GRAPHRUN_HD inline T square(T x) { return x * x; }
/// 1/x, a correctly rounded division.
template <typename T> GRAPHRUN_HD inline T recip(T x) { return T(1) / x; }
/// As torch.relu and numpy.maximum(x, 0): NaN passes through, -0 becomes +0.
template <typename T> GRAPHRUN_HD inline T relu(T x) { return (x > T(0) || is_nan(x)) ? x : T(0); }
template <typename T> GRAPHRUN_HD inline T add(T a, T b) { return a + b; }
template <typename T> GRAPHRUN_HD inline T sub(T a, T b) { return a - b; }
template <typename T> GRAPHRUN_HD inline T mul(T a, T b) { return a * b; }
template <typename T> GRAPHRUN_HD inline T div(T a, T b) { return a / b; }
/// numpy.maximum: NaN in either operand gives NaN; of equal values (0, -0) the first.
template <typename T> GRAPHRUN_HD inline T maximum(T a, T b) { return (a >= b || is_nan(a)) ? a : b; }
/// numpy.minimum: NaN in either operand gives NaN; of equal values (0, -0) the first.
template <typename T> GRAPHRUN_HD inline T minimum(T a, T b) { return (a <= b || is_nan(a)) ? a : b; }

/// numpy.sign: -1, 0 or 1; NaN stays NaN and -0 gives +0.
template <typename T> GRAPHRUN_HD inline T sign(T x) {
  return x > T(0) ? T(1) : x < T(0) ? T(-1) : x == T(0) ? T(0) : x;
}
GRAPHRUN_HD inline float floor(float x) { return ::floorf(x); }
GRAPHRUN_HD inline double floor(double x) { return ::floor(x); }
GRAPHRUN_HD inline float ceil(float x) { return ::ceilf(x); }
GRAPHRUN_HD inline double ceil(double x) { return ::ceil(x); }
/// numpy.round: to the nearest integer, ties to even (rint in the default rounding mode).
GRAPHRUN_HD inline float round(float x) { return ::rintf(x); }
GRAPHRUN_HD inline double round(double x) { return ::rint(x); }
/// C's fmod (numpy.fmod): exact, with the sign of x.
GRAPHRUN_HD inline float fmod(float x, float y) { return ::fmodf(x, y); }
GRAPHRUN_HD inline double fmod(double x, double y) { return ::fmod(x, y); }
/// Comparisons as numbers, 1 or 0; NaN makes each false but not_equal, as numpy's.
template <typename T> GRAPHRUN_HD inline T less(T a, T b) { return a < b ? T(1) : T(0); }
template <typename T> GRAPHRUN_HD inline T less_equal(T a, T b) { return a <= b ? T(1) : T(0); }
template <typename T> GRAPHRUN_HD inline T greater(T a, T b) { return a > b ? T(1) : T(0); }
template <typename T> GRAPHRUN_HD inline T greater_equal(T a, T b) { return a >= b ? T(1) : T(0); }
template <typename T> GRAPHRUN_HD inline T equal(T a, T b) { return a == b ? T(1) : T(0); }
template <typename T> GRAPHRUN_HD inline T not_equal(T a, T b) { return a == b ? T(0) : T(1); }
/// numpy.where(c, a, b) for a numeric condition: a where c is nonzero (NaN counts as true,
/// as numpy's bool(nan)), else b.
template <typename T> GRAPHRUN_HD inline T where(T c, T a, T b) { return c == T(0) ? b : a; }

// ---- Library functions ---------------------------------------------------------------

GRAPHRUN_HD inline float exp(float x) { return ::expf(x); }
GRAPHRUN_HD inline double exp(double x) { return ::exp(x); }
GRAPHRUN_HD inline float log(float x) { return ::logf(x); }
GRAPHRUN_HD inline double log(double x) { return ::log(x); }
GRAPHRUN_HD inline float log1p(float x) { return ::log1pf(x); }
GRAPHRUN_HD inline double log1p(double x) { return ::log1p(x); }
GRAPHRUN_HD inline float sin(float x) { return ::sinf(x); }
GRAPHRUN_HD inline double sin(double x) { return ::sin(x); }
GRAPHRUN_HD inline float cos(float x) { return ::cosf(x); }
GRAPHRUN_HD inline double cos(double x) { return ::cos(x); }
GRAPHRUN_HD inline float tanh(float x) { return ::tanhf(x); }
GRAPHRUN_HD inline double tanh(double x) { return ::tanh(x); }
GRAPHRUN_HD inline float tan(float x) { return ::tanf(x); }
GRAPHRUN_HD inline double tan(double x) { return ::tan(x); }
GRAPHRUN_HD inline float asin(float x) { return ::asinf(x); }
GRAPHRUN_HD inline double asin(double x) { return ::asin(x); }
GRAPHRUN_HD inline float acos(float x) { return ::acosf(x); }
GRAPHRUN_HD inline double acos(double x) { return ::acos(x); }
GRAPHRUN_HD inline float atan(float x) { return ::atanf(x); }
GRAPHRUN_HD inline double atan(double x) { return ::atan(x); }
GRAPHRUN_HD inline float sinh(float x) { return ::sinhf(x); }
GRAPHRUN_HD inline double sinh(double x) { return ::sinh(x); }
GRAPHRUN_HD inline float cosh(float x) { return ::coshf(x); }
GRAPHRUN_HD inline double cosh(double x) { return ::cosh(x); }
GRAPHRUN_HD inline float asinh(float x) { return ::asinhf(x); }
GRAPHRUN_HD inline double asinh(double x) { return ::asinh(x); }
GRAPHRUN_HD inline float acosh(float x) { return ::acoshf(x); }
GRAPHRUN_HD inline double acosh(double x) { return ::acosh(x); }
GRAPHRUN_HD inline float atanh(float x) { return ::atanhf(x); }
GRAPHRUN_HD inline double atanh(double x) { return ::atanh(x); }
GRAPHRUN_HD inline float erf(float x) { return ::erff(x); }
GRAPHRUN_HD inline double erf(double x) { return ::erf(x); }
GRAPHRUN_HD inline float expm1(float x) { return ::expm1f(x); }
GRAPHRUN_HD inline double expm1(double x) { return ::expm1(x); }
/// numpy.arctan2(y, x) and numpy.hypot(x, y).
GRAPHRUN_HD inline float atan2(float y, float x) { return ::atan2f(y, x); }
GRAPHRUN_HD inline double atan2(double y, double x) { return ::atan2(y, x); }
GRAPHRUN_HD inline float hypot(float x, float y) { return ::hypotf(x, y); }
GRAPHRUN_HD inline double hypot(double x, double y) { return ::hypot(x, y); }
/// x^y with C's pow semantics (pow(x, 0) = 1 even for NaN x, pow(1, y) = 1).
GRAPHRUN_HD inline float pow(float x, float y) { return ::powf(x, y); }
GRAPHRUN_HD inline double pow(double x, double y) { return ::pow(x, y); }

// ---- Composite functions, in the CPU's overflow-safe forms ---------------------------

/// e^-|x| (NaN stays NaN): never overflows.
template <typename T> GRAPHRUN_HD inline T exp_minus_abs(T x) { return ew::exp(x > T(0) ? -x : x); }
/// 1/(1 + e^-x), as 1/(1+e) for x >= 0 and e/(1+e) below, e = e^-|x|.
template <typename T> GRAPHRUN_HD inline T sigmoid(T x) {
  const T e = exp_minus_abs(x);
  return (x >= T(0) ? T(1) : e) / (T(1) + e);
}
/// x·sigmoid(x), as x/(1+e) for x >= 0 and (x·e)/(1+e) below, e = e^-|x|.
template <typename T> GRAPHRUN_HD inline T silu(T x) {
  const T e = exp_minus_abs(x);
  return (x * (x >= T(0) ? T(1) : e)) / (T(1) + e);
}
/// torch.nn.functional.softplus (beta 1, threshold 20): x above 20, else log(1 + e^x).
/// f64 as the CPU: log1p(e^x). f32 as the CPU's f32 form: max(x, 0) + log1p(e^-|x|)
/// (the CPU sums log1p's series; here it is the library's log1pf).
GRAPHRUN_HD inline double softplus(double x) { return x > 20.0 ? x : ew::log1p(ew::exp(x)); }
GRAPHRUN_HD inline float softplus(float x) {
  if (x > 20.0f) return x;
  return (x > 0.0f ? x : 0.0f) + ew::log1p(exp_minus_abs(x));
}

}  // namespace ew
}  // namespace graphrun
