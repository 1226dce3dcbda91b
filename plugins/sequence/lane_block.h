// The lane block of the sequence kernels: the unit in which sums and scans across SIMD lanes
// group their additions, the same on every SIMD target.
#pragma once

#include <cstdint>

namespace graphrun::sequence {

/// Values of T in one lane block: 64 bytes, 16 f32 or 8 f64, one AVX-512 vector. A lane sum
/// or an in-register scan adds in the order it would on that one vector; a target with
/// narrower vectors holds a block in several (AVX2 two, SSE4 four) and adds in the same
/// order, so the sequence ops give the same bits on every CPU.
template <typename T> inline constexpr int64_t kBlockLanes = 64 / static_cast<int64_t>(sizeof(T));

/// Lane blocks needed for n values.
template <typename T> constexpr int64_t blocks_for(int64_t n) {
  return (n + kBlockLanes<T> - 1) / kBlockLanes<T>;
}

}  // namespace graphrun::sequence
