// Axis ticks of `run --plot`: Heckbert's nice numbers (1, 2 or 5 times a power of ten, from
// "Nice numbers for graph labels", Graphics Gems, 1990) and the shortest labels that still
// say each tick's value.
#pragma once

#include <string>
#include <vector>

namespace graphrun::plot {

/// An axis: the range it shows, its ticks (each inside [lo, hi]) and their labels.
struct Axis {
  double lo = 0, hi = 1, step = 1;
  std::vector<double> ticks;
  std::vector<std::string> labels;  // ASCII ('-' for minus); the drawing shows a real minus sign
  bool log = false;  // positions by log10 of the value; ticks at powers of ten
};

/// The range to show for data in [lo, hi] (finite): a constant or single value is widened
/// (±10 % of it, ±1 around 0), and a range narrower than `max_digits` significant digits
/// can tell apart is widened to what they can.
std::pair<double, double> padded_range(double lo, double hi, int max_digits);

/// Ticks about `target` apart over [lo, hi] (lo < hi). `loose` extends the axis to the
/// ticks around the data (the y axes); otherwise it keeps [lo, hi] and the ticks inside it.
Axis nice_axis(double lo, double hi, int max_digits, bool loose, int target = 5);

/// A log-scale axis for data in [lo, hi] (0 < lo <= hi): `loose` extends it to whole decades
/// (the y axes), else it keeps [lo, hi]. A tick at each power of ten (every second or more
/// when there are many decades); a tight axis holding fewer than two adds 2 and 5 times them.
Axis log_axis(double lo, double hi, bool loose);

/// Where `v` lies on `axis` as a fraction of it (0 at lo, 1 at hi); NaN for a value <= 0
/// on a log axis.
double axis_fraction(double v, const Axis& axis);

/// Labels of `ticks` (multiples of `step`) with the fewest digits, at most `max_digits`
/// significant ones, that give each tick's value: "0.5", "150", "-1.5", "2.5e-9".
std::vector<std::string> tick_labels(const std::vector<double>& ticks, double step, int max_digits);

/// A value in at most `max_digits` significant digits, shortest form ("3.1416", "1e-9").
std::string short_number(double v, int max_digits);

}  // namespace graphrun::plot
