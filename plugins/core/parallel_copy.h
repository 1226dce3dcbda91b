// Bulk copies split over the host's thread pool in fixed-size chunks.
#pragma once

#include <graphrun/plugin.hpp>

#include <cstdint>
#include <cstring>

namespace graphrun::core {

/// Elements per parallel chunk of a copy: large enough to amortise scheduling.
inline constexpr int64_t kCopyChunkElements = int64_t{1} << 16;

/// Copies n elements from src to dst (not overlapping), in parallel for large n.
template <typename T>
void parallel_copy(const plugin::Node& node, T* dst, const T* src, int64_t n) {
  if (n <= 0) return;
  if (n <= kCopyChunkElements) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(T));
    return;
  }
  node.parallel_for(n, kCopyChunkElements, [&](int64_t b, int64_t e) {
    std::memcpy(dst + b, src + b, static_cast<size_t>(e - b) * sizeof(T));
  });
}

/// Rows per parallel chunk when each row copies `row_elements` elements.
inline int64_t copy_grain_rows(int64_t row_elements) {
  return row_elements >= kCopyChunkElements
             ? 1
             : kCopyChunkElements / (row_elements > 0 ? row_elements : 1);
}

}  // namespace graphrun::core
