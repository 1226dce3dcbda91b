#include "distributed/blocks.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace graphrun::distributed {
namespace {

// Every split of n items over r ranks: blocks in rank order that tile [0, n) exactly, sizes
// differing by at most one, the larger ones first.
TEST(Blocks, TileTheItemsInRankOrder) {
  for (int64_t n : {0, 1, 2, 3, 7, 8, 100, 1001})
    for (int ranks = 1; ranks <= 9; ++ranks) {
      int64_t next = 0, largest = 0, smallest = n + 1;
      for (int r = 0; r < ranks; ++r) {
        const Block b = block_of(n, r, ranks);
        EXPECT_EQ(b.begin, next) << n << " items, rank " << r << " of " << ranks;
        EXPECT_GE(b.size(), 0);
        if (r > 0) {
          EXPECT_LE(b.size(), block_of(n, r - 1, ranks).size());
        }
        largest = std::max(largest, b.size());
        smallest = std::min(smallest, b.size());
        next = b.end;
      }
      EXPECT_EQ(next, n) << n << " items over " << ranks;
      EXPECT_LE(largest - smallest, 1) << n << " items over " << ranks;
    }
}

}  // namespace
}  // namespace graphrun::distributed
