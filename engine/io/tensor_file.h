// Reading and writing tensors as .npy (numpy format 1.0) and .csv files.
#pragma once

#include <graphrun/plugin_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace graphrun::io {

/// A tensor read from a file, held in its own buffer (already converted to the dtype asked).
struct HostArray {
  gr_dtype dtype = GR_F32;
  std::vector<int64_t> shape;
  std::vector<double> f64;  // used when dtype == GR_F64
  std::vector<float> f32;   // used when dtype == GR_F32
  bool from_csv = false;    // a .csv table: its shape is the reader's choice (1-D or 2-D)
  const void* data() const { return dtype == GR_F64 ? static_cast<const void*>(f64.data()) : f32.data(); }
};

/// Failure to read or write a tensor file; the message names the file and what is wrong.
class FileError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads .npy (float16/32/64, int8..64, uint8..64, bool; C or Fortran order; any byte order)
/// or .csv (numbers separated by commas; one row per line; '#' comments; an optional header row) by extension,
/// converting to `dtype`. A .csv with one column (or one row) is 1-D, else 2-D.
HostArray read_tensor(const std::string& path, gr_dtype dtype);

class OutputFiles;

/// Writes `data` (contiguous, row-major) as the file `path` of `files`, .npy or .csv by
/// extension, streamed from `data`; it replaces `path` when files.commit() runs. CSV: rank <= 1
/// one value per line, rank >= 2 the last axis as columns; numbers in shortest round-trip form.
void write_tensor(OutputFiles& files, const std::string& path, gr_dtype dtype,
                  const std::vector<int64_t>& shape, const void* data);

/// The same for one file on its own: written, then committed (see io/output_files.h).
void write_tensor(const std::string& path, gr_dtype dtype, const std::vector<int64_t>& shape,
                  const void* data);

/// Shortest text that reads back to the same value, formatted as Python's repr
/// (e.g. 3.769752428099801e+217, 0.1, 1.0, inf, nan); float uses float32's shortest digits.
std::string format_number(double v);
std::string format_number(float v);

}  // namespace graphrun::io
