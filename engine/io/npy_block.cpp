// One block of a .npy file along an axis, read without the rest of the file: each rank of a
// sharded run reads its own rows (with pread, so the ranks never share a file position).
#include "io/tensor_formats.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <numeric>

namespace graphrun::io {
namespace {

class OpenFile {
 public:
  explicit OpenFile(const std::string& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw FileError(path + ": cannot open: " + std::strerror(errno));
  }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile() { ::close(fd_); }

  /// Exactly `size` bytes at `offset`; FileError when the file ends before.
  void read_at(char* out, size_t size, uint64_t offset, const char* what) const {
    while (size > 0) {
      const ssize_t n = ::pread(fd_, out, size, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw FileError(path_ + ": cannot read: " + std::strerror(errno));
      if (n == 0) throw FileError(path_ + ": truncated .npy file: it ends inside " + what);
      out += n;
      size -= static_cast<size_t>(n);
      offset += static_cast<uint64_t>(n);
    }
  }

 private:
  std::string path_;
  int fd_;
};

// The magic, version, header length and header dict: everything before the data.
detail::NpyHeader read_header(const OpenFile& file, const std::string& path) {
  std::string prefix(12, '\0');
  file.read_at(prefix.data(), 10, 0, "its header");
  if (prefix.compare(0, 6, "\x93NUMPY") != 0) throw FileError(path + ": not a .npy file (no \\x93NUMPY magic)");
  const auto byte = [&](size_t i) { return static_cast<uint64_t>(static_cast<unsigned char>(prefix[i])); };
  uint64_t total = 0;
  if (prefix[6] == 1) {
    total = 10 + (byte(8) | byte(9) << 8);
  } else {
    file.read_at(prefix.data() + 10, 2, 10, "its header");
    total = 12 + (byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24);
  }
  prefix.resize(total);
  file.read_at(prefix.data(), total, 0, "its header");
  detail::NpyHeader h = detail::parse_npy_header(path, prefix);
  if (h.shape.size() > GR_MAX_RANK)
    throw FileError(path + ": the array has " + std::to_string(h.shape.size()) + " dimensions, more than the maximum of " +
                    std::to_string(GR_MAX_RANK));
  detail::checked_numel(path, h.shape);
  return h;
}

}  // namespace

std::vector<int64_t> npy_shape(const std::string& path) {
  OpenFile file(path);
  return read_header(file, path).shape;
}

HostArray read_npy_block(const std::string& path, gr_dtype dtype, int axis, int64_t begin, int64_t end) {
  OpenFile file(path);
  detail::NpyHeader h = read_header(file, path);
  const int rank = static_cast<int>(h.shape.size());
  if (axis < 0 || axis >= rank || begin < 0 || end < begin || end > h.shape[static_cast<size_t>(axis)])
    throw FileError(path + ": no block [" + std::to_string(begin) + ", " + std::to_string(end) + ") along axis " +
                    std::to_string(axis) + " in an array of " + std::to_string(rank) + " dimensions");
  // The file stores the array in C order of its shape, or of the reversed shape (Fortran).
  std::vector<int64_t> stored = h.shape;
  int stored_axis = axis;
  if (h.fortran_order) {
    std::reverse(stored.begin(), stored.end());
    stored_axis = rank - 1 - axis;
  }
  const auto product = [](auto first, auto last) { return std::accumulate(first, last, int64_t{1}, std::multiplies<>()); };
  const int64_t outer = product(stored.begin(), stored.begin() + stored_axis);
  const int64_t span = stored[static_cast<size_t>(stored_axis)];
  const int64_t inner = product(stored.begin() + stored_axis + 1, stored.end());
  const uint64_t element = static_cast<uint64_t>(h.type.size);
  const uint64_t run_bytes = static_cast<uint64_t>((end - begin) * inner) * element;
  std::string data(static_cast<size_t>(run_bytes * static_cast<uint64_t>(outer)), '\0');
  for (int64_t o = 0; o < outer; ++o)
    file.read_at(data.data() + static_cast<size_t>(o) * run_bytes, run_bytes,
                 h.data_offset + static_cast<uint64_t>((o * span + begin) * inner) * element, "its data");
  h.shape[static_cast<size_t>(axis)] = end - begin;
  return detail::decode_npy_elements(h, data.data(), dtype);
}

std::string npy_header_bytes(gr_dtype dtype, const std::vector<int64_t>& shape) { return detail::npy_prefix(dtype, shape); }

}  // namespace graphrun::io
