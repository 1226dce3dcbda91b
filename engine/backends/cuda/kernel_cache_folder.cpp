// Reading and writing kernel cache entries. Writes go through io::OutputFiles, graphrun's one
// atomic writer: each process writes its own temporary file and renames it over the entry,
// so concurrent writers of one key leave one whole entry (the last rename wins; all of them
// hold the same image).
#include "backends/cuda/kernel_cache_folder.h"

#include "io/output_files.h"
#include "io/tensor_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace graphrun::cuda {
namespace {

// An entry larger than this is not a kernel image: not read into memory, replaced.
constexpr off_t kMaxEntryBytes = off_t{1} << 30;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

enum class ReadOutcome { kRead, kMissing, kFailed };

/// Reads the whole file `path` into `bytes`; kFailed with `why` for anything but a missing
/// file.
ReadOutcome read_entry_file(const std::string& path, std::string& bytes, std::string& why) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return ReadOutcome::kMissing;
    why = std::strerror(errno);
    return ReadOutcome::kFailed;
  }
  struct stat st {};
  ReadOutcome outcome = ReadOutcome::kRead;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxEntryBytes) {
    why = "not a regular file of a plausible size";
    outcome = ReadOutcome::kFailed;
  } else {
    bytes.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // an error, or the file shrank: decode_entry sees the short read
      done += static_cast<size_t>(n);
    }
    bytes.resize(done);
  }
  ::close(fd);
  return outcome;
}

}  // namespace

std::string default_kernel_cache_folder() {
  if (std::string own = env("GRAPHRUN_KERNEL_CACHE"); !own.empty()) return own;
  if (std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty() && xdg.front() == '/') return xdg + "/graphrun/kernels";
  if (std::string home = env("HOME"); !home.empty()) return home + "/.cache/graphrun/kernels";
  return "";
}

KernelCacheFolder::KernelCacheFolder(std::string path, std::string why_none)
    : path_(std::move(path)), why_none_(std::move(why_none)) {}

void KernelCacheFolder::give_up(const std::string& reason) {
  usable_ = false;
  std::lock_guard lock(warn_mutex_);
  if (warned_) return;
  warned_ = true;
  std::cerr << "graphrun: kernel cache" << (path_.empty() ? "" : " " + path_) << ": " << reason
            << "; compiling without a disk cache\n";
}

bool KernelCacheFolder::ready() {
  std::call_once(prepared_, [this] {
    if (path_.empty()) return give_up(why_none_);
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    if (ec) return give_up("cannot create the folder: " + ec.message());
    // Root passes this for any folder on a writable file system; its writes are checked too.
    if (::faccessat(AT_FDCWD, path_.c_str(), R_OK | W_OK | X_OK, AT_EACCESS) != 0)
      return give_up(std::string("cannot read and write the folder: ") + std::strerror(errno));
  });
  return usable_;
}

bool KernelCacheFolder::usable() { return ready(); }

std::optional<KernelImage> KernelCacheFolder::load(const KernelKey& key) {
  if (!ready()) return std::nullopt;
  std::string bytes, why;
  const ReadOutcome outcome = read_entry_file(path_ + "/" + entry_file_name(key), bytes, why);
  if (outcome == ReadOutcome::kMissing) return std::nullopt;
  std::optional<KernelImage> image;
  if (outcome == ReadOutcome::kRead) image = decode_entry(bytes, key, &why);
  if (!image) {
    ++rejected_;
    std::lock_guard lock(warn_mutex_);
    last_rejection_ = why;
  }
  return image;
}

std::string KernelCacheFolder::last_rejection() {
  std::lock_guard lock(warn_mutex_);
  return last_rejection_;
}

void KernelCacheFolder::store(const KernelKey& key, std::string_view image) {
  if (!ready()) return;
  try {
    io::OutputFiles files;
    files.write(path_ + "/" + entry_file_name(key), encode_entry(key, image));
    files.commit();
  } catch (const io::FileError& e) {
    give_up(e.what());
  }
}

}  // namespace graphrun::cuda
