// Shortest round-trip number text in the layout of Python's repr.
#include "io/tensor_file.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <system_error>

namespace graphrun::io {
namespace {

/// Shortest round-trip digits of a finite value: "-1.2345e-05" → negative, "12345", -5.
struct Digits {
  bool negative = false;
  std::string digits;  // no leading zeros except for zero itself ("0")
  int exponent = 0;    // decimal exponent of the first digit
};

template <typename T> Digits shortest_digits(T v) {
  char buf[64];
  // Without a precision, scientific to_chars gives the shortest digits that round-trip.
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view text(buf, static_cast<size_t>(end - buf));
  Digits d;
  if (!text.empty() && text.front() == '-') {
    d.negative = true;
    text.remove_prefix(1);
  }
  size_t e = text.find('e');
  for (char c : text.substr(0, e))
    if (c != '.') d.digits += c;
  std::string_view exp = text.substr(e + 1);
  if (!exp.empty() && exp.front() == '+') exp.remove_prefix(1);
  std::from_chars(exp.data(), exp.data() + exp.size(), d.exponent);
  return d;
}

/// Python's repr layout of given digits: "d.ddde+XX" (at least two exponent digits) or
/// positional with at least one digit after the point.
std::string layout(const Digits& d, bool scientific) {
  std::string out;
  if (d.negative) out.push_back('-');
  const std::string& s = d.digits;
  if (scientific) {
    out.push_back(s[0]);
    if (s.size() > 1) out.append(".").append(s, 1);
    out.append(d.exponent < 0 ? "e-" : "e+");
    int e = std::abs(d.exponent);
    if (e < 10) out.push_back('0');
    return out.append(std::to_string(e));
  }
  if (d.exponent >= 0) {
    size_t int_digits = static_cast<size_t>(d.exponent) + 1;
    if (s.size() <= int_digits) return out.append(s).append(int_digits - s.size(), '0').append(".0");
    return out.append(s, 0, int_digits).append(".").append(s, int_digits);
  }
  return out.append("0.").append(static_cast<size_t>(-d.exponent - 1), '0').append(s);
}

template <typename T> const char* special_text(T v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  return nullptr;
}

}  // namespace

std::string format_number(double v) {
  if (const char* s = special_text(v)) return s;
  Digits d = shortest_digits(v);
  // Python (float_repr_style 'short'): scientific when the decimal point would sit more than
  // 16 digits right of the first digit or more than 4 zeros left of it.
  return layout(d, d.exponent < -4 || d.exponent >= 16);
}

std::string format_number(float v) {
  if (const char* s = special_text(v)) return s;
  Digits d = shortest_digits(v);
  // numpy's repr of a float32 scalar decides by magnitude (1e-4 <= |v| < 1e16 positional),
  // which differs from Python's digit rule at float(1e-4f) = 9.99999975e-05 → "1e-04".
  double a = std::fabs(static_cast<double>(v));
  bool scientific = a != 0.0 && (a < 1e-4 || a >= 1e16);
  return layout(d, scientific);
}

}  // namespace graphrun::io
