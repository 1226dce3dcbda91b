// .npy data: converting any supported element type and order to f32/f64 in C order, and
// writing numpy format 1.0.
#include "io/npy_header.h"
#include "io/tensor_formats.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace graphrun::io::detail {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr size_t kHeaderAlignment = 64;  // numpy >= 1.14 aligns the data to 64 bytes

uint8_t byte_swap(uint8_t v) { return v; }
uint16_t byte_swap(uint16_t v) { return __builtin_bswap16(v); }
uint32_t byte_swap(uint32_t v) { return __builtin_bswap32(v); }
uint64_t byte_swap(uint64_t v) { return __builtin_bswap64(v); }

/// IEEE binary16 → float (exact: every half is a float).
float half_to_float(uint16_t h) {
  int exponent = (h >> 10) & 0x1f;
  int mantissa = h & 0x3ff;
  float v;
  if (exponent == 0) {
    v = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    v = mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    v = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  }
  return (h & 0x8000) ? -v : v;
}

template <typename Raw, typename Dst, typename Convert>
void convert_all(const char* p, int64_t n, bool swap, Dst* out, Convert convert) {
  for (int64_t i = 0; i < n; ++i) {
    Raw raw;
    std::memcpy(&raw, p + i * static_cast<int64_t>(sizeof(Raw)), sizeof raw);
    if (swap) raw = byte_swap(raw);
    out[i] = static_cast<Dst>(convert(raw));
  }
}

/// Converts n stored elements of type `t` at p into out, in stored order.
template <typename Dst>
void decode_elements(const NpyElementType& t, const char* p, int64_t n, Dst* out) {
  bool s = t.byte_swapped;
  auto as_f32 = [](uint32_t r) { return std::bit_cast<float>(r); };
  auto as_f64 = [](uint64_t r) { return std::bit_cast<double>(r); };
  auto as_i8 = [](uint8_t r) { return static_cast<int8_t>(r); };
  auto as_i16 = [](uint16_t r) { return static_cast<int16_t>(r); };
  auto as_i32 = [](uint32_t r) { return static_cast<int32_t>(r); };
  auto as_i64 = [](uint64_t r) { return static_cast<int64_t>(r); };
  auto as_unsigned = [](auto r) { return r; };
  auto as_bool = [](uint8_t r) { return r != 0 ? 1 : 0; };
  switch (t.kind) {
    case 'f':
      if (t.size == 2) return convert_all<uint16_t>(p, n, s, out, half_to_float);
      if (t.size == 4) return convert_all<uint32_t>(p, n, s, out, as_f32);
      return convert_all<uint64_t>(p, n, s, out, as_f64);
    case 'i':
      if (t.size == 1) return convert_all<uint8_t>(p, n, s, out, as_i8);
      if (t.size == 2) return convert_all<uint16_t>(p, n, s, out, as_i16);
      if (t.size == 4) return convert_all<uint32_t>(p, n, s, out, as_i32);
      return convert_all<uint64_t>(p, n, s, out, as_i64);
    case 'u':
      if (t.size == 1) return convert_all<uint8_t>(p, n, s, out, as_unsigned);
      if (t.size == 2) return convert_all<uint16_t>(p, n, s, out, as_unsigned);
      if (t.size == 4) return convert_all<uint32_t>(p, n, s, out, as_unsigned);
      return convert_all<uint64_t>(p, n, s, out, as_unsigned);
    default:  // 'b'
      return convert_all<uint8_t>(p, n, s, out, as_bool);
  }
}

/// Reorders column-major (Fortran) data into row-major.
template <typename T>
std::vector<T> fortran_to_c_order(const std::vector<T>& column_major,
                                  const std::vector<int64_t>& shape) {
  std::vector<T> row_major(column_major.size());
  if (row_major.empty()) return row_major;
  size_t rank = shape.size();
  std::vector<int64_t> stride(rank, 1);  // column-major stride of each axis
  for (size_t k = 1; k < rank; ++k) stride[k] = stride[k - 1] * shape[k - 1];
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (size_t i = 0; i < row_major.size(); ++i) {
    row_major[i] = column_major[static_cast<size_t>(offset)];
    for (size_t k = rank; k-- > 0;) {  // advance the row-major odometer, last axis fastest
      offset += stride[k];
      if (++index[k] < shape[k]) break;
      offset -= stride[k] * shape[k];
      index[k] = 0;
    }
  }
  return row_major;
}

template <typename T>
void decode_into(std::vector<T>& out, const NpyHeader& h, const char* data, int64_t n) {
  out.resize(static_cast<size_t>(n));
  decode_elements(h.type, data, n, out.data());
  if (h.fortran_order && h.shape.size() > 1) out = fortran_to_c_order(out, h.shape);
}

std::string shape_tuple(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

}  // namespace

int64_t checked_numel(const std::string& path, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw FileError(path + ": negative size in shape " + shape_tuple(shape));
    if (__builtin_mul_overflow(n, d, &n))
      throw FileError(path + ": shape " + shape_tuple(shape) + " has too many elements");
  }
  return n;
}

HostArray decode_npy(const std::string& path, std::string_view bytes, gr_dtype dtype) {
  NpyHeader h = parse_npy_header(path, bytes);
  if (h.shape.size() > GR_MAX_RANK)
    throw FileError(path + ": the array has " + std::to_string(h.shape.size()) +
                    " dimensions, more than the maximum of " + std::to_string(GR_MAX_RANK));
  int64_t n = checked_numel(path, h.shape);
  int64_t data_bytes = 0;
  if (__builtin_mul_overflow(n, static_cast<int64_t>(h.type.size), &data_bytes) ||
      data_bytes > std::numeric_limits<int64_t>::max() - static_cast<int64_t>(h.data_offset))
    throw FileError(path + ": shape " + shape_tuple(h.shape) + " is too large");
  uint64_t expected = h.data_offset + static_cast<uint64_t>(data_bytes);
  if (bytes.size() < expected)
    throw FileError(path + ": truncated .npy file: expected " + std::to_string(expected) +
                    " bytes (" + std::to_string(h.data_offset) + " of header and " +
                    std::to_string(data_bytes) + " of data for shape " + shape_tuple(h.shape) +
                    "), found " + std::to_string(bytes.size()));
  return decode_npy_elements(h, bytes.data() + h.data_offset, dtype);
}

HostArray decode_npy_elements(const NpyHeader& h, const char* data, gr_dtype dtype) {
  int64_t n = 1;
  for (int64_t d : h.shape) n *= d;
  HostArray out;
  out.dtype = dtype;
  out.shape = h.shape;
  if (dtype == GR_F64)
    decode_into(out.f64, h, data, n);
  else
    decode_into(out.f32, h, data, n);
  return out;
}

std::string npy_prefix(gr_dtype dtype, const std::vector<int64_t>& shape) {
  bool little = std::endian::native == std::endian::little;
  std::string descr = std::string(little ? "<" : ">") + (dtype == GR_F64 ? "f8" : "f4");
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " +
                       shape_tuple(shape) + ", }";
  size_t unpadded = kMagic.size() + 4 + header.size() + 1;  // + the closing '\n'
  header += std::string((kHeaderAlignment - unpadded % kHeaderAlignment) % kHeaderAlignment, ' ');
  header += '\n';
  std::string prefix(kMagic);
  prefix += '\x01';
  prefix += '\x00';
  prefix += static_cast<char>(header.size() & 0xff);
  prefix += static_cast<char>(header.size() >> 8);
  return prefix + header;
}

void write_npy(OutputStream& out, gr_dtype dtype, const std::vector<int64_t>& shape, const void* data) {
  int64_t n = checked_numel("array", shape);
  out.write(npy_prefix(dtype, shape));
  size_t item = dtype == GR_F64 ? sizeof(double) : sizeof(float);
  if (n > 0) out.write(data, static_cast<size_t>(n) * item);
}

}  // namespace graphrun::io::detail
