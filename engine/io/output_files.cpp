// Output files: what kind of path each is, temporary files next to the targets, one rename
// per file at commit, and removal of the temporaries on every other way out.
#include "io/output_files.h"

#include "io/removal_on_signal.h"
#include "io/tensor_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>

namespace graphrun::io {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBufferBytes = size_t{1} << 20;

std::string errno_text(int err) { return std::strerror(err); }

/// "a file", "a folder", ... for messages.
std::string kind_name(mode_t mode) {
  if (S_ISREG(mode)) return "a file";
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "a special file";
}

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

/// The descriptor a path such as /dev/stdout or /dev/fd/3 stands for: such a path is written
/// through the process's own descriptor, at its current position, never re-opened.
std::optional<int> descriptor_of(const std::string& path) {
  if (path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  for (std::string_view prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    if (path.rfind(prefix, 0) != 0) continue;
    std::string_view digits = std::string_view(path).substr(prefix.size());
    int fd = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), fd);
    if (ec == std::errc() && end == digits.data() + digits.size() && fd >= 0) return fd;
  }
  return std::nullopt;
}

/// The first ancestor of `path` (outermost first) that exists and is not a folder, as a
/// message "'a' is a file, not a folder"; "" when there is none.
std::string ancestor_in_the_way(const std::string& path) {
  fs::path prefix;
  fs::path whole(path);
  for (auto it = whole.begin(); it != whole.end(); ++it) {
    prefix /= *it;
    if (std::next(it) == whole.end()) break;  // the path itself is not an ancestor
    struct stat st {};
    if (::stat(prefix.c_str(), &st) != 0) return "";
    if (!S_ISDIR(st.st_mode)) return "'" + prefix.string() + "' is " + kind_name(st.st_mode) + ", not a folder";
  }
  return "";
}

/// FileError for a path whose folder is missing or not a folder.
[[noreturn]] void throw_bad_parent(const std::string& path, int err) {
  if (std::string reason = ancestor_in_the_way(path); !reason.empty()) throw FileError(path + ": " + reason);
  if (err == ENOENT) throw FileError(path + ": the folder '" + parent_folder(path) + "' does not exist");
  throw FileError(path + ": cannot write there: " + errno_text(err));
}

/// Writes all of [data, data + size); returns 0 or the errno of the failing write.
int write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

/// A new, empty, hidden temporary file next to `target` (unique across threads and processes);
/// fills `temp_path`.
int create_temp_next_to(const std::string& target, std::string& temp_path) {
  static std::atomic<unsigned> counter{0};
  std::string stem = parent_folder(target) + "/." + file_name(target) + ".tmp-" + std::to_string(::getpid()) + "-";
  int err = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp_path = stem + std::to_string(counter.fetch_add(1));
    int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    err = errno;
    if (err != EEXIST) break;
  }
  throw FileError(target + ": cannot create a temporary file in '" + parent_folder(target) + "': " + errno_text(err));
}

}  // namespace

bool same_path(const std::string& a, const std::string& b) {
  std::error_code ea, eb;
  fs::path pa = fs::weakly_canonical(a, ea), pb = fs::weakly_canonical(b, eb);
  return ea || eb ? a == b : pa == pb;
}

OutputKind output_kind(const std::string& path) {
  if (path.empty()) throw FileError("an output file name is empty");
  if (std::optional<int> fd = descriptor_of(path)) {
    if (::fcntl(*fd, F_GETFL) < 0) throw FileError(path + ": descriptor " + std::to_string(*fd) + " is not open");
    return OutputKind::kInPlace;
  }
  struct stat link {};
  if (::lstat(path.c_str(), &link) != 0) {
    int err = errno;
    if (err != ENOENT) throw_bad_parent(path, err);
    struct stat parent {};
    if (::stat(parent_folder(path).c_str(), &parent) != 0) throw_bad_parent(path, errno);
    if (!S_ISDIR(parent.st_mode)) throw_bad_parent(path, ENOTDIR);
    return OutputKind::kNewFile;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw FileError(path + ": is a symbolic link to something that does not exist (" + errno_text(errno) + ")");
  if (S_ISREG(st.st_mode)) return OutputKind::kReplaceFile;
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return OutputKind::kInPlace;
  if (S_ISDIR(st.st_mode)) throw FileError(path + ": is a folder; give a file name");
  throw FileError(path + ": is " + kind_name(st.st_mode) +
                  "; an output can be a regular file, a character device (such as /dev/null) or a FIFO");
}

void check_output_folder(const std::string& dir) {
  if (dir.empty()) throw FileError("the output folder name is empty");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw FileError(dir + ": is " + kind_name(st.st_mode) + ", not a folder");
    return;
  }
  int err = errno;
  if (std::string reason = ancestor_in_the_way(dir); !reason.empty()) throw FileError(dir + ": " + reason);
  if (err != ENOENT) throw FileError(dir + ": cannot use this folder: " + errno_text(err));
}

void make_output_folder(const std::string& dir) {
  check_output_folder(dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw FileError(dir + ": cannot create the folder: " + ec.message());
}

// ---- OutputStream

OutputStream::OutputStream(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

OutputStream::~OutputStream() {
  if (fd_ >= 0) ::close(fd_);
}

void OutputStream::write(const void* data, size_t size) {
  const char* bytes = static_cast<const char*>(data);
  if (used_ + size > kBufferBytes) {
    flush();
    if (size >= kBufferBytes) {  // straight from the caller's memory
      if (int err = write_all(fd_, bytes, size)) throw FileError(name_ + ": cannot write: " + errno_text(err));
      return;
    }
  }
  if (buffer_.empty()) buffer_.resize(kBufferBytes);
  if (size > 0) std::memcpy(buffer_.data() + used_, bytes, size);
  used_ += size;
}

int OutputStream::close() {
  int rc = ::close(fd_);
  fd_ = -1;
  return rc == 0 ? 0 : errno;
}

void OutputStream::flush() {
  if (used_ == 0) return;
  int err = write_all(fd_, buffer_.data(), used_);
  used_ = 0;
  if (err) throw FileError(name_ + ": cannot write: " + errno_text(err));
}

// ---- OutputFiles

struct OutputFiles::Entry {
  std::string target;     // the path as given
  std::string replaces;   // what the temporary is renamed to ("" when written in place)
  std::string temp_path;  // "" when written in place or once renamed
  detail::SignalRemovalSlot slot = nullptr;
  std::unique_ptr<OutputStream> stream;

  ~Entry() {
    stream.reset();
    if (!temp_path.empty()) ::unlink(temp_path.c_str());
    detail::forget_on_signal(slot);
  }

  /// Flushes and closes; to disk too when `sync`. FileError naming the target on failure.
  void finish(bool sync) {
    stream->flush();
    if (sync && ::fsync(stream->fd()) != 0) throw FileError(target + ": cannot flush to disk: " + errno_text(errno));
    int err = stream->close();
    stream.reset();
    // A device or FIFO: what close says adds nothing to what the writes said.
    if (err && sync) throw FileError(target + ": cannot close: " + errno_text(err));
  }
};

OutputFiles::OutputFiles() = default;
OutputFiles::~OutputFiles() = default;

OutputStream& OutputFiles::open(const std::string& path) {
  OutputKind kind = output_kind(path);
  auto entry = std::make_unique<Entry>();
  entry->target = path;
  if (kind == OutputKind::kInPlace) {
    int fd = -1;
    if (std::optional<int> own = descriptor_of(path)) {
      std::cout.flush();  // what was printed before comes first
      std::fflush(nullptr);
      fd = ::fcntl(*own, F_DUPFD_CLOEXEC, 3);
    } else {
      fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    }
    if (fd < 0) throw FileError(path + ": cannot open for writing: " + errno_text(errno));
    entry->stream = std::make_unique<OutputStream>(fd, path);
  } else {
    std::error_code ec;
    // A symbolic link stays a link: its target is what gets replaced.
    entry->replaces = kind == OutputKind::kReplaceFile ? fs::canonical(path, ec).string() : path;
    if (ec) throw FileError(path + ": cannot resolve: " + ec.message());
    for (const auto& other : entries_)
      if (!other->replaces.empty() && same_path(other->replaces, entry->replaces))
        throw FileError(path + ": named twice among the outputs (also as " + other->target + ")");
    int fd = create_temp_next_to(entry->replaces, entry->temp_path);
    entry->slot = detail::remove_on_signal(entry->temp_path.c_str());
    entry->stream = std::make_unique<OutputStream>(fd, path);
    struct stat old {};
    // Replacing a file keeps its permissions.
    if (kind == OutputKind::kReplaceFile && ::stat(entry->replaces.c_str(), &old) == 0)
      ::fchmod(fd, old.st_mode & 07777);
  }
  entries_.push_back(std::move(entry));
  return *entries_.back()->stream;
}

void OutputFiles::write(const std::string& path, std::string_view bytes) { open(path).write(bytes); }

std::string OutputFiles::temporary_of(const std::string& path) const {
  for (const auto& e : entries_)
    if (e->target == path) return e->temp_path;
  return "";
}

void OutputFiles::commit() {
  for (auto& e : entries_)
    if (e->stream) e->finish(!e->temp_path.empty());
  std::string replaced;
  std::set<std::string> folders;
  for (auto& e : entries_) {
    if (e->temp_path.empty()) continue;
    if (::rename(e->temp_path.c_str(), e->replaces.c_str()) != 0) {
      int err = errno;
      throw FileError(e->target + ": cannot replace the file: " + errno_text(err) +
                      (replaced.empty() ? "" : " (already replaced: " + replaced + ")"));
    }
    e->temp_path.clear();
    detail::forget_on_signal(e->slot);
    e->slot = nullptr;
    replaced_any_ = true;
    replaced += (replaced.empty() ? "" : ", ") + e->target;
    folders.insert(parent_folder(e->replaces));
  }
  // Make the renames durable; a failure here loses nothing already visible.
  for (const auto& folder : folders) {
    int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
}

std::vector<std::string> OutputFiles::paths() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e->target);
  return out;
}

}  // namespace graphrun::io
