#include "sharding/blocks_along_axis.h"

#include "distributed/blocks.h"

#include <cstring>

namespace graphrun::sharding {

void place_blocks(const std::byte* all, std::byte* whole, std::span<const int64_t> whole_shape, int axis,
                  size_t element_bytes, int ranks) {
  int64_t outer = 1, inner = static_cast<int64_t>(element_bytes);
  for (int k = 0; k < static_cast<int>(whole_shape.size()); ++k) {
    if (k < axis) outer *= whole_shape[static_cast<size_t>(k)];
    if (k > axis) inner *= whole_shape[static_cast<size_t>(k)];
  }
  const int64_t length = whole_shape[static_cast<size_t>(axis)];
  for (int r = 0; r < ranks; ++r) {
    const distributed::Block b = distributed::block_of(length, r, ranks);
    const size_t row = static_cast<size_t>(b.size() * inner);
    for (int64_t o = 0; o < outer; ++o, all += row)
      std::memcpy(whole + (o * length + b.begin) * inner, all, row);
  }
}

}  // namespace graphrun::sharding
