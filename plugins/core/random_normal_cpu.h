// The CPU kernel of the `random` op's normal draws: blocks of elements through SIMD log and
// cos (random_normal_cpu.cpp). The mapping is random_value.h's; see there for the bits.
#pragma once

#include "random_value.h"

#include <cstdint>

namespace graphrun::core {

/// y[k] = element first + k of a normal tensor drawn with `p`, for k in [0, n).
void random_normal_cpu(const RandomParams& p, uint64_t first, int64_t n, float* y);
void random_normal_cpu(const RandomParams& p, uint64_t first, int64_t n, double* y);

}  // namespace graphrun::core
