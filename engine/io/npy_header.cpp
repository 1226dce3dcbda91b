// Parsing the .npy header: magic, version, header length, and the dict literal
// {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } (keys in any order).
#include "io/npy_header.h"

#include "io/tensor_file.h"

#include <bit>
#include <cctype>
#include <cstring>
#include <limits>
#include <map>

namespace graphrun::io::detail {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

/// A Python literal as found in .npy headers.
struct PyValue {
  enum class Kind { kString, kInt, kBool, kNone, kTuple, kList, kDict } kind = Kind::kNone;
  std::string text;                 // kString
  int64_t number = 0;               // kInt, kBool
  std::vector<PyValue> items;       // kTuple, kList
  std::map<std::string, PyValue> entries;  // kDict (string keys only)
};

/// Recursive-descent parser of the literal subset numpy writes (and hand-written variants:
/// either quote, any spacing, trailing commas, Python 2 'L' suffixes).
class PyLiteralParser {
 public:
  PyLiteralParser(const std::string& path, std::string_view text) : path_(path), text_(text) {}

  PyValue parse_all() {
    PyValue v = parse_value(0);
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the header dict");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FileError(path_ + ": bad .npy header (" + what + " at character " +
                    std::to_string(pos_) + "): " + std::string(text_));
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool take(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(std::string("expected '") + c + "'");
  }

  PyValue parse_value(int depth) {
    if (depth > 16) fail("nesting too deep");
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end");
    char c = text_[pos_];
    if (c == '\'' || c == '"') return parse_string();
    if (c == '{') return parse_dict(depth);
    if (c == '(') return parse_sequence(depth, ')', PyValue::Kind::kTuple);
    if (c == '[') return parse_sequence(depth, ']', PyValue::Kind::kList);
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return parse_int();
    return parse_word();
  }

  PyValue parse_string() {
    char quote = text_[pos_++];
    PyValue v;
    v.kind = PyValue::Kind::kString;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      v.text += text_[pos_++];
    }
    if (pos_ >= text_.size()) fail("unterminated string");
    ++pos_;
    return v;
  }

  PyValue parse_int() {
    bool negative = text_[pos_] == '-';
    if (negative) ++pos_;
    if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_])))
      fail("expected a digit");
    uint64_t value = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      uint64_t digit = static_cast<uint64_t>(text_[pos_] - '0');
      if (value > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - digit) / 10)
        fail("integer too large");
      value = value * 10 + digit;
      ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'L' || text_[pos_] == 'l')) ++pos_;
    PyValue v;
    v.kind = PyValue::Kind::kInt;
    v.number = negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
    return v;
  }

  PyValue parse_word() {
    size_t start = pos_;
    while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    std::string_view word = text_.substr(start, pos_ - start);
    PyValue v;
    if (word == "True" || word == "False") {
      v.kind = PyValue::Kind::kBool;
      v.number = word == "True";
    } else if (word == "None") {
      v.kind = PyValue::Kind::kNone;
    } else {
      pos_ = start;
      fail("unexpected '" + std::string(word.empty() ? text_.substr(pos_, 1) : word) + "'");
    }
    return v;
  }

  PyValue parse_sequence(int depth, char close, PyValue::Kind kind) {
    ++pos_;
    PyValue v;
    v.kind = kind;
    while (!take(close)) {
      v.items.push_back(parse_value(depth + 1));
      if (!take(',')) {
        expect(close);
        break;
      }
    }
    return v;
  }

  PyValue parse_dict(int depth) {
    ++pos_;
    PyValue v;
    v.kind = PyValue::Kind::kDict;
    while (!take('}')) {
      PyValue key = parse_value(depth + 1);
      if (key.kind != PyValue::Kind::kString) fail("dict keys must be strings");
      expect(':');
      v.entries[key.text] = parse_value(depth + 1);
      if (!take(',')) {
        expect('}');
        break;
      }
    }
    return v;
  }

  const std::string& path_;
  std::string_view text_;
  size_t pos_ = 0;
};

uint32_t read_le(std::string_view bytes, size_t offset, int size) {
  uint32_t v = 0;
  for (int i = size - 1; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(bytes[offset + static_cast<size_t>(i)]);
  return v;
}

/// Reads a 'descr' such as '<f8', '>i4', '|b1', '<f2'; refuses what cannot become a float.
NpyElementType parse_descr(const std::string& path, const PyValue& descr) {
  if (descr.kind == PyValue::Kind::kList)
    throw FileError(path + ": structured arrays (dtype with named fields) are not supported");
  if (descr.kind != PyValue::Kind::kString)
    throw FileError(path + ": bad .npy header: 'descr' is not a string");
  std::string_view d = descr.text;
  char order = '=';
  if (!d.empty() && std::strchr("<>|=", d.front())) {
    order = d.front();
    d.remove_prefix(1);
  }
  std::string unsupported = path + ": unsupported .npy dtype '" + descr.text + "'";
  if (d.empty()) throw FileError(unsupported);
  char kind = d.front();
  int size = 0;
  for (char c : d.substr(1)) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || size > 1000) {
      size = -1;
      break;
    }
    size = size * 10 + (c - '0');
  }
  switch (kind) {
    case 'c': throw FileError(unsupported + ": complex numbers are not supported");
    case 'O': throw FileError(unsupported + ": object arrays (pickled Python objects) are not supported");
    case 'U': case 'S': case 'a': throw FileError(unsupported + ": strings are not supported");
    case 'M': case 'm': throw FileError(unsupported + ": dates and times are not supported");
    case 'V': throw FileError(unsupported + ": raw void data is not supported");
    default: break;
  }
  if (kind == '?' && size == 0) {  // numpy's one-character name of bool
    kind = 'b';
    size = 1;
  }
  bool size_ok = (kind == 'f' && (size == 2 || size == 4 || size == 8)) ||
                 ((kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                 (kind == 'b' && size == 1);
  if (!size_ok && kind == 'f' && size > 8)
    throw FileError(unsupported + ": extended precision floats are not supported");
  if (!size_ok) throw FileError(unsupported + "; supported: float16/32/64, int8..64, uint8..64, bool");
  bool little = std::endian::native == std::endian::little;
  bool swapped = size > 1 && ((order == '<' && !little) || (order == '>' && little));
  return NpyElementType{kind, size, swapped};
}

}  // namespace

NpyHeader parse_npy_header(const std::string& path, std::string_view bytes) {
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic)
    throw FileError(path + ": not a .npy file (it does not start with \\x93NUMPY)");
  if (bytes.size() < 10)
    throw FileError(path + ": truncated .npy file: expected at least 10 bytes of header, found " +
                    std::to_string(bytes.size()));
  int major = static_cast<unsigned char>(bytes[6]);
  int minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0)
    throw FileError(path + ": unsupported .npy format version " + std::to_string(major) + "." +
                    std::to_string(minor) + " (1.0, 2.0 and 3.0 are supported)");
  size_t length_size = major == 1 ? 2 : 4;
  size_t prefix = 8 + length_size;
  if (bytes.size() < prefix)
    throw FileError(path + ": truncated .npy file: expected at least " + std::to_string(prefix) +
                    " bytes of header, found " + std::to_string(bytes.size()));
  size_t header_length = read_le(bytes, 8, static_cast<int>(length_size));
  size_t data_offset = prefix + header_length;
  if (bytes.size() < data_offset)
    throw FileError(path + ": truncated .npy file: expected a header of " +
                    std::to_string(data_offset) + " bytes, found " + std::to_string(bytes.size()) +
                    " bytes in all");

  PyValue dict = PyLiteralParser(path, bytes.substr(prefix, header_length)).parse_all();
  if (dict.kind != PyValue::Kind::kDict) throw FileError(path + ": bad .npy header: not a dict");
  for (const char* key : {"descr", "fortran_order", "shape"})
    if (!dict.entries.count(key))
      throw FileError(path + ": bad .npy header: no '" + key + "' key");

  NpyHeader header;
  header.data_offset = data_offset;
  header.type = parse_descr(path, dict.entries["descr"]);
  const PyValue& fortran = dict.entries["fortran_order"];
  if (fortran.kind != PyValue::Kind::kBool)
    throw FileError(path + ": bad .npy header: 'fortran_order' is not True or False");
  header.fortran_order = fortran.number != 0;
  const PyValue& shape = dict.entries["shape"];
  if (shape.kind != PyValue::Kind::kTuple && shape.kind != PyValue::Kind::kList)
    throw FileError(path + ": bad .npy header: 'shape' is not a tuple");
  for (const PyValue& dim : shape.items) {
    if (dim.kind != PyValue::Kind::kInt || dim.number < 0)
      throw FileError(path + ": bad .npy header: 'shape' holds something else than sizes >= 0");
    header.shape.push_back(dim.number);
  }
  return header;
}

}  // namespace graphrun::io::detail
