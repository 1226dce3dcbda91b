#include "sharding/blocks_along_axis.h"

#include "distributed/blocks.h"

#include <cstring>

namespace graphrun::sharding {

AroundAxis around(std::span<const int64_t> shape, int axis, size_t element_bytes) {
  AroundAxis a;
  a.inner_bytes = static_cast<int64_t>(element_bytes);
  for (int k = 0; k < static_cast<int>(shape.size()); ++k) {
    if (k < axis) a.outer *= shape[static_cast<size_t>(k)];
    if (k == axis) a.extent = shape[static_cast<size_t>(k)];
    if (k > axis) a.inner_bytes *= shape[static_cast<size_t>(k)];
  }
  return a;
}

void copy_rows(const std::byte* src, int64_t src_extent, int64_t from, std::byte* dst, int64_t dst_extent, int64_t to,
               int64_t count, const AroundAxis& a) {
  if (count == 0) return;
  const size_t bytes = static_cast<size_t>(count * a.inner_bytes);
  for (int64_t o = 0; o < a.outer; ++o)
    std::memcpy(dst + (o * dst_extent + to) * a.inner_bytes, src + (o * src_extent + from) * a.inner_bytes, bytes);
}

void place_blocks(const std::byte* all, std::byte* whole, std::span<const int64_t> whole_shape, int axis,
                  size_t element_bytes, int ranks) {
  const AroundAxis a = around(whole_shape, axis, element_bytes);
  for (int r = 0; r < ranks; ++r) {
    const distributed::Block b = distributed::block_of(a.extent, r, ranks);
    copy_rows(all, b.size(), 0, whole, a.extent, b.begin, b.size(), a);
    all += a.outer * b.size() * a.inner_bytes;
  }
}

}  // namespace graphrun::sharding
