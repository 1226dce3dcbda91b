#include "driver/plot/ticks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace graphrun::plot {
namespace {

// Heckbert's nicenum, rounding: the 1, 2 or 5 (or 10) times 10^k closest to x > 0.
double nice_number(double x) {
  const double p = std::pow(10.0, std::floor(std::log10(x)));
  const double f = x / p;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

// "1.5e-09" -> "1.5e-9", "2e+06" -> "2e6".
std::string tidy_exponent(std::string s) {
  const size_t e = s.find('e');
  if (e == std::string::npos) return s;
  std::string mantissa = s.substr(0, e), exponent = s.substr(e + 1);
  const bool negative = exponent[0] == '-';
  size_t digits = exponent.find_first_not_of("+-0");
  return mantissa + "e" + (negative ? "-" : "") + (digits == std::string::npos ? "0" : exponent.substr(digits));
}

// The labels in fixed notation with `decimals`, or in scientific notation with `decimals`
// digits after the mantissa's point.
std::vector<std::string> format_all(const std::vector<double>& ticks, int decimals, bool scientific) {
  std::vector<std::string> out;
  for (double t : ticks)
    out.push_back(t == 0 && scientific ? "0"
                  : scientific         ? tidy_exponent(fmt::format("{:.{}e}", t, decimals))
                                       : fmt::format("{:.{}f}", t, decimals));
  return out;
}

// Each label reads back as its tick (to a thousandth of a step), so adjacent ones differ.
bool says_each_value(const std::vector<std::string>& labels, const std::vector<double>& ticks, double step) {
  for (size_t i = 0; i < ticks.size(); ++i)
    if (std::abs(std::strtod(labels[i].c_str(), nullptr) - ticks[i]) > std::abs(step) * 1e-3) return false;
  return true;
}

int significant_digits(const std::string& label) {
  int n = 0;
  bool leading = true;
  for (char c : label) {
    if (c == 'e') break;
    if (c < '0' || c > '9') continue;
    if (c != '0') leading = false;
    if (!leading) ++n;
  }
  return n;
}

}  // namespace

std::pair<double, double> padded_range(double lo, double hi, int max_digits) {
  if (lo == hi) {
    const double half = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    return {lo - half, hi + half};
  }
  const double magnitude = std::max(std::abs(lo), std::abs(hi));
  const double min_span = magnitude * std::pow(10.0, 3 - max_digits);
  if (hi - lo < min_span) {
    const double mid = lo / 2 + hi / 2;
    return {mid - min_span / 2, mid + min_span / 2};
  }
  return {lo, hi};
}

Axis nice_axis(double lo, double hi, int max_digits, bool loose, int target) {
  Axis axis;
  axis.lo = lo;
  axis.hi = hi;
  // Halved so that the span of ±DBL_MAX data stays finite.
  const double span = hi / 2 - lo / 2;
  if (!(span > 0) || !std::isfinite(span)) {
    axis.ticks = {lo, hi};
    axis.labels = {short_number(lo, max_digits), short_number(hi, max_digits)};
    return axis;
  }
  // The step alone is made nice (Heckbert also rounds the range first, which can leave
  // only three ticks for [-1.78, 0.3]).
  double step = nice_number(2 * span / (target - 1));
  for (;;) {
    const double first = std::floor(lo / step), last = std::ceil(hi / step);
    if (loose) axis.lo = first * step, axis.hi = last * step;
    axis.ticks.clear();
    for (double k = first; k <= last; ++k) {
      const double t = k == 0 ? 0.0 : k * step;  // an exact zero, never -0 or 1e-17
      if (t >= axis.lo - step * 1e-9 && t <= axis.hi + step * 1e-9) axis.ticks.push_back(t);
    }
    // A tight axis may hold only one or two ticks: then the next smaller nice step.
    if (loose || axis.ticks.size() >= 3) break;
    const double p = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    const double m = std::round(step / p);
    step = m == 1 ? p / 2 : m == 2 ? p : 2 * p;
  }
  axis.step = step;
  axis.labels = tick_labels(axis.ticks, step, max_digits);
  return axis;
}

Axis log_axis(double lo, double hi, bool loose) {
  Axis axis;
  axis.log = true;
  double first = std::floor(std::log10(lo) + 1e-9), last = std::ceil(std::log10(hi) - 1e-9);
  if (last <= first) last = first + 1;
  const double every = std::max(1.0, std::ceil((last - first) / 8));  // at most about 9 labels
  first = std::floor(first / every) * every;
  last = std::ceil(last / every) * every;
  axis.lo = loose ? std::pow(10.0, first) : lo;
  axis.hi = loose ? std::pow(10.0, last) : hi;
  if (axis.lo == axis.hi) axis.lo /= 2, axis.hi *= 2;
  axis.step = every;
  // Powers of ten inside the axis; on a tight axis spanning less than that, 2 and 5 times them.
  for (const std::vector<double>& mantissas : {std::vector<double>{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
    axis.ticks.clear();
    for (double k = first - every; k <= last; k += every)
      for (double m : mantissas) {
        const double t = m * std::pow(10.0, k);
        if (t >= axis.lo * (1 - 1e-9) && t <= axis.hi * (1 + 1e-9)) axis.ticks.push_back(t);
      }
    if (axis.ticks.size() >= 2 || every > 1) break;
  }
  for (double t : axis.ticks) axis.labels.push_back(short_number(t, 15));
  return axis;
}

double axis_fraction(double v, const Axis& axis) {
  if (axis.log)
    return v > 0 ? (std::log10(v) - std::log10(axis.lo)) / (std::log10(axis.hi) - std::log10(axis.lo)) : NAN;
  // Halving first so that a span of ±DBL_MAX stays finite.
  return (v / 2 - axis.lo / 2) / (axis.hi / 2 - axis.lo / 2);
}

std::vector<std::string> tick_labels(const std::vector<double>& ticks, double step, int max_digits) {
  double magnitude = 0;
  for (double t : ticks) magnitude = std::max(magnitude, std::abs(t));
  // Fixed notation for values a reader takes in at a glance, scientific for the rest.
  const bool scientific = magnitude >= 1e6 || (magnitude > 0 && magnitude < 1e-3);
  for (int decimals = 0; decimals <= 17; ++decimals) {
    std::vector<std::string> labels = format_all(ticks, decimals, scientific);
    bool fits = true;
    for (const auto& l : labels) fits = fits && significant_digits(l) <= max_digits;
    if (!fits) break;
    if (says_each_value(labels, ticks, step)) return labels;
  }
  std::vector<std::string> labels;
  for (double t : ticks) labels.push_back(short_number(t, max_digits));
  return labels;
}

std::string short_number(double v, int max_digits) {
  if (v == 0) return "0";
  int digits = 1;
  while (digits < max_digits && std::strtod(fmt::format("{:.{}g}", v, digits).c_str(), nullptr) != v) ++digits;
  // All the integer digits of a value below 10^6 ("190", not "1.9e2").
  const double magnitude = std::abs(v);
  if (magnitude >= 1 && magnitude < 1e6) digits = std::max(digits, static_cast<int>(std::floor(std::log10(magnitude))) + 1);
  return tidy_exponent(fmt::format("{:.{}g}", v, digits));
}

}  // namespace graphrun::plot
