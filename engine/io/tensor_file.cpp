// read_tensor / write_tensor: choose the format by the file's extension.
#include "io/tensor_formats.h"

#include <algorithm>
#include <cctype>

namespace graphrun::io {
namespace {

enum class Format { kNpy, kNpz, kCsv, kWav };

std::string extension_of(const std::string& path) {
  size_t dot = path.find_last_of('.');
  size_t slash = path.find_last_of('/');
  std::string ext;
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) ext = path.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

Format format_of(const std::string& path) {
  std::string ext = extension_of(path);
  if (ext == ".npy") return Format::kNpy;
  if (ext == ".npz") return Format::kNpz;
  if (ext == ".csv") return Format::kCsv;
  if (ext == ".wav") return Format::kWav;
  throw FileError(path + ": unknown file type '" + ext + "' (expected .npy, .npz, .csv or .wav)");
}

}  // namespace

bool has_extension(const std::string& path, const std::string& ext) { return extension_of(path) == ext; }

std::pair<std::string, std::string> split_npz_member(const std::string& path) {
  size_t colon = path.rfind(':');
  if (colon != std::string::npos && has_extension(path.substr(0, colon), ".npz"))
    return {path.substr(0, colon), path.substr(colon + 1)};
  return {path, ""};
}

HostArray read_tensor(const std::string& path, gr_dtype dtype) {
  const auto [file, member] = split_npz_member(path);
  Format format = format_of(file);
  std::string bytes = detail::read_file_bytes(file);
  switch (format) {
    case Format::kNpy: return detail::decode_npy(file, bytes, dtype);
    case Format::kNpz: return detail::decode_npz(file, member, bytes, dtype);
    case Format::kCsv: return detail::decode_csv(file, bytes, dtype);
    case Format::kWav: return detail::decode_wav(file, bytes, dtype);
  }
  return {};
}

void write_tensor(OutputFiles& files, const std::string& path, gr_dtype dtype,
                  const std::vector<int64_t>& shape, const void* data) {
  Format format = format_of(path);
  if (format != Format::kNpy && format != Format::kCsv)
    throw FileError(path + ": write_npz or write_wav writes this file type");
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
