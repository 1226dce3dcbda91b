#include "backends/cuda/device_pool.h"

#include <cuda_runtime_api.h>

namespace graphrun::cuda {
namespace {

cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

void check(cudaError_t e, const char* call) {
  if (e == cudaSuccess) return;
  cudaGetLastError();  // ours to report, not the next call's
  throw DeviceError(std::string(call) + " failed: " + cudaGetErrorString(e));
}


}  // namespace

DeviceOutOfMemory::DeviceOutOfMemory(const char* space, size_t bytes)
    : bytes_(bytes),
      message_(std::string("out of ") + space + " memory: cannot allocate " + std::to_string(bytes) +
               " bytes for a tensor") {}

DevicePool::DevicePool(int device, void* stream) : device_(device), stream_(stream) {
  check(cudaSetDevice(device), "cudaSetDevice");
  cudaMemPool_t pool = nullptr;
  check(cudaDeviceGetDefaultMemPool(&pool, device), "cudaDeviceGetDefaultMemPool");
  // Keep freed memory in the pool instead of returning it at each synchronization.
  uint64_t threshold = UINT64_MAX;
  check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold), "cudaMemPoolSetAttribute");
}

DevicePool::~DevicePool() {
  cudaStreamSynchronize(as_stream(stream_));
  for (const auto& [block, size] : sizes_) cudaFree(block);
}

void* DevicePool::allocate(size_t bytes, PoolUsage* usage) {
  const size_t size = block_bytes(bytes);
  void* block = nullptr;
  if (cudaError_t e = cudaMallocAsync(&block, size, as_stream(stream_)); e != cudaSuccess) {
    cudaGetLastError();
    if (e == cudaErrorMemoryAllocation) throw DeviceOutOfMemory("device", bytes);
    check(e, "cudaMallocAsync");
  }
  std::lock_guard lock(mutex_);
  sizes_[block] = size;
  in_use_ += size;
  peak_ = std::max(peak_, in_use_);
  PoolUsage::add(usage, size);
  return block;
}

void DevicePool::release(void* block, PoolUsage* usage) {
  if (block && forget(block, usage)) check(cudaFreeAsync(block, as_stream(stream_)), "cudaFreeAsync");
}

bool DevicePool::forget(void* block, PoolUsage* usage) {
  std::lock_guard lock(mutex_);
  auto it = sizes_.find(block);
  if (it == sizes_.end()) return false;
  in_use_ -= it->second;
  PoolUsage::remove(usage, it->second);
  sizes_.erase(it);
  return true;
}

void DevicePool::abandon(void* block, PoolUsage* usage) { forget(block, usage); }

uint64_t DevicePool::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

uint64_t DevicePool::peak() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

PinnedHostBufferType::~PinnedHostBufferType() {
  for (const auto& [block, size] : sizes_) cudaFreeHost(block);
}

void* PinnedHostBufferType::allocate(size_t bytes, PoolUsage* usage) {
  const size_t size = block_bytes(bytes);
  void* block = nullptr;
  if (cudaError_t e = cudaMallocHost(&block, size); e != cudaSuccess) {
    cudaGetLastError();
    if (e == cudaErrorMemoryAllocation) throw DeviceOutOfMemory("pinned host", bytes);
    check(e, "cudaMallocHost");
  }
  std::lock_guard lock(mutex_);
  sizes_[block] = size;
  PoolUsage::add(usage, size);
  return block;
}

void PinnedHostBufferType::release(void* block, PoolUsage* usage) {
  if (!block) return;
  {
    std::lock_guard lock(mutex_);
    auto it = sizes_.find(block);
    if (it == sizes_.end()) return;
    PoolUsage::remove(usage, it->second);
    sizes_.erase(it);
  }
  check(cudaFreeHost(block), "cudaFreeHost");
}

}  // namespace graphrun::cuda
