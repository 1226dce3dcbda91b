// BufferPool: blocks are aligned and reused by size, in_use/peak and per-client usage add
// up, and concurrent allocate/release from many threads never hands one block out twice.
#include "scheduler/buffer_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace graphrun {
namespace {

bool aligned(const void* p, size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; }

TEST(BufferPool, BlocksAreAlignedAndLargeOnesStartOnHugePages) {
  BufferPool pool;
  void* small = pool.allocate(100);
  void* large = pool.allocate(size_t{3} << 20);
  EXPECT_TRUE(aligned(small, 64));
  EXPECT_TRUE(aligned(large, size_t{2} << 20));
  std::memset(small, 1, 100);
  std::memset(large, 1, size_t{3} << 20);
  pool.release(small);
  pool.release(large);
}

TEST(BufferPool, ReleasedBlockIsReusedForTheSameSize) {
  BufferPool pool;
  void* a = pool.allocate(1000);
  pool.release(a);
  void* b = pool.allocate(1000);
  EXPECT_EQ(a, b);
  void* c = pool.allocate(1000);  // a is taken: a fresh block
  EXPECT_NE(c, b);
  void* d = pool.allocate(5000);  // another size never gets a cached block of 1000
  EXPECT_NE(d, b);
  EXPECT_NE(d, c);
  pool.release(b);
  pool.release(c);
  pool.release(d);
}

TEST(BufferPool, ZeroBytesGiveDistinctValidBlocks) {
  BufferPool pool;
  void* a = pool.allocate(0);
  void* b = pool.allocate(0);
  EXPECT_NE(a, nullptr);
  EXPECT_NE(a, b);
  pool.release(a);
  pool.release(b);
  pool.release(nullptr);  // a no-op
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST(BufferPool, InUseAndPeakCountBlocks) {
  EXPECT_EQ(BufferPool::block_bytes(1), 64u);
  EXPECT_EQ(BufferPool::block_bytes(64), 64u);
  EXPECT_EQ(BufferPool::block_bytes(1000), 1024u);
  BufferPool pool;
  void* a = pool.allocate(1000);
  void* b = pool.allocate(64);
  EXPECT_EQ(pool.in_use(), 1024u + 64u);
  pool.release(a);
  EXPECT_EQ(pool.in_use(), 64u);
  EXPECT_EQ(pool.peak(), 1024u + 64u);
  pool.reset_peak();
  EXPECT_EQ(pool.peak(), 64u);
  pool.release(b);
  EXPECT_EQ(pool.in_use(), 0u);
  pool.trim();  // cached blocks go back to the system; the counts are untouched
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST(BufferPool, UsageCountsOnlyItsOwnBlocks) {
  BufferPool pool;
  PoolUsage first, second;
  void* a = pool.allocate(1000, &first);
  void* b = pool.allocate(2000, &second);
  void* c = pool.allocate(64, &first);
  void* d = pool.allocate(128);  // nobody's
  EXPECT_EQ(first.live.load(), 1024u + 64u);
  EXPECT_EQ(second.live.load(), 2048u);
  pool.release(a, &first);
  EXPECT_EQ(first.live.load(), 64u);
  EXPECT_EQ(first.peak.load(), 1024u + 64u);
  pool.release(b, &second);
  pool.release(c, &first);
  pool.release(d);
  EXPECT_EQ(first.live.load(), 0u);
  EXPECT_EQ(second.live.load(), 0u);
  EXPECT_EQ(second.peak.load(), 2048u);
  EXPECT_EQ(pool.peak(), 1024u + 2048u + 64u + 128u);
}

TEST(BufferPool, ConcurrentClientsNeverShareABlock) {
  BufferPool pool;
  constexpr int kThreads = 8, kRounds = 2000;
  std::vector<PoolUsage> usage(kThreads);
  std::vector<int> errors(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<unsigned>(t));
      std::vector<std::pair<unsigned char*, size_t>> held;
      for (int r = 0; r < kRounds; ++r) {
        if (held.size() < 4 || (held.size() < 16 && random() % 2)) {
          const size_t bytes = 64 * (1 + random() % 8);  // few sizes: blocks move between threads
          auto* block = static_cast<unsigned char*>(pool.allocate(bytes, &usage[t]));
          std::memset(block, t + 1, bytes);  // our mark: another owner would overwrite it
          held.emplace_back(block, bytes);
        } else {
          auto [block, bytes] = held[random() % held.size()];
          for (size_t i = 0; i < bytes; ++i) errors[t] += block[i] != t + 1;
          pool.release(block, &usage[t]);
          std::erase(held, std::pair{block, bytes});
        }
      }
      for (auto [block, bytes] : held) pool.release(block, &usage[t]);
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(errors[t], 0) << "thread " << t << " found its block overwritten";
    EXPECT_EQ(usage[t].live.load(), 0u);
    EXPECT_GE(usage[t].peak.load(), 4u * 64u);
    EXPECT_LE(usage[t].peak.load(), 16u * 8u * 64u);
  }
  EXPECT_EQ(pool.in_use(), 0u);
  EXPECT_GE(pool.peak(), kThreads * 4u * 64u);
}

}  // namespace
}  // namespace graphrun
