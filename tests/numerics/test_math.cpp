// graphrun's numerics layer (engine/include/graphrun/numerics/math-inl.h) on every SIMD
// target compiled in, each forced in turn: scalar and vector forms give the same bits; the
// inline f32 exp gives the bits of SLEEF's library function; the FMA targets (AVX2,
// AVX-512) agree to the bit, as do the ones without FMA (SSE4, the scalar fallback), and
// the two groups agree within a few ulp; special values come out as numpy's.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "numerics/test_math.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include <graphrun/numerics/arrays-inl.h>
#include <graphrun/numerics/math-inl.h>

#include <cstdint>
#include <vector>

HWY_BEFORE_NAMESPACE();
namespace graphrun::numerics::HWY_NAMESPACE {
namespace {

template <class D> hn::Vec<D> apply(int function, D d, hn::Vec<D> x) {
  const hn::Vec<D> half = hn::Set(d, hn::TFromD<D>(0.5));
  switch (function) {
    case 0: return Exp(d, x);
    case 1: return Log(d, x);
    case 2: return Log1p(d, x);
    case 3: return Sin(d, x);
    case 4: return Cos(d, x);
    case 5: return Tanh(d, x);
    case 6: return Sigmoid(d, x);
    case 7: return Silu(d, x);
    case 8: return Softplus(d, x);
    case 9: return Relu(d, x);
    case 10: return Sqrt(d, x);
    case 11: return Recip(d, x);
    case 12: return Pow(d, x, hn::Set(d, hn::TFromD<D>(0.75)));
    case 13: return Maximum(d, x, half);
    default: return Minimum(d, x, half);
  }
}

/// out[i] = function(in[i]) through the vector form (Map: full vectors and a padded tail).
template <typename T> void vector_form(int function, const T* in, int64_t n, T* out) {
  Map(hn::ScalableTag<T>(), in, n, out, [function](auto d, auto x) HWY_ATTR { return apply(function, d, x); });
}

/// The scalar forms, one value at a time (those the layer offers; -1 where it has none).
template <typename T> bool scalar_form(int function, const T* in, int64_t n, T* out) {
  for (int64_t i = 0; i < n; ++i) {
    switch (function) {
      case 0: out[i] = Exp(in[i]); break;
      case 1: out[i] = Log(in[i]); break;
      case 2: out[i] = Log1p(in[i]); break;
      case 3: out[i] = Sin(in[i]); break;
      case 4: out[i] = Cos(in[i]); break;
      case 5: out[i] = Tanh(in[i]); break;
      case 6: out[i] = Sigmoid(in[i]); break;
      case 7: out[i] = Silu(in[i]); break;
      case 8: out[i] = Softplus(in[i]); break;
      case 9: out[i] = Relu(in[i]); break;
      default: return false;
    }
  }
  return true;
}

}  // namespace

void vector_f32(int f, const float* in, int64_t n, float* out) { vector_form(f, in, n, out); }
void vector_f64(int f, const double* in, int64_t n, double* out) { vector_form(f, in, n, out); }
bool scalar_f32(int f, const float* in, int64_t n, float* out) { return scalar_form(f, in, n, out); }
bool scalar_f64(int f, const double* in, int64_t n, double* out) { return scalar_form(f, in, n, out); }

/// Inputs [begin, begin + n) as float bit patterns: the inline exp and SLEEF's library exp.
void exp_against_library(uint32_t begin, int64_t n, float* inline_exp, float* library_exp) {
  const hn::ScalableTag<float> d;
  const hn::RebindToUnsigned<decltype(d)> du;
  const int64_t w = static_cast<int64_t>(hn::Lanes(d));
  for (int64_t i = 0; i + w <= n; i += w) {
    const auto bits = hn::Add(hn::Iota(du, begin), hn::Set(du, static_cast<uint32_t>(i)));
    const hn::Vec<decltype(d)> x = hn::BitCast(d, bits);
    hn::StoreU(Exp(d, x), d, inline_exp + i);
    hn::StoreU(sleef::from_raw(d, sleef::exp(sleef::to_raw(x))), d, library_exp + i);
  }
}

}  // namespace graphrun::numerics::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string>

namespace graphrun::numerics {
namespace {

HWY_EXPORT(vector_f32);
HWY_EXPORT(vector_f64);
HWY_EXPORT(scalar_f32);
HWY_EXPORT(scalar_f64);
HWY_EXPORT(exp_against_library);

const char* const kNames[] = {"exp", "log", "log1p", "sin", "cos", "tanh", "sigmoid", "silu",
                              "softplus", "relu", "sqrt", "recip", "pow", "maximum", "minimum"};
constexpr int kFunctions = 15;

/// Runs f(target) once per SIMD target compiled in and supported here, that target forced.
template <typename F> void for_each_target(F f) {
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(hwy::TargetName(target));
    f(target);
  }
  hwy::SetSupportedTargetsForTest(0);
}

/// A sweep over [-120, 120] and near 0, with the special values first; no -0 in the sweep.
template <typename T> std::vector<T> inputs() {
  const T inf = std::numeric_limits<T>::infinity();
  std::vector<T> x = {std::numeric_limits<T>::quiet_NaN(), inf, -inf, T(0), T(-0.0), T(20), T(20.5), T(89), T(-104.5),
                      T(750), T(-750), std::numeric_limits<T>::denorm_min(), std::numeric_limits<T>::min(), T(1e30)};
  for (int i = 0; i <= 4000; ++i) x.push_back(static_cast<T>(-120.0 + 0.06 * i));
  for (int i = 1; i <= 500; ++i) x.push_back(static_cast<T>(i * 1e-7));
  return x;
}

template <typename T> bool same_bits(T a, T b) { return std::memcmp(&a, &b, sizeof(T)) == 0; }

/// Distance in units in the last place between finite a and b (NaN and NaN: 0).
template <typename T> double ulps(T a, T b) {
  if (std::isnan(a) && std::isnan(b)) return 0;
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::infinity();
  if (a == b) return 0;
  if (std::isinf(a) || std::isinf(b)) return std::numeric_limits<double>::infinity();
  const T spacing = std::nextafter(std::fabs(a), std::numeric_limits<T>::infinity()) - std::fabs(a);
  return std::fabs(static_cast<double>(a) - static_cast<double>(b)) / static_cast<double>(spacing);
}

template <typename T> std::vector<T> vector_results(int function, const std::vector<T>& x) {
  std::vector<T> y(x.size());
  const int64_t n = static_cast<int64_t>(x.size());
  if constexpr (sizeof(T) == 4) HWY_DYNAMIC_DISPATCH(vector_f32)(function, x.data(), n, y.data());
  else HWY_DYNAMIC_DISPATCH(vector_f64)(function, x.data(), n, y.data());
  return y;
}

template <typename T> void check_scalar_forms() {
  const std::vector<T> x = inputs<T>();
  for_each_target([&](int64_t) {
    for (int f = 0; f < kFunctions; ++f) {
      std::vector<T> scalar(x.size());
      bool has = false;
      const int64_t n = static_cast<int64_t>(x.size());
      if constexpr (sizeof(T) == 4) has = HWY_DYNAMIC_DISPATCH(scalar_f32)(f, x.data(), n, scalar.data());
      else has = HWY_DYNAMIC_DISPATCH(scalar_f64)(f, x.data(), n, scalar.data());
      if (!has) continue;
      const std::vector<T> vec = vector_results(f, x);
      for (size_t i = 0; i < x.size(); ++i)
        ASSERT_TRUE(same_bits(vec[i], scalar[i]))
            << kNames[f] << "(" << x[i] << "): vector " << vec[i] << ", scalar " << scalar[i];
    }
  });
}

TEST(Numerics, ScalarFormsGiveTheBitsOfTheVectorForms) {
  check_scalar_forms<float>();
  check_scalar_forms<double>();
}

TEST(Numerics, InlineExpGivesTheBitsOfSleefsLibraryFunction) {
  // Every 257th float bit pattern (16.7 M values, all exponents and signs); the whole range
  // was checked once, all 2^32 values on every target.
  constexpr int64_t kChunk = 4096;
  std::vector<float> mine(kChunk), library(kChunk);
  for_each_target([&](int64_t) {
    int64_t mismatches = 0;
    for (uint64_t begin = 0; begin < (uint64_t{1} << 32); begin += 257 * kChunk) {
      HWY_DYNAMIC_DISPATCH(exp_against_library)(static_cast<uint32_t>(begin), kChunk, mine.data(), library.data());
      for (int64_t i = 0; i < kChunk; ++i)
        if (!same_bits(mine[i], library[i]) && !(std::isnan(mine[i]) && std::isnan(library[i]))) ++mismatches;
    }
    EXPECT_EQ(mismatches, 0);
  });
}

/// Each target's results for every function.
template <typename T> std::map<int64_t, std::vector<std::vector<T>>> per_target(const std::vector<T>& x) {
  std::map<int64_t, std::vector<std::vector<T>>> results;
  for_each_target([&](int64_t target) {
    for (int f = 0; f < kFunctions; ++f) results[target].push_back(vector_results(f, x));
  });
  return results;
}

/// a and b to the bit (NaN and NaN alike), or within max_ulps when max_ulps > 0.
template <typename T>
void expect_agree(const std::vector<T>& x, const std::vector<std::vector<T>>& a, const std::vector<std::vector<T>>& b,
                  double max_ulps, const std::string& what) {
  for (int f = 0; f < kFunctions; ++f)
    for (size_t i = 0; i < x.size(); ++i) {
      const T u = a[f][i], v = b[f][i];
      if (max_ulps == 0)
        EXPECT_TRUE(same_bits(u, v) || (std::isnan(u) && std::isnan(v)))
            << what << ": " << kNames[f] << "(" << x[i] << ") " << u << " vs " << v;
      else
        EXPECT_LE(ulps(u, v), max_ulps) << what << ": " << kNames[f] << "(" << x[i] << ") " << u << " vs " << v;
    }
}

template <typename T> void check_targets_agree() {
  const std::vector<T> x = inputs<T>();
  auto results = per_target(x);
  const bool avx512 = results.count(HWY_AVX3), avx2 = results.count(HWY_AVX2), sse4 = results.count(HWY_SSE4);
  const int64_t fallback = HWY_STATIC_TARGET;
  ASSERT_TRUE(results.count(fallback));
  if (avx512 && avx2) expect_agree(x, results[HWY_AVX3], results[HWY_AVX2], 0, "AVX-512 vs AVX2");
  if (sse4) expect_agree(x, results[HWY_SSE4], results[fallback], 0, "SSE4 vs the fallback");
  // SLEEF's FMA and plain variants differ by at most a few ulp (composed functions add theirs).
  if (avx2) expect_agree(x, results[HWY_AVX2], results[fallback], 4, "AVX2 vs the fallback");
}

TEST(Numerics, TargetsAgree) {
  check_targets_agree<float>();
  check_targets_agree<double>();
}

TEST(Numerics, F32SoftplusIsWithin3UlpOfTheExactValue) {
  // f32 softplus is its own series (math-inl.h), not SLEEF's log1p: held to 3 ulp here.
  std::vector<float> x;
  for (int i = 0; i <= 120000; ++i) x.push_back(static_cast<float>(-80.0 + 0.001 * i));
  for_each_target([&](int64_t) {
    const std::vector<float> y = vector_results(8, x);
    double worst = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double exact = x[i] > 20 ? x[i] : std::log1p(std::exp(static_cast<double>(x[i])));
      const double spacing = std::nextafter(static_cast<float>(exact), INFINITY) - static_cast<float>(exact);
      worst = std::max(worst, std::fabs(y[i] - exact) / spacing);
    }
    EXPECT_LE(worst, 3.0);
  });
}

template <typename T> void check_special_values() {
  const T inf = std::numeric_limits<T>::infinity();
  const std::vector<T> x = {std::numeric_limits<T>::quiet_NaN(), inf, -inf, T(0), T(-0.0), T(200), T(-200), T(1e-30)};
  std::vector<std::vector<T>> y;
  for (int f = 0; f < kFunctions; ++f) y.push_back(vector_results(f, x));
  auto at = [&](const char* name) {
    for (int f = 0; f < kFunctions; ++f)
      if (std::string(kNames[f]) == name) return y[f];
    return std::vector<T>();
  };
  const std::vector<T> e = at("exp"), sp = at("softplus"), th = at("tanh");
  const std::vector<T> si = at("silu"), sg = at("sigmoid"), re = at("relu");
  for (const auto& r : {e, sp, th, si, sg, re}) EXPECT_TRUE(std::isnan(r[0]));
  EXPECT_EQ(e[1], inf);
  EXPECT_EQ(e[2], T(0));
  EXPECT_EQ(e[3], T(1));
  EXPECT_EQ(e[5], sizeof(T) == 4 ? inf : std::exp(T(200)));
  EXPECT_EQ(sp[1], inf);
  EXPECT_EQ(sp[2], T(0));
  EXPECT_EQ(sp[5], T(200));
  EXPECT_EQ(th[1], T(1));
  EXPECT_EQ(th[2], T(-1));
  EXPECT_EQ(th[7], T(1e-30));
  EXPECT_EQ(si[5], T(200));
  EXPECT_LE(std::fabs(si[6]), T(1e-80));  // -200·e^-200: -0 in f32
  EXPECT_EQ(sg[1], T(1));
  EXPECT_EQ(sg[2], T(0));
  EXPECT_TRUE(same_bits(re[4], T(0)));  // -0 becomes +0, as numpy.maximum(x, 0)
}

TEST(Numerics, SpecialValues) {
  for_each_target([](int64_t) {
    check_special_values<float>();
    check_special_values<double>();
  });
}

}  // namespace
}  // namespace graphrun::numerics
#endif  // HWY_ONCE
