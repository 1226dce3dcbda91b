// Where a tensor's memory lives, as a type (ggml-backend's buffer types): a BufferType names a
// memory space (gr_memory), says how its blocks are aligned and whether the host may touch
// them, and hands blocks out and takes them back. The host type is the BufferPool; the CUDA
// device pool and pinned host memory implement the same interface in backends/cuda
// (device_pool.h). Which type each buffer of a plan lives in is placement's answer
// (placement.h); the executor allocates through it.
#pragma once

#include "scheduler/buffer_pool.h"

#include <graphrun/plugin_api.h>

#include <algorithm>
#include <cstddef>
#include <memory>

namespace graphrun {

/// A memory space and the allocator that serves it. Implementations are thread-safe.
class BufferType {
 public:
  virtual ~BufferType() = default;
  /// "host", "cuda device", "pinned host": what explain and messages call it.
  virtual const char* name() const = 0;
  /// The space a gr_tensor of this type reports in its `memory` field.
  virtual gr_memory memory() const = 0;
  /// Every block starts on a multiple of this.
  virtual size_t alignment() const = 0;
  /// The bytes a block for `bytes` takes (what peaks count).
  virtual size_t block_bytes(size_t bytes) const = 0;
  /// A block of at least `bytes`, counted in `usage` when given; throws when the space is full.
  virtual void* allocate(size_t bytes, PoolUsage* usage = nullptr) = 0;
  /// Gives back a block from allocate() (for reuse or to the system); `usage` as given there.
  virtual void release(void* block, PoolUsage* usage = nullptr) = 0;
  /// Whether host code may read and write the blocks (host and pinned host memory).
  bool is_host() const { return memory() != GR_MEMORY_DEVICE; }
};

/// Ordinary host memory: the BufferPool (64-byte blocks recycled by size; blocks of 2 MiB and
/// more on transparent huge pages, 2 MiB aligned). Every call goes straight to the pool, so
/// the host type costs what the pool costs.
class HostBufferType final : public BufferType {
 public:
  /// Serves blocks from `pool`, which it shares (runs and the outputs they hand out may hold it).
  explicit HostBufferType(std::shared_ptr<BufferPool> pool = std::make_shared<BufferPool>()) : pool_(std::move(pool)) {}
  const char* name() const override { return "host"; }
  gr_memory memory() const override { return GR_MEMORY_HOST; }
  size_t alignment() const override { return 64; }
  size_t block_bytes(size_t bytes) const override { return BufferPool::block_bytes(bytes); }
  void* allocate(size_t bytes, PoolUsage* usage = nullptr) override { return pool_->allocate(bytes, usage); }
  void release(void* block, PoolUsage* usage = nullptr) override { pool_->release(block, usage); }
  BufferPool& pool() const { return *pool_; }
  const std::shared_ptr<BufferPool>& shared_pool() const { return pool_; }

 private:
  std::shared_ptr<BufferPool> pool_;
};

/// The alignment of device blocks (cudaMalloc's 256 bytes, which cudaMallocAsync keeps):
/// device peaks count each buffer rounded up to it. The device pool's block_bytes() is this.
inline constexpr size_t kDeviceAlignment = 256;

/// `bytes` rounded up to kDeviceAlignment (0 bytes still take one block).
constexpr size_t device_block_bytes(size_t bytes) {
  return (std::max<size_t>(bytes, 1) + kDeviceAlignment - 1) / kDeviceAlignment * kDeviceAlignment;
}

}  // namespace graphrun
