// Byte sizes as people write them (--max-memory) and as graphrun prints them, and what the
// machine says is available.
#include "scheduler/memory_budget.h"

#include <gtest/gtest.h>

#include <fstream>

namespace graphrun {
namespace {

TEST(ByteSize, ParsesBinaryUnitsInAnyCase) {
  EXPECT_EQ(parse_byte_size("4096"), 4096u);
  EXPECT_EQ(parse_byte_size("0"), 0u);
  EXPECT_EQ(parse_byte_size("16K"), 16u << 10);
  EXPECT_EQ(parse_byte_size("16kb"), 16u << 10);
  EXPECT_EQ(parse_byte_size("512MiB"), 512u << 20);
  EXPECT_EQ(parse_byte_size("24G"), uint64_t{24} << 30);
  EXPECT_EQ(parse_byte_size("1.5T"), uint64_t{3} << 39);
  EXPECT_EQ(parse_byte_size("100B"), 100u);
  for (const char* bad : {"", "G", "lots", "-1G", "12X", "1.5.2G", "16 G", "99999999P"})
    EXPECT_EQ(parse_byte_size(bad), std::nullopt) << bad;
}

TEST(ByteSize, PrintsWithTheUnitThatFits) {
  EXPECT_EQ(human_bytes(512), "512 B");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes(uint64_t{20} << 20), "20.0 MiB");
  EXPECT_EQ(human_bytes(uint64_t{3} << 30), "3.00 GiB");
}

TEST(AvailableMemory, IsSomethingAndNoMoreThanTheMachine) {
  std::optional<uint64_t> available = available_memory();
  ASSERT_TRUE(available.has_value());
  EXPECT_GT(*available, 0u);
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  while (in >> key)
    if (key == "MemTotal:" && in >> kb) break;
  EXPECT_LE(*available, kb * 1024);
}

}  // namespace
}  // namespace graphrun
