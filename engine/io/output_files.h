// Writing the files a run produces (tensors, trace, plot): the one atomic writer of graphrun.
// Each regular file is streamed to a temporary name in its target folder; commit() renames
// them all at the end. A failure before that, an exception or SIGINT/SIGTERM/SIGHUP removes
// every temporary and leaves the old files as they were.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace graphrun::io {

/// How an output path is written.
enum class OutputKind {
  kNewFile,      // nothing there yet: a temporary file, renamed at commit
  kReplaceFile,  // a regular file (or a symbolic link to one): a temporary file renamed over it
  kInPlace,      // a character device (/dev/null), a FIFO, or /dev/stdout, /dev/stderr,
                 // /dev/fd/N: written directly, as a shell redirection would
};

/// How `path` would be written; FileError saying why it cannot be: a folder, a block device or
/// socket, a dangling link, or a parent that is missing or not a folder.
OutputKind output_kind(const std::string& path);

/// Whether two paths name the same file (".", "..", links and relative parts resolved as far
/// as the paths exist).
bool same_path(const std::string& a, const std::string& b);

/// Checks that `dir` is a folder or can be made one (its nearest existing ancestor is a
/// folder); FileError naming what is in the way otherwise.
void check_output_folder(const std::string& dir);

/// Creates `dir` and its missing parents; FileError with the reason when that fails.
void make_output_folder(const std::string& dir);

/// Where the bytes of one output file go while it is written (buffered).
class OutputStream {
 public:
  OutputStream(int fd, std::string name);
  ~OutputStream();
  OutputStream(const OutputStream&) = delete;
  OutputStream& operator=(const OutputStream&) = delete;

  /// Appends bytes; large blocks go straight from `data` to the file, without a copy.
  void write(const void* data, size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  /// Writes what is buffered; FileError naming the file on failure.
  void flush();
  /// Closes the file (without flushing); returns 0 or the errno of close, where a deferred
  /// write error can show up.
  int close();
  int fd() const { return fd_; }

 private:
  int fd_;
  std::string name_;  // the target path, for messages
  std::vector<char> buffer_;
  size_t used_ = 0;
};

/// A set of output files replaced together. Not thread-safe; one set per run.
class OutputFiles {
 public:
  OutputFiles();
  ~OutputFiles();
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;

  /// Starts the file `path` and returns where to write it. FileError when `path` cannot be
  /// written (see output_kind), is named twice, or no temporary file can be made next to it.
  OutputStream& open(const std::string& path);
  /// open(path) and write all of `bytes`.
  void write(const std::string& path, std::string_view bytes);
  /// Flushes every file to disk, then renames each temporary over its target. FileError
  /// (temporaries removed, nothing replaced) when any flush fails.
  void commit();
  /// The temporary file that open(path) writes, renamed over `path` at commit: where other
  /// processes of an MPI run write their parts of it. "" when `path` is written in place.
  std::string temporary_of(const std::string& path) const;
  /// The paths opened so far, in order.
  std::vector<std::string> paths() const;
  /// Whether commit() renamed any temporary over its target (false after a failure before
  /// the renames: then every old file is as it was).
  bool replaced_any() const { return replaced_any_; }

 private:
  struct Entry;
  std::vector<std::unique_ptr<Entry>> entries_;
  bool replaced_any_ = false;
};

}  // namespace graphrun::io
