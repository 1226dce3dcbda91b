// A small process-wide cache of file contents, keyed by path and dtype, checked against stat().
#include "file_cache.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

namespace graphrun::io_ops {
namespace {

/// What identifies one version of a file.
struct FileStamp {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  int64_t modified_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

struct Entry {
  FileStamp stamp;
  std::shared_ptr<const io::HostArray> tensor;
};

std::mutex cache_mutex;
std::map<std::pair<std::string, int>, Entry> cache;

/// The stamp of the file `path` names ("a.npz:key" names a.npz).
FileStamp stamp_of(const std::string& spec) {
  const std::string path = io::split_npz_member(spec).first;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw io::FileError(path + ": cannot open: " + std::strerror(errno));
  return {st.st_dev, st.st_ino, st.st_size,
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

}  // namespace

std::shared_ptr<const io::HostArray> cached_tensor(const std::string& path, gr_dtype dtype) {
  FileStamp stamp = stamp_of(path);
  std::pair<std::string, int> key{path, dtype};
  {
    std::lock_guard lock(cache_mutex);
    auto it = cache.find(key);
    if (it != cache.end() && it->second.stamp == stamp) return it->second.tensor;
  }
  // Read outside the lock: files can be large, and other nodes may read other files.
  auto tensor = std::make_shared<const io::HostArray>(io::read_tensor(path, dtype));
  std::lock_guard lock(cache_mutex);
  cache[key] = Entry{stamp, tensor};
  return tensor;
}

void drop_unused_tensors() {
  std::lock_guard lock(cache_mutex);
  std::erase_if(cache, [](const auto& item) { return item.second.tensor.use_count() == 1; });
}

}  // namespace graphrun::io_ops
