// Moving blocks of a tensor along one axis: a tensor seen as (outer, axis, inner) rows,
// rows copied between tensors of different extents along the axis, and every rank's block
// (as a gather returns them) put back in place in the whole tensor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace graphrun::sharding {

/// A tensor as (outer, extent, inner) around one axis, inner counted in bytes.
struct AroundAxis {
  int64_t outer = 1, extent = 1, inner_bytes = 0;
};

AroundAxis around(std::span<const int64_t> shape, int axis, size_t element_bytes);

/// Copies `count` elements from position `from` of each outer row of `src` (extent
/// `src_extent` along the axis) to position `to` of each row of `dst` (extent `dst_extent`).
void copy_rows(const std::byte* src, int64_t src_extent, int64_t from, std::byte* dst, int64_t dst_extent, int64_t to,
               int64_t count, const AroundAxis& a);

/// `all` holds the blocks of ranks 0..ranks-1 (distributed::block_of of the axis's length)
/// one after the other; `whole` (of `whole_shape`, `element_bytes` per element) receives them.
void place_blocks(const std::byte* all, std::byte* whole, std::span<const int64_t> whole_shape, int axis,
                  size_t element_bytes, int ranks);

}  // namespace graphrun::sharding
