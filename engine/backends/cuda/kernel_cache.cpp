// The kernel cache: one shared_future per key, created by the first caller, who loads or
// compiles outside the lock while later callers of the same key wait on it.
#include "backends/cuda/kernel_cache.h"

#include <utility>

namespace graphrun::cuda {

KernelCache::KernelCache(std::string folder, std::string why_no_folder)
    : folder_(std::move(folder), std::move(why_no_folder)) {}

KernelCache& KernelCache::process_cache() {
  static KernelCache cache(default_kernel_cache_folder(),
                           "none of GRAPHRUN_KERNEL_CACHE, XDG_CACHE_HOME and HOME is set");
  return cache;
}

KernelImage KernelCache::load_or_compile(const KernelKey& key, const KernelCompiler& compile) {
  if (std::optional<KernelImage> image = folder_.load(key)) {
    ++disk_hits_;
    return std::move(*image);
  }
  ++compiles_;
  KernelImage image = compile();
  folder_.store(key, image);
  return image;
}

const KernelImage& KernelCache::get_or_compile(const KernelKey& key, const KernelCompiler& compile) {
  const std::string id = encode_key(key);
  std::promise<KernelImage> promise;
  std::shared_future<KernelImage> future;
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = images_.try_emplace(id);
    if (!inserted) {
      ++memory_hits_;
      future = it->second;
    } else {
      it->second = promise.get_future().share();
    }
  }
  if (future.valid()) return future.get();  // another caller's image, or its exception

  try {
    promise.set_value(load_or_compile(key, compile));
  } catch (...) {
    promise.set_exception(std::current_exception());
    std::lock_guard lock(mutex_);
    images_.erase(id);
    throw;
  }
  std::lock_guard lock(mutex_);
  return images_.at(id).get();
}

KernelCache::Counts KernelCache::counts() const {
  return Counts{memory_hits_.load(), disk_hits_.load(), compiles_.load()};
}

}  // namespace graphrun::cuda
