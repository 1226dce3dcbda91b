// Tensor memory: 64-byte aligned blocks, recycled by size across nodes and runs (so a
// repeated run does not fault its pages in again), with current and peak use tracked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace graphrun {

class BufferPool {
 public:
  BufferPool() = default;
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;
  ~BufferPool();

  /// A block of at least `bytes` (never null; 0 bytes gives a valid unique block).
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
  std::multimap<size_t, void*> free_;   // size -> cached block
  std::map<void*, size_t> sizes_;       // every live or cached block
  uint64_t in_use_ = 0, peak_ = 0, cached_ = 0;
};

}  // namespace graphrun
