// The buffer pool names the size it could not allocate, and never wraps a huge size around.
#include "scheduler/buffer_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace graphrun {
namespace {

TEST(BufferPool, AnImpossibleSizeIsOutOfMemoryWithTheSize) {
  BufferPool pool;
  for (size_t bytes : {SIZE_MAX, SIZE_MAX - 10, (size_t{1} << 62) + 1}) {
    SCOPED_TRACE(bytes);
    try {
      void* block = pool.allocate(bytes);
      pool.release(block);
      ADD_FAILURE() << "allocated " << bytes << " bytes";
    } catch (const OutOfMemory& e) {
      EXPECT_EQ(e.bytes(), bytes);
      EXPECT_NE(std::string(e.what()).find("cannot allocate"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("(" + std::to_string(bytes) + " bytes)"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST(BufferPool, OutOfMemoryIsABadAlloc) {
  // Code that only knows std::bad_alloc still catches it.
  BufferPool pool;
  EXPECT_THROW(pool.allocate(SIZE_MAX), std::bad_alloc);
}

}  // namespace
}  // namespace graphrun
