// Comparing the CUDA code's host results with the CPU evaluator's, value by value.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

namespace graphrun::cuda::testing {

/// SPEC §4's tolerance: 1e-12 relative for f64, 1e-5 for f32.
template <typename T> constexpr double kRtol = sizeof(T) == 8 ? 1e-12 : 1e-5;

/// Success when got equals want to the bit (any NaN matches any NaN).
template <typename T> ::testing::AssertionResult same_bits(T got, T want) {
  if (std::isnan(got) && std::isnan(want)) return ::testing::AssertionSuccess();
  if (std::memcmp(&got, &want, sizeof(T)) == 0) return ::testing::AssertionSuccess();
  std::ostringstream s;
  s.precision(std::numeric_limits<T>::max_digits10);
  s << "got " << got << ", want " << want << " (bits differ)";
  return ::testing::AssertionFailure() << s.str();
}

/// Success when got is within kRtol<T> of want relatively (below the smallest normal
/// number, absolutely: the last bits of a subnormal result are noise); infinities and NaN
/// must match exactly.
template <typename T> ::testing::AssertionResult close(T got, T want) {
  if (std::isnan(got) && std::isnan(want)) return ::testing::AssertionSuccess();
  bool ok;
  if (std::isinf(want) || std::isinf(got) || std::isnan(got) || std::isnan(want)) {
    ok = got == want;
  } else {
    const double scale = std::max<double>(std::fabs(static_cast<double>(want)), std::numeric_limits<T>::min());
    ok = std::fabs(static_cast<double>(got) - static_cast<double>(want)) <= kRtol<T> * scale;
  }
  if (ok) return ::testing::AssertionSuccess();
  std::ostringstream s;
  s.precision(std::numeric_limits<T>::max_digits10);
  s << "got " << got << ", want " << want << " (beyond " << kRtol<T> << " relative)";
  return ::testing::AssertionFailure() << s.str();
}

}  // namespace graphrun::cuda::testing
