// CSV tensors: numbers separated by commas, one row per line, '#' starts a comment; an
// optional header row of column names and a leading UTF-8 byte-order mark are skipped. A
// `# shape: 2,4,3000` comment before the first row gives the shape of an N-D tensor (the
// rows are then its leading axes flattened, the columns its last axis).
#include "io/tensor_formats.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <string>
#include <system_error>

namespace graphrun::io::detail {
namespace {

/// `s` without surrounding blanks; an empty result still points where `s` starts, so that
/// its column can be told.
std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return s.substr(0, 0);
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

bool starts_like_name(std::string_view f) {
  return !f.empty() && (std::isalpha(static_cast<unsigned char>(f.front())) || f.front() == '_' || f.front() == '"');
}

/// A header row names the columns: no field is a number (nan and inf are numbers), at least
/// one starts like a name (a letter, '_' or a quote), and the others are empty (pandas'
/// unnamed index column) or start like names too. A row with some numbers is data with a
/// mistake.
bool is_header(const std::vector<std::string_view>& fields) {
  double v = 0;
  return std::any_of(fields.begin(), fields.end(), starts_like_name) &&
         std::all_of(fields.begin(), fields.end(),
                     [&](std::string_view f) { return f.empty() || (starts_like_name(f) && !parse_number(f, v)); });
}

/// The sizes of a `# shape: 2,4,3000` comment (`comment` is the text after '#'); nullopt
/// when the comment is something else. `# shape:` alone is a scalar's shape.
std::optional<std::vector<int64_t>> shape_comment(const std::string& where, std::string_view comment) {
  comment = trim(comment);
  if (!comment.starts_with("shape:")) return std::nullopt;
  std::string_view sizes = trim(comment.substr(6));
  std::vector<int64_t> shape;
  if (sizes.empty()) return shape;
  for (std::string_view field : split_fields(sizes)) {
    int64_t d = -1;
    auto [p, ec] = std::from_chars(field.data(), field.data() + field.size(), d);
    if (ec != std::errc() || p != field.data() + field.size() || d < 0)
      throw FileError(where + "'# shape: " + std::string(sizes) +
                      "': expected sizes separated by commas, such as '# shape: 2,4,3000'");
    shape.push_back(d);
  }
  if (shape.size() > GR_MAX_RANK)
    throw FileError(where + "the recorded shape has " + std::to_string(shape.size()) +
                    " dimensions, more than the maximum of " + std::to_string(GR_MAX_RANK));
  return shape;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

/// What the rows of a .csv hold, and the shape recorded in it, if any.
struct CsvShape {
  std::vector<int64_t> shape;
  bool recorded = false;
};

template <typename T>
CsvShape parse_rows(const std::string& path, std::string_view text, std::vector<T>& values) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // the UTF-8 mark spreadsheets write
  int64_t rows = 0, columns = -1, first_line = 0, line_number = 0, shape_line = 0;
  std::optional<std::vector<int64_t>> recorded;
  bool header = false;
  std::string header_error;  // reported if no data follows: then the "header" was a mistake
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view raw = text.substr(pos, eol - pos);
    std::string_view line = raw;
    pos = eol + 1;
    ++line_number;
    auto where = [&](std::string_view at) {
      return path + ":" + std::to_string(line_number) + ":" + std::to_string(at.data() - raw.data() + 1) + ": ";
    };
    if (size_t hash = line.find('#'); hash != std::string_view::npos) {
      // Only a comment before any row can give the shape (numpy.savetxt's header goes there).
      if (columns < 0 && !recorded) {
        recorded = shape_comment(where(line.substr(hash)), line.substr(hash + 1));
        if (recorded) shape_line = line_number;
      }
      line = line.substr(0, hash);
    }
    line = trim(line);
    if (line.empty()) continue;
    std::vector<std::string_view> fields = split_fields(line);
    const auto count = static_cast<int64_t>(fields.size());
    if (columns < 0 && is_header(fields)) {
      header = true;
      const auto name = std::find_if(fields.begin(), fields.end(), [](auto f) { return !f.empty(); });
      header_error = where(*name) + "'" + std::string(*name) + "' is not a number";
      columns = count;
      first_line = line_number;
      continue;
    }
    for (size_t k = 0; k < fields.size(); ++k) {
      T v{};
      if (fields[k].empty()) throw FileError(where(fields[k]) + "value " + std::to_string(k + 1) + " is empty");
      if (!parse_number(fields[k], v))
        throw FileError(where(fields[k]) + "'" + std::string(fields[k]) + "' is not a number");
      values.push_back(v);
    }
    if (columns < 0) {
      columns = count;
      first_line = line_number;
    } else if (count != columns) {
      // Point at the first value too many, or at the end of a row too short.
      std::string_view at = count > columns ? fields[static_cast<size_t>(columns)] : line.substr(line.size());
      throw FileError(where(at) + std::to_string(count) + " values, but " +
                      (header ? "the header on line " : "line ") + std::to_string(first_line) + " has " +
                      std::to_string(columns) + (header ? " names" : "") +
                      " (every row needs the same number of values)");
    }
    ++rows;
  }
  if (header && rows == 0) throw FileError(header_error);
  if (recorded) {
    const int64_t n = checked_numel(path, *recorded);
    const bool columns_fit = recorded->size() < 2 || rows == 0 || columns == recorded->back();
    if (n != static_cast<int64_t>(values.size()) || !columns_fit)
      throw FileError(path + ":" + std::to_string(shape_line) + ": the recorded shape " + shape_text(*recorded) +
                      " needs " + std::to_string(n) + " values" +
                      (recorded->size() >= 2 ? " in rows of " + std::to_string(recorded->back()) : "") +
                      "; the file holds " + std::to_string(values.size()) +
                      (rows > 0 ? " in rows of " + std::to_string(columns) : ""));
    return {*recorded, true};
  }
  if (rows == 0) return {{0}, false};
  if (columns == 1) return {{rows}, false};
  if (rows == 1) return {{columns}, false};
  return {{rows, columns}, false};
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
  CsvShape shape = dtype == GR_F64 ? parse_rows(path, text, out.f64) : parse_rows(path, text, out.f32);
  out.shape = shape.shape;
  out.from_csv = !shape.recorded;  // a recorded shape is the file's own, as a .npy's is
  return out;
}

void write_csv(OutputStream& out, gr_dtype dtype, const std::vector<int64_t>& shape, const void* data) {
  int64_t n = checked_numel("array", shape);
  int64_t columns = shape.size() >= 2 ? shape.back() : 1;
  // Rows and columns say the shape of 1-D and 2-D tensors; beyond, the shape is recorded.
  if (shape.size() >= 3) {
    std::string line = "# shape: ";
    for (size_t i = 0; i < shape.size(); ++i) line += (i ? "," : "") + std::to_string(shape[i]);
    out.write(line + "\n");
  }
  if (n == 0) return;
  if (dtype == GR_F64)
    write_values(out, static_cast<const double*>(data), n, columns);
  else
    write_values(out, static_cast<const float*>(data), n, columns);
}

}  // namespace graphrun::io::detail
