// The device pool and pinned host memory of a graphrun built without the CUDA Toolkit: they
// cannot be made (placement still plans for a device; nothing can run there).
#include "backends/cuda/device_pool.h"

namespace graphrun::cuda {
namespace {
[[noreturn]] void unavailable() {
  throw DeviceError("this graphrun was built without CUDA (-DGRAPHRUN_CUDA=OFF)");
}
}  // namespace

DeviceOutOfMemory::DeviceOutOfMemory(const char* space, size_t bytes)
    : bytes_(bytes),
      message_(std::string("out of ") + space + " memory: cannot allocate " + std::to_string(bytes) +
               " bytes for a tensor") {}

DevicePool::DevicePool(int device, void* stream) : device_(device), stream_(stream) { unavailable(); }
DevicePool::~DevicePool() = default;
void* DevicePool::allocate(size_t, PoolUsage*) { unavailable(); }
void DevicePool::release(void*, PoolUsage*) { unavailable(); }
void DevicePool::abandon(void*, PoolUsage*) { unavailable(); }
uint64_t DevicePool::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}
uint64_t DevicePool::peak() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

PinnedHostBufferType::~PinnedHostBufferType() = default;
void* PinnedHostBufferType::allocate(size_t, PoolUsage*) { unavailable(); }
void PinnedHostBufferType::release(void*, PoolUsage*) { unavailable(); }

}  // namespace graphrun::cuda
