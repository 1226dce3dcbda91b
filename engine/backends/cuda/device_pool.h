// Device memory and pinned host memory as buffer types (scheduler/buffer_type.h). The device
// pool is stream-ordered: blocks come from cudaMallocAsync and go back with cudaFreeAsync on
// the run's stream, so a buffer freed after its last consumer's kernel is reused by kernels
// enqueued after it, without waiting for the device. No CUDA header here: the engine includes
// this file in builds without CUDA too, where backends/without_cuda gives stand-ins that throw.
#pragma once

#include "scheduler/buffer_type.h"

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace graphrun::cuda {

/// A CUDA call failed, or CUDA is not available in this build; what() names the call.
class DeviceError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The device (or pinned host memory) could not give `bytes`; what() names the size.
class DeviceOutOfMemory : public std::bad_alloc {
 public:
  DeviceOutOfMemory(const char* space, size_t bytes);
  const char* what() const noexcept override { return message_.c_str(); }
  size_t bytes() const { return bytes_; }

 private:
  size_t bytes_;
  std::string message_;
};

/// Blocks of device memory from the device's default memory pool, ordered on one stream.
/// The pool keeps what is freed (its release threshold is raised to the device's memory), so
/// a repeated run does not go back to the driver. Thread-safe; one stream per pool: runs that
/// overlap each have their own pool or share a stream.
class DevicePool final : public BufferType {
 public:
  /// On device `device`, ordered on `stream` (a cudaStream_t; null: the legacy default
  /// stream). Throws DeviceError when the device cannot be used.
  DevicePool(int device, void* stream);
  /// Waits for the stream, then frees what is still held.
  ~DevicePool() override;
  DevicePool(const DevicePool&) = delete;
  DevicePool& operator=(const DevicePool&) = delete;

  const char* name() const override { return "cuda device"; }
  gr_memory memory() const override { return GR_MEMORY_DEVICE; }
  size_t alignment() const override { return kDeviceAlignment; }
  size_t block_bytes(size_t bytes) const override { return device_block_bytes(bytes); }
  /// Stream-ordered: the block may be used by work enqueued on the stream after this call.
  /// DeviceOutOfMemory when the device is full.
  void* allocate(size_t bytes, PoolUsage* usage = nullptr) override;
  /// Stream-ordered: the block is reused only by work enqueued after the work already there.
  void release(void* block, PoolUsage* usage = nullptr) override;
  /// Forgets a block allocated during a stream capture that was abandoned: its memory belonged
  /// to the graph, which is gone (freeing it would be an error).
  void abandon(void* block, PoolUsage* usage = nullptr);
  /// Bytes handed out and not yet released, and the most at once.
  uint64_t in_use() const;
  uint64_t peak() const;
  int device() const { return device_; }
  void* stream() const { return stream_; }

 private:
  // Drops `block` from the books; false when it is not one of ours.
  bool forget(void* block, PoolUsage* usage);

  int device_;
  void* stream_;
  mutable std::mutex mutex_;
  std::unordered_map<void*, size_t> sizes_;  // block -> block_bytes, for release()
  uint64_t in_use_ = 0, peak_ = 0;
};

/// Page-locked host memory (cudaMallocHost): host-readable, and the only host memory a copy
/// to or from the device overlaps kernels with. Transfers of a run go through it.
class PinnedHostBufferType final : public BufferType {
 public:
  PinnedHostBufferType() = default;
  ~PinnedHostBufferType() override;
  PinnedHostBufferType(const PinnedHostBufferType&) = delete;
  PinnedHostBufferType& operator=(const PinnedHostBufferType&) = delete;

  const char* name() const override { return "pinned host"; }
  gr_memory memory() const override { return GR_MEMORY_HOST_PINNED; }
  size_t alignment() const override { return kDeviceAlignment; }
  size_t block_bytes(size_t bytes) const override { return device_block_bytes(bytes); }
  /// DeviceOutOfMemory when the system cannot lock that much.
  void* allocate(size_t bytes, PoolUsage* usage = nullptr) override;
  void release(void* block, PoolUsage* usage = nullptr) override;

 private:
  std::mutex mutex_;
  std::unordered_map<void*, size_t> sizes_;
};

}  // namespace graphrun::cuda
