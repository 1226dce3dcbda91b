// Reading a whole file, and replacing a file atomically (temp file, fsync, rename).
#include "io/tensor_formats.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

namespace graphrun::io::detail {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

/// Closes a descriptor on scope exit unless released.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  /// Closes now; returns 0 or the errno of close (a deferred write error shows up here).
  int close_now() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

std::string parent_folder(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string file_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// Writes all of `bytes`; returns 0 or the errno of the failing write.
int write_all(int fd, std::string_view bytes) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return 0;
}

/// Creates a new, empty temporary file next to `path` (a hidden name, unique within the
/// process and across processes); returns its descriptor and fills `temp_path`.
int create_temp_next_to(const std::string& path, std::string& temp_path) {
  static std::atomic<unsigned> counter{0};
  std::string stem = parent_folder(path) + "/." + file_name(path) + ".tmp-" +
                     std::to_string(::getpid()) + "-";
  int err = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp_path = stem + std::to_string(counter.fetch_add(1));
    int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    err = errno;
    if (err != EEXIST) break;
  }
  throw FileError(path + ": cannot create a temporary file in '" + parent_folder(path) +
                  "': " + errno_text(err));
}

}  // namespace

std::string read_file_bytes(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw FileError(path + ": cannot open: " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw FileError(path + ": cannot stat: " + errno_text(errno));
  if (S_ISDIR(st.st_mode)) throw FileError(path + ": is a folder, not a file");
  std::string bytes;
  if (st.st_size > 0) bytes.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw FileError(path + ": cannot read: " + errno_text(errno));
    }
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  return bytes;
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  std::string temp_path;
  FileDescriptor fd(create_temp_next_to(path, temp_path));
  auto fail = [&](const std::string& what, int err) {
    ::unlink(temp_path.c_str());
    throw FileError(path + ": " + what + ": " + errno_text(err));
  };
  if (int err = write_all(fd.get(), bytes)) fail("cannot write", err);
  if (::fsync(fd.get()) != 0) fail("cannot flush to disk", errno);
  if (int err = fd.close_now()) fail("cannot close", err);
  if (::rename(temp_path.c_str(), path.c_str()) != 0) fail("cannot replace the file", errno);
  // Make the rename itself durable; failure here loses nothing already visible.
  FileDescriptor folder(::open(parent_folder(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (folder.get() >= 0) ::fsync(folder.get());
}

}  // namespace graphrun::io::detail
