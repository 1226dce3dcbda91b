// How N items (runs of a sweep, rows of a sharded axis) are split over the ranks: contiguous
// blocks in rank order, the first N % size ranks holding one item more, as MPI codes and
// Dask's even chunks do.
#pragma once

#include <cstdint>

namespace graphrun::distributed {

struct Block {
  int64_t begin = 0, end = 0;  // [begin, end)
  int64_t size() const { return end - begin; }
};

inline Block block_of(int64_t n, int rank, int ranks) {
  const int64_t base = n / ranks, extra = n % ranks;
  const int64_t begin = rank * base + (rank < extra ? rank : extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

}  // namespace graphrun::distributed
