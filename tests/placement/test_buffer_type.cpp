// Buffer types: the host type is the buffer pool behind the BufferType interface; the device
// pool cannot be made without a device (and says why), and works when there is one.
#include "backends/cuda/device.h"
#include "backends/cuda/device_pool.h"
#include "scheduler/buffer_type.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace graphrun {
namespace {

TEST(BufferType, HostTypeIsThePool) {
  auto pool = std::make_shared<BufferPool>();
  HostBufferType host(pool);
  const BufferType& type = host;
  EXPECT_EQ(type.memory(), GR_MEMORY_HOST);
  EXPECT_TRUE(type.is_host());
  EXPECT_STREQ(type.name(), "host");
  EXPECT_EQ(type.block_bytes(100), BufferPool::block_bytes(100));
  PoolUsage usage;
  void* a = host.allocate(100, &usage);
  void* b = host.allocate(5000, &usage);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % type.alignment(), 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % type.alignment(), 0u);
  EXPECT_EQ(pool->in_use(), BufferPool::block_bytes(100) + BufferPool::block_bytes(5000));
  EXPECT_EQ(usage.live.load(), pool->in_use());
  host.release(a, &usage);
  host.release(b, &usage);
  EXPECT_EQ(pool->in_use(), 0u);
  EXPECT_EQ(usage.live.load(), 0u);
  // Recycled by size, as the pool does.
  void* again = host.allocate(5000);
  EXPECT_EQ(again, b);
  host.release(again);
}

TEST(BufferType, DeviceBlocksRoundToTheDeviceAlignment) {
  EXPECT_EQ(device_block_bytes(0), kDeviceAlignment);
  EXPECT_EQ(device_block_bytes(1), kDeviceAlignment);
  EXPECT_EQ(device_block_bytes(256), 256u);
  EXPECT_EQ(device_block_bytes(257), 512u);
  EXPECT_EQ(device_block_bytes(64000), 64000u);  // 250 x 256
}

TEST(BufferType, DevicePoolNeedsADevice) {
  const cuda::DeviceProbe& probe = cuda::probe_device();
  if (!probe.device) {
    try {
      cuda::DevicePool pool(0, nullptr);
      FAIL() << "a device pool was made without a device";
    } catch (const cuda::DeviceError& e) {
      EXPECT_NE(std::string(e.what()), "");
    }
    return;
  }
  cuda::DevicePool pool(0, nullptr);
  const BufferType& type = pool;
  EXPECT_EQ(type.memory(), GR_MEMORY_DEVICE);
  EXPECT_FALSE(type.is_host());
  PoolUsage usage;
  void* block = pool.allocate(1000, &usage);
  EXPECT_NE(block, nullptr);
  EXPECT_EQ(pool.in_use(), device_block_bytes(1000));
  EXPECT_EQ(usage.live.load(), device_block_bytes(1000));
  pool.release(block, &usage);
  EXPECT_EQ(pool.in_use(), 0u);
  EXPECT_EQ(pool.peak(), device_block_bytes(1000));
}

}  // namespace
}  // namespace graphrun
