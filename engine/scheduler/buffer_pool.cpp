#include "scheduler/buffer_pool.h"

#include "scheduler/memory_budget.h"

#include <algorithm>
#include <cstdlib>
#include <new>

#include <sys/mman.h>

namespace graphrun {
namespace {
constexpr size_t kAlignment = 64;
// Each block starts with a header holding its size; the caller gets the bytes after it.
constexpr size_t kHeader = kAlignment;
// Cached bytes above this are returned to the system instead of kept.
constexpr uint64_t kMaxCachedBytes = uint64_t{8} << 30;

size_t rounded(size_t bytes) { return (std::max<size_t>(bytes, 1) + kAlignment - 1) / kAlignment * kAlignment; }
constexpr size_t kHugePage = size_t{2} << 20;
size_t& size_of(void* block) { return *reinterpret_cast<size_t*>(static_cast<char*>(block) - kHeader); }
size_t& offset_of(void* block) { return *reinterpret_cast<size_t*>(static_cast<char*>(block) - kHeader / 2); }
void free_block(void* block) { std::free(static_cast<char*>(block) - offset_of(block)); }

}  // namespace

OutOfMemory::OutOfMemory(size_t bytes)
    : bytes_(bytes),
      message_("out of memory: cannot allocate " + human_bytes(bytes) + " (" + std::to_string(bytes) +
               " bytes) for a tensor") {}

size_t BufferPool::block_bytes(size_t bytes) { return rounded(bytes); }

BufferPool::~BufferPool() { trim(); }

void* BufferPool::allocate(size_t bytes, PoolUsage* usage) {
  // Beyond this, rounding and the header would overflow size_t; no system has that much.
  if (bytes > (size_t{1} << 62)) throw OutOfMemory(bytes);
  const size_t size = rounded(bytes);
  {
    std::lock_guard lock(mutex_);
    in_use_ += size;
    peak_ = std::max(peak_, in_use_);
    PoolUsage::add(usage, size);
    if (auto it = free_.find(size); it != free_.end() && !it->second.empty()) {
      void* block = it->second.back();
      it->second.pop_back();
      cached_ -= size;
      return block;
    }
  }
  // Large blocks start on a 2 MiB boundary and ask for transparent huge pages: streaming
  // kernels then take far fewer TLB misses (the kernel's THP mode here is "madvise").
  const bool huge = size >= kHugePage;
  const size_t alignment = huge ? kHugePage : kAlignment;
  const size_t lead = huge ? alignment : kHeader;  // room for the header before the data
  const size_t total = (lead + size + alignment - 1) / alignment * alignment;
  char* raw = static_cast<char*>(std::aligned_alloc(alignment, total));
  if (raw && huge) ::madvise(raw, total, MADV_HUGEPAGE);
  if (!raw) {
    std::lock_guard lock(mutex_);
    in_use_ -= size;
    PoolUsage::remove(usage, size);
    throw OutOfMemory(bytes);
  }
  // The header sits just before the block; a huge block keeps its data page-aligned by
  // giving the first alignment unit to the header.
  void* block = raw + lead;
  size_of(block) = size;
  offset_of(block) = static_cast<size_t>(static_cast<char*>(block) - raw);
  return block;
}

void BufferPool::release(void* block, PoolUsage* usage) {
  if (!block) return;
  const size_t size = size_of(block);
  std::lock_guard lock(mutex_);
  in_use_ -= size;
  PoolUsage::remove(usage, size);
  if (cached_ + size > kMaxCachedBytes) {
    free_block(block);
    return;
  }
  cached_ += size;
  free_[size].push_back(block);
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
  for (auto& [size, blocks] : free_)
    for (void* block : blocks) free_block(block);
  free_.clear();
  cached_ = 0;
}

}  // namespace graphrun
