// Every rank's block of a tensor sharded along one axis, as a gather returns them (rank
// order, each block contiguous), put back in place in the whole tensor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace graphrun::sharding {

/// `all` holds the blocks of ranks 0..ranks-1 (distributed::block_of of the axis's length)
/// one after the other; `whole` (of `whole_shape`, `element_bytes` per element) receives them.
void place_blocks(const std::byte* all, std::byte* whole, std::span<const int64_t> whole_shape, int axis,
                  size_t element_bytes, int ranks);

}  // namespace graphrun::sharding
