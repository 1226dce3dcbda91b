// The value of element i of the `random` op, shared by its CPU and CUDA kernels.
//
// The mapping (a contract: both kernels compute it):
//   r = philox4x32_10(counter = (lo32(i), hi32(i), 0, 0), key = (lo32(seed), hi32(seed)))
//   uniform f64: u = ((r0 << 32 | r1) >> 11) * 2^-53;  value = low + (high - low) * u
//   uniform f32: u = (r0 >> 8) * 2^-24;                value = float(low + (high - low) * u)
//   normal (both dtypes, Box–Muller, cosine branch):
//     u1 = ((r0 << 32 | r1) >> 11) * 2^-53,  u2 = ((r2 << 32 | r3) >> 11) * 2^-53
//     z = sqrt(-2 * log(1 - u1)) * cos(2π * u2);  value = T(mean + std * z)
// with every operation in double, rounded once per operation (no fused multiply-add), and
// 2π the double 6.283185307179586. Uniform values are bit-equal on both devices (integer
// bits and correctly rounded + and *).
//
// Normal values, stream version 2 (2026-12-01): log and cos are faithful (within 1 ulp) but
// not correctly rounded, and each device uses its fast vector-friendly ones: the CPU kernel
// graphrun's SIMD math (SLEEF's 1-ulp log and cos, random_normal_cpu.cpp, on blocks of
// elements), the CUDA kernel CUDA's double log and cos (CUDA Programming Guide,
// "Mathematical Functions") through random_value below. So a normal value may differ in
// the last bits of the double between devices, and between CPUs with and without FMA (see
// graphrun/numerics/math-inl.h); compare with a relative tolerance of 1e-14 in f64; f32
// rounds the double once, so it may differ by 1 ulp of the float. On one machine the values
// depend only on (seed, i), never on the thread count. Version 1 (before 2026-12-01) used
// glibc's scalar log and cos on the CPU, four times slower; its values differ from version
// 2's only in those last bits.
#pragma once

#include "host_device.h"
#include "philox.h"

#include <math.h>  // ::sqrt, ::log, ::cos: CUDA's device functions in a kernel (glibc on the host)

#include <cstdint>

namespace graphrun::core {

/// The attributes of a random node, validated.
struct RandomParams {
  bool normal;
  uint64_t seed;
  double mean, std, low, high;
};

inline constexpr double kRandomTwoPi = 6.283185307179586;

/// Element `index` of a tensor drawn with `p`, in T (float or double).
template <typename T>
GRAPHRUN_HD inline T random_value(const RandomParams& p, uint64_t index) {
  const PhiloxBlock b = philox_block_of_element(p.seed, index);
  if (p.normal) {
    const double u1 = unit_double(b[0], b[1]);
    const double u2 = unit_double(b[2], b[3]);
    const double z = ::sqrt(-2.0 * ::log(1.0 - u1)) * ::cos(kRandomTwoPi * u2);
    return static_cast<T>(p.mean + p.std * z);
  }
  const double u = sizeof(T) == sizeof(double) ? unit_double(b[0], b[1]) : unit_float(b[0]);
  return static_cast<T>(p.low + (p.high - p.low) * u);
}

}  // namespace graphrun::core
