// The header of a .npy file: magic, version, and the Python dict literal describing the array.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace graphrun::io::detail {

/// Element type named by a .npy 'descr' string such as '<f8' or '|b1'.
struct NpyElementType {
  char kind = 'f';          // 'f' float, 'i' signed int, 'u' unsigned int, 'b' bool
  int size = 8;             // bytes per element
  bool byte_swapped = false; // stored in the other byte order than this machine's
};

/// What the header says about the array that follows it.
struct NpyHeader {
  NpyElementType type;
  bool fortran_order = false;
  std::vector<int64_t> shape;
  size_t data_offset = 0;  // where the array data starts in the file
};

/// Parses the header at the start of `bytes`; FileError naming `path` when it is not a valid
/// .npy header or describes an array of a type that cannot be read (complex, object, ...).
NpyHeader parse_npy_header(const std::string& path, std::string_view bytes);

}  // namespace graphrun::io::detail
