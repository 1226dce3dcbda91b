// Internal pieces of engine/io shared by its .cpp files: one encoder/decoder per format,
// the file helpers they use, and the digit layout of format_number.
#pragma once

#include "io/npy_header.h"
#include "io/output_files.h"
#include "io/tensor_file.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace graphrun::io::detail {

/// The whole content of a file; FileError naming the file when it cannot be read.
std::string read_file_bytes(const std::string& path);

/// Decodes the bytes of a .npy file (`path` is only used in messages).
HostArray decode_npy(const std::string& path, std::string_view bytes, gr_dtype dtype);

/// Decodes the elements at `data`, laid out as the header `h` says (h.shape checked already).
HostArray decode_npy_elements(const NpyHeader& h, const char* data, gr_dtype dtype);

/// Writes a contiguous row-major tensor as a numpy format 1.0 file, the data straight from
/// `data`.
void write_npy(OutputStream& out, gr_dtype dtype, const std::vector<int64_t>& shape, const void* data);

/// The magic, version and header dict write_npy puts before the data.
std::string npy_prefix(gr_dtype dtype, const std::vector<int64_t>& shape);

/// Decodes the member `member` (a key, with or without ".npy"; "" = the only member) of the
/// .npz archive whose bytes are `bytes` (`path` is only used in messages).
HostArray decode_npz(const std::string& path, const std::string& member, std::string_view bytes, gr_dtype dtype);

/// Decodes the bytes of a .wav file (`path` is only used in messages).
HostArray decode_wav(const std::string& path, std::string_view bytes, gr_dtype dtype);

/// Decodes the text of a .csv file (`path` is only used in messages).
HostArray decode_csv(const std::string& path, std::string_view text, gr_dtype dtype);

/// Writes a contiguous row-major tensor as CSV text (last axis as columns), formatted in
/// chunks.
void write_csv(OutputStream& out, gr_dtype dtype, const std::vector<int64_t>& shape, const void* data);

/// Number of elements of `shape`; FileError (naming `path`) when a size is negative or the
/// product overflows.
int64_t checked_numel(const std::string& path, const std::vector<int64_t>& shape);

}  // namespace graphrun::io::detail
