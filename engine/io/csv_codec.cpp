// CSV tensors: numbers separated by commas, one row per line, '#' starts a comment; an
// optional header row of column names and a leading UTF-8 byte-order mark are skipped.
#include "io/tensor_formats.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string>
#include <system_error>

namespace graphrun::io::detail {
namespace {

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

/// Parses the whole field as a number (also inf, -inf, nan, a leading '+'); false if it is not
/// one. Values beyond the type's range become ±inf or 0, as numpy.loadtxt does.
template <typename T> bool parse_number(std::string_view s, T& out) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) return false;
  }
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out, std::chars_format::general);
  if (p != end) return false;
  if (ec == std::errc::result_out_of_range) {
    std::string z(s);
    if constexpr (sizeof(T) == sizeof(float))
      out = std::strtof(z.c_str(), nullptr);
    else
      out = std::strtod(z.c_str(), nullptr);
    return true;
  }
  return ec == std::errc();
}

/// The fields of a line, split at commas and trimmed.
std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

/// A header row names the columns: every field starts like a name (a letter, '_' or a quote)
/// and none is a number such as nan or inf. A row with some numbers is data with a mistake.
bool is_header(const std::vector<std::string_view>& fields) {
  double v = 0;
  return std::all_of(fields.begin(), fields.end(), [&](std::string_view f) {
    return !f.empty() && (std::isalpha(static_cast<unsigned char>(f.front())) || f.front() == '_' || f.front() == '"') &&
           !parse_number(f, v);
  });
}

template <typename T>
std::vector<int64_t> parse_rows(const std::string& path, std::string_view text, std::vector<T>& values) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // the UTF-8 mark spreadsheets write
  int64_t rows = 0, columns = -1, first_line = 0, line_number = 0;
  bool header = false;
  std::string header_error;  // reported if no data follows: then the "header" was a mistake
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_number;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    std::string where = path + ":" + std::to_string(line_number) + ": ";
    std::vector<std::string_view> fields = split_fields(line);
    const auto count = static_cast<int64_t>(fields.size());
    if (columns < 0 && is_header(fields)) {
      header = true;
      header_error = where + "'" + std::string(fields[0]) + "' is not a number";
      columns = count;
      first_line = line_number;
      continue;
    }
    for (size_t k = 0; k < fields.size(); ++k) {
      T v{};
      if (fields[k].empty()) throw FileError(where + "value " + std::to_string(k + 1) + " is empty");
      if (!parse_number(fields[k], v)) throw FileError(where + "'" + std::string(fields[k]) + "' is not a number");
      values.push_back(v);
    }
    if (columns < 0) {
      columns = count;
      first_line = line_number;
    } else if (count != columns) {
      throw FileError(where + std::to_string(count) + " values, but " +
                      (header ? "the header on line " : "line ") + std::to_string(first_line) + " has " +
                      std::to_string(columns) + (header ? " names" : "") +
                      " (every row needs the same number of values)");
    }
    ++rows;
  }
  if (header && rows == 0) throw FileError(header_error);
  if (rows == 0) return {0};
  if (columns == 1) return {rows};
  if (rows == 1) return {columns};
  return {rows, columns};
}

/// Formats n values, `columns` per line, into `out` a chunk at a time.
template <typename T>
void write_values(OutputStream& out, const T* v, int64_t n, int64_t columns) {
  constexpr size_t kChunkBytes = size_t{1} << 20;
  std::string text;
  text.reserve(kChunkBytes + 64);
  for (int64_t i = 0; i < n; ++i) {
    text += format_number(v[i]);
    text += (i + 1) % columns == 0 ? '\n' : ',';
    if (text.size() >= kChunkBytes) {
      out.write(text);
      text.clear();
    }
  }
  out.write(text);
}

}  // namespace

HostArray decode_csv(const std::string& path, std::string_view text, gr_dtype dtype) {
  HostArray out;
  out.dtype = dtype;
  out.from_csv = true;
  if (dtype == GR_F64)
    out.shape = parse_rows(path, text, out.f64);
  else
    out.shape = parse_rows(path, text, out.f32);
  return out;
}

void write_csv(OutputStream& out, gr_dtype dtype, const std::vector<int64_t>& shape, const void* data) {
  int64_t n = checked_numel("array", shape);
  int64_t columns = shape.size() >= 2 ? shape.back() : 1;
  if (n == 0) return;
  if (dtype == GR_F64)
    write_values(out, static_cast<const double*>(data), n, columns);
  else
    write_values(out, static_cast<const float*>(data), n, columns);
}

}  // namespace graphrun::io::detail
