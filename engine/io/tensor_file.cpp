// read_tensor / write_tensor: choose the format by the file's extension.
#include "io/tensor_formats.h"

#include <algorithm>
#include <cctype>

namespace graphrun::io {
namespace {

enum class Format { kNpy, kCsv };

Format format_of(const std::string& path) {
  size_t dot = path.find_last_of('.');
  size_t slash = path.find_last_of('/');
  std::string ext;
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) ext = path.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".npy") return Format::kNpy;
  if (ext == ".csv") return Format::kCsv;
  throw FileError(path + ": unknown file type '" + ext + "' (expected .npy or .csv)");
}

}  // namespace

HostArray read_tensor(const std::string& path, gr_dtype dtype) {
  Format format = format_of(path);
  std::string bytes = detail::read_file_bytes(path);
  if (format == Format::kNpy) return detail::decode_npy(path, bytes, dtype);
  return detail::decode_csv(path, bytes, dtype);
}

void write_tensor(OutputFiles& files, const std::string& path, gr_dtype dtype,
                  const std::vector<int64_t>& shape, const void* data) {
  Format format = format_of(path);
  detail::checked_numel(path, shape);
  OutputStream& out = files.open(path);
  if (format == Format::kNpy)
    detail::write_npy(out, dtype, shape, data);
  else
    detail::write_csv(out, dtype, shape, data);
}

void write_tensor(const std::string& path, gr_dtype dtype, const std::vector<int64_t>& shape,
                  const void* data) {
  OutputFiles files;
  write_tensor(files, path, dtype, shape, data);
  files.commit();
}

}  // namespace graphrun::io
