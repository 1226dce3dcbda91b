// The on-disk half of the kernel cache: one file per entry in one folder, written atomically
// (temporary file + rename), read back only when whole and for the same key. A folder that
// cannot be used is warned about once and then left alone: kernels are still compiled.
#pragma once

#include "backends/cuda/kernel_cache_entry.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace graphrun::cuda {

/// Where the process's kernel cache lives: $GRAPHRUN_KERNEL_CACHE, else
/// $XDG_CACHE_HOME/graphrun/kernels (an absolute XDG_CACHE_HOME only, as the XDG spec asks),
/// else $HOME/.cache/graphrun/kernels; "" when none of them is set.
std::string default_kernel_cache_folder();

/// A folder of kernel cache entries. Thread-safe; several processes may share one folder.
class KernelCacheFolder {
 public:
  /// Entries in `path`, created (with its parents) at first use; "" = no disk cache, warned
  /// about once at first use as `why_none`.
  explicit KernelCacheFolder(std::string path, std::string why_none = "no cache folder given");

  /// The image cached for `key`; nullopt when there is none, or the entry is unreadable,
  /// truncated, corrupt or of another key (counted in rejected(); store() replaces it).
  std::optional<KernelImage> load(const KernelKey& key);

  /// Writes the entry for `key` atomically (a reader sees the old file or the new one, never
  /// a part). On failure: warns once and uses no disk from then on.
  void store(const KernelKey& key, std::string_view image);

  /// Whether entries are read and written (false once the folder proved unusable).
  bool usable();

  const std::string& path() const { return path_; }
  /// Entries found but not trusted, since this object was made.
  size_t rejected() const { return rejected_.load(); }
  /// Why the last rejected entry was not trusted ("truncated", "entry of another key", ...).
  std::string last_rejection();

 private:
  /// Creates and checks the folder once; false (after the warning) when it cannot be used.
  bool ready();
  /// Stops using the disk; the first call prints "graphrun: kernel cache DIR: REASON; ...".
  void give_up(const std::string& reason);

  std::string path_;
  std::string why_none_;
  std::once_flag prepared_;
  std::atomic<bool> usable_{true};
  std::mutex warn_mutex_;  // the warning, and last_rejection_
  bool warned_ = false;
  std::atomic<size_t> rejected_{0};
  std::string last_rejection_;  // guarded by warn_mutex_
};

}  // namespace graphrun::cuda
