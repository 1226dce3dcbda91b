// Internal pieces of engine/io shared by its .cpp files: one encoder/decoder per format,
// the file helpers they use, and the digit layout of format_number.
#pragma once

#include "io/tensor_file.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace graphrun::io::detail {

/// The whole content of a file; FileError naming the file when it cannot be read.
std::string read_file_bytes(const std::string& path);

/// Writes `bytes` to a temporary file in the folder of `path`, flushes it to disk and renames
/// it over `path`. On any failure the temporary file is removed and FileError is thrown.
void write_file_atomically(const std::string& path, std::string_view bytes);

/// Decodes the bytes of a .npy file (`path` is only used in messages).
HostArray decode_npy(const std::string& path, std::string_view bytes, gr_dtype dtype);

/// Encodes a contiguous row-major tensor as a numpy format 1.0 file.
std::string encode_npy(gr_dtype dtype, const std::vector<int64_t>& shape, const void* data);

/// Decodes the text of a .csv file (`path` is only used in messages).
HostArray decode_csv(const std::string& path, std::string_view text, gr_dtype dtype);

/// Encodes a contiguous row-major tensor as CSV text (last axis as columns).
std::string encode_csv(gr_dtype dtype, const std::vector<int64_t>& shape, const void* data);

/// Number of elements of `shape`; FileError (naming `path`) when a size is negative or the
/// product overflows.
int64_t checked_numel(const std::string& path, const std::vector<int64_t>& shape);

}  // namespace graphrun::io::detail
