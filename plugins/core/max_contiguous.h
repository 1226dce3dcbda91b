// The CPU kernel of `max` over adjacent values (max_contiguous.cpp): SIMD on every target,
// the same result on all of them.
#pragma once

#include <cstdint>

namespace graphrun::core {

/// numpy.max of a[0..n), n >= 1: NaN (quiet, positive) when any value is NaN, else the
/// largest value; when that is a zero, the first zero (so -0.0 or +0.0 as a left-to-right
/// scan finds it). The result depends only on the values, never on the vector width.
float max_contiguous(const float* a, int64_t n);
double max_contiguous(const double* a, int64_t n);

}  // namespace graphrun::core
