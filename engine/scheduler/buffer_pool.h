// Tensor memory: 64-byte aligned blocks, recycled by size across nodes and runs (so a
// repeated run does not fault its pages in again), with current and peak use tracked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

namespace graphrun {

/// The pool could not get memory for a tensor; what() names the size, so that the executor's
/// "node 'x' (op ...) failed: " prefix makes a whole message.
class OutOfMemory : public std::bad_alloc {
 public:
  explicit OutOfMemory(size_t bytes);
  const char* what() const noexcept override { return message_.c_str(); }
  size_t bytes() const { return bytes_; }

 private:
  size_t bytes_;
  std::string message_;
};

class BufferPool {
 public:
  BufferPool() = default;
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;
  ~BufferPool();

  /// A block of at least `bytes` (never null; 0 bytes gives a valid unique block).
  /// OutOfMemory when the system refuses it.
  void* allocate(size_t bytes);
  /// Returns a block from allocate() for reuse.
  void release(void* block);
  /// Bytes handed out and not yet released.
  uint64_t in_use() const;
  /// Highest in_use() since construction or reset_peak().
  uint64_t peak() const;
  void reset_peak();
  /// Frees every cached block.
  void trim();

 private:
  mutable std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;  // rounded size -> cached blocks
  uint64_t in_use_ = 0, peak_ = 0, cached_ = 0;
};

}  // namespace graphrun
