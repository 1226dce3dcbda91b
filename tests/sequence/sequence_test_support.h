// What several of the sequence family's tests share: running a check on every SIMD target
// compiled in, and random inputs rounded to the graph's dtype.
#pragma once

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cstdint>
#include <random>
#include <vector>

namespace graphrun::sequence {

/// Runs f once per SIMD target compiled in and supported here, that target forced.
template <typename F> void for_each_target(F f) {
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(hwy::TargetName(target));
    f();
  }
  hwy::SetSupportedTargetsForTest(0);
}

/// n values uniform in [low, high), rounded to T (as an f32 graph rounds its inputs).
template <typename T> std::vector<T> uniform(size_t n, double low, double high, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> dist(low, high);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(gen));
  return v;
}

}  // namespace graphrun::sequence
