// The cache of compiled kernel images: in memory for the process, on disk across processes
// (KernelCacheFolder). A kernel is compiled at most once per process for a key, even when
// many threads ask for it at the same time, and not at all when a whole entry is on disk.
// Pure C++: the compiler is a function given by the caller (NVRTC in the CUDA backend).
#pragma once

#include "backends/cuda/kernel_cache_entry.h"
#include "backends/cuda/kernel_cache_folder.h"

#include <atomic>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <unordered_map>

namespace graphrun::cuda {

/// Compiles the source of a key into its image; throws to report a compile error.
using KernelCompiler = std::function<KernelImage()>;

/// In-memory cache over an optional disk folder. Thread-safe.
class KernelCache {
 public:
  /// Entries on disk in `folder` ("" = memory only; `why_no_folder` is then warned once).
  explicit KernelCache(std::string folder, std::string why_no_folder = "no cache folder given");

  /// The cache of this process, on disk in default_kernel_cache_folder().
  static KernelCache& process_cache();

  /// The image of `key`: from memory, else from disk, else compile() (then stored on disk).
  /// Callers asking for one key at once wait for a single compile. When compile() throws,
  /// every waiting caller gets the exception and nothing is cached: a later call compiles
  /// again. The reference stays valid as long as the cache.
  const KernelImage& get_or_compile(const KernelKey& key, const KernelCompiler& compile);

  /// How each request was answered, since the cache was made.
  struct Counts {
    size_t memory_hits = 0, disk_hits = 0, compiles = 0;
  };
  Counts counts() const;

  KernelCacheFolder& folder() { return folder_; }

 private:
  /// A loaded or compiled image, found in `folder_` or made by one caller.
  KernelImage load_or_compile(const KernelKey& key, const KernelCompiler& compile);

  KernelCacheFolder folder_;
  std::mutex mutex_;
  // By encode_key(key): the whole key, so that equal hashes of different keys never meet.
  std::unordered_map<std::string, std::shared_future<KernelImage>> images_;
  std::atomic<size_t> memory_hits_{0}, disk_hits_{0}, compiles_{0};
};

}  // namespace graphrun::cuda
