#include "scheduler/buffer_pool.h"

#include <cstdlib>
#include <new>

namespace graphrun {
namespace {
constexpr size_t kAlignment = 64;
// Cached bytes above this are returned to the system instead of kept.
constexpr uint64_t kMaxCachedBytes = uint64_t{8} << 30;

size_t rounded(size_t bytes) { return (std::max<size_t>(bytes, 1) + kAlignment - 1) / kAlignment * kAlignment; }
}  // namespace

BufferPool::~BufferPool() {
  for (auto& [block, size] : sizes_) std::free(block);
}

void* BufferPool::allocate(size_t bytes) {
  size_t size = rounded(bytes);
  std::lock_guard lock(mutex_);
  // Reuse a cached block of the same size, or one at most 1/8 larger.
  auto it = free_.lower_bound(size);
  if (it != free_.end() && it->first <= size + size / 8) {
    void* block = it->second;
    cached_ -= it->first;
    in_use_ += it->first;
    free_.erase(it);
    peak_ = std::max(peak_, in_use_);
    return block;
  }
  void* block = std::aligned_alloc(kAlignment, size);
  if (!block) throw std::bad_alloc();
  sizes_[block] = size;
  in_use_ += size;
  peak_ = std::max(peak_, in_use_);
  return block;
}

void BufferPool::release(void* block) {
  if (!block) return;
  std::lock_guard lock(mutex_);
  auto it = sizes_.find(block);
  if (it == sizes_.end()) return;
  in_use_ -= it->second;
  if (cached_ + it->second > kMaxCachedBytes) {
    std::free(block);
    sizes_.erase(it);
    return;
  }
  cached_ += it->second;
  free_.emplace(it->second, block);
}

uint64_t BufferPool::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

uint64_t BufferPool::peak() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

void BufferPool::reset_peak() {
  std::lock_guard lock(mutex_);
  peak_ = in_use_;
}

void BufferPool::trim() {
  std::lock_guard lock(mutex_);
  for (auto& [size, block] : free_) {
    sizes_.erase(block);
    std::free(block);
  }
  free_.clear();
  cached_ = 0;
}

}  // namespace graphrun
