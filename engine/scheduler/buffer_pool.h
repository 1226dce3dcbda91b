// Tensor memory: 64-byte aligned blocks, recycled by size across nodes and runs (so a
// repeated run does not fault its pages in again), with current and peak use tracked for
// the whole pool and for each client (a run) that asks. Thread-safe: every call may come
// from any thread; concurrent runs share one pool.
#pragma once

#include <atomic>
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

/// The bytes one client of a pool (a run) holds now and at most. The pool updates it under
/// its lock, so clients pay no extra atomic operations; anyone may read it at any time.
/// A usage goes with one pool only.
struct PoolUsage {
  std::atomic<uint64_t> live{0};
  std::atomic<uint64_t> peak{0};

  /// A block of `size` bytes taken / given back. Called under the pool's lock: plain loads
  /// and stores suffice. A null usage (a client that does not count) does nothing.
  static void add(PoolUsage* usage, size_t size) {
    if (!usage) return;
    const uint64_t now = usage->live.load(std::memory_order_relaxed) + size;
    usage->live.store(now, std::memory_order_relaxed);
    if (now > usage->peak.load(std::memory_order_relaxed)) usage->peak.store(now, std::memory_order_relaxed);
  }
  static void remove(PoolUsage* usage, size_t size) {
    if (usage) usage->live.store(usage->live.load(std::memory_order_relaxed) - size, std::memory_order_relaxed);
  }
};

class BufferPool {
 public:
  /// The bytes a block for `bytes` takes (what in_use() and PoolUsage count).
  static size_t block_bytes(size_t bytes);

  BufferPool() = default;
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;
  ~BufferPool();

  /// A block of at least `bytes` (never null; 0 bytes gives a valid unique block), counted
  /// in `usage` too when given. OutOfMemory when the system refuses it.
  void* allocate(size_t bytes, PoolUsage* usage = nullptr);
  /// Returns a block from allocate() for reuse; `usage` as given to allocate().
  void release(void* block, PoolUsage* usage = nullptr);
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
