// SIMD lanes shared by the built-in plugins: GCC vectors as wide as the target's widest
// register, and unaligned loads, stores and broadcasts on them. (Not part of the public
// plugin API: third-party plugins bring their own.)
#pragma once

#include <cstdint>
#include <cstring>

namespace graphrun::lanes {

/// Bytes of one SIMD register of the target.
#if defined(__AVX512F__)
inline constexpr int kVectorBytes = 64;
#elif defined(__AVX2__)
inline constexpr int kVectorBytes = 32;
#else
inline constexpr int kVectorBytes = 16;
#endif

/// A vector of T filling one SIMD register (a struct: GCC drops vector attributes on alias templates).
template <typename T> struct LaneType {
  typedef T type __attribute__((vector_size(kVectorBytes)));
};
template <typename T> using Lane = typename LaneType<T>::type;
/// How many values of T one lane holds.
template <typename T> inline constexpr int64_t kLaneWidth = kVectorBytes / static_cast<int64_t>(sizeof(T));

/// The lane starting at p (any alignment).
template <typename T> Lane<T> load_lane(const T* p) {
  Lane<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
/// Writes the lane at p (any alignment).
template <typename T> void store_lane(T* p, Lane<T> v) { std::memcpy(p, &v, sizeof v); }
/// Every lane equal to value (value - 0 rather than 0 + value: keeps the sign of -0).
template <typename T> Lane<T> splat(T value) { return value - Lane<T>{}; }

}  // namespace graphrun::lanes
