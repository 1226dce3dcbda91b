#include "driver/plot/layout.h"

#include "driver/plot/plot.h"
#include "graph/diagnostics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace graphrun::plot {
namespace {

int64_t element_count(const Shape& shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

bool known(const Shape& shape) {
  return std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d >= 0; });
}

// Outputs listed under the panels rather than drawn: one value, or none.
bool drawn(const Shape& shape) { return !shape.empty() && element_count(shape) > 1; }

// The finite extremes of values [begin, end) and how many are NaN or infinite.
struct Extent {
  double lo = INFINITY, hi = -INFINITY;
  int64_t non_finite = 0;
  bool any() const { return lo <= hi; }
};

Extent extent(const Values& v, int64_t begin, int64_t end) {
  Extent e;
  for (int64_t i = begin; i < end; ++i) {
    const double x = v[i];
    if (!std::isfinite(x)) ++e.non_finite;
    else e.lo = std::min(e.lo, x), e.hi = std::max(e.hi, x);
  }
  return e;
}

// The axis of the data in `e` (or of [0, 1] when it has no finite value).
Axis value_axis(const Extent& e, int digits, bool loose) {
  if (!e.any()) return nice_axis(0, 1, digits, loose);
  auto [lo, hi] = padded_range(e.lo, e.hi, digits);
  return nice_axis(lo, hi, digits, loose);
}

// An axis of positions 0 .. count-1 (an index or rows): whole-number ticks only.
Axis index_axis(int64_t count) {
  auto [lo, hi] = padded_range(0, static_cast<double>(count - 1), 15);
  Axis axis = nice_axis(lo, hi, 15, false);
  if (axis.step < 1) {
    axis.ticks.clear();
    for (int64_t i = 0; i < count; ++i) axis.ticks.push_back(static_cast<double>(i));
    axis.step = 1;
    axis.labels = tick_labels(axis.ticks, 1, 15);
  }
  return axis;
}

}  // namespace

double Values::operator[](int64_t i) const {
  return tensor->dtype == GR_F64 ? static_cast<const double*>(tensor->data.get())[i]
                                 : static_cast<const float*>(tensor->data.get())[i];
}

int max_digits(gr_dtype dtype) { return dtype == GR_F64 ? 15 : 7; }

void check_plot_x(const std::vector<std::string>& names, const std::vector<Shape>& shapes, const std::string& x_name) {
  if (x_name.empty()) return;
  const auto found = std::find(names.begin(), names.end(), x_name);
  if (found == names.end()) {
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    throw UsageError("--plot-x " + x_name + ": not an output of the graph (its outputs: " + all + ")");
  }
  const Shape& x = shapes[static_cast<size_t>(found - names.begin())];
  if (!known(x)) return;
  if (x.empty() || element_count(x) != x.back() || x.back() < 1)
    throw UsageError(fmt::format("--plot-x {}: the output has shape {}; the x axis must be values along one axis",
                                 x_name, shape_str(x)));
  for (size_t k = 0; k < names.size(); ++k) {
    const Shape& s = shapes[k];
    if (names[k] == x_name || !known(s) || !drawn(s) || s.back() == x.back()) continue;
    throw UsageError(fmt::format("--plot-x {}: the output '{}' has shape {}, {} values along its last axis, and '{}' "
                                 "has shape {}: the x axis must be as long as the last axis of each output plotted",
                                 x_name, names[k], shape_str(s), s.back(), x_name, shape_str(x)));
  }
}

PlotLayout plan_plot(const std::vector<std::string>& names, const std::vector<TensorData>& outputs,
                     const std::string& x_name) {
  std::vector<Shape> shapes;
  for (const auto& t : outputs) shapes.push_back(t.shape);
  check_plot_x(names, shapes, x_name);
  PlotLayout layout;
  layout.x_title = x_name.empty() ? "index" : x_name;
  Extent x_extent;
  for (size_t k = 0; k < names.size(); ++k)
    if (names[k] == x_name) {
      layout.x.tensor = &outputs[k];
      layout.x.size = element_count(outputs[k].shape);
      x_extent = extent(layout.x, 0, layout.x.size);
    }
  std::vector<std::string> not_drawn;
  for (size_t k = 0; k < names.size(); ++k) {
    const TensorData& t = outputs[k];
    if (names[k] == x_name) continue;
    const int digits = max_digits(t.dtype);
    const int64_t n = element_count(t.shape);
    if (n == 0) {
      layout.footer.push_back(fmt::format("{}: empty {}", names[k], shape_str(t.shape)));
      continue;
    }
    Values values{&t, n};
    if (!drawn(t.shape)) {
      const double v = values[0];
      std::string text = std::isfinite(v) ? short_number(v, digits) : std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
      if (text[0] == '-') text = "\u2212" + text.substr(1);  // a minus sign, as on the axes
      layout.footer.push_back(names[k] + " = " + text);
      continue;
    }
    if (layout.panels.size() == kMaxPanels) {
      not_drawn.push_back(names[k]);
      continue;
    }
    Panel p;
    p.name = names[k];
    p.values = values;
    p.cols = t.shape.back();
    p.rows = n / p.cols;
    p.kind = p.rows > kMaxLineRows ? PanelKind::kHeatMap : PanelKind::kLines;
    p.title = fmt::format("{}   {} {}", names[k], t.dtype == GR_F64 ? "f64" : "f32", shape_str(t.shape));
    if (t.shape.size() > 2) p.title += fmt::format(", leading axes as {} rows", p.rows);
    if (p.kind == PanelKind::kHeatMap) p.title += ", heat map";
    const Extent e = extent(values, 0, n);
    if (e.non_finite) p.title += fmt::format(", {} NaN/inf not drawn", e.non_finite);
    if (!e.any()) p.title += ", no finite value";
    p.x = layout.x.tensor ? value_axis(x_extent, max_digits(layout.x.tensor->dtype), false) : index_axis(p.cols);
    if (p.kind == PanelKind::kLines) {
      p.y = value_axis(e, digits, true);
    } else {
      p.y = index_axis(p.rows);
      p.y.lo = -0.5;
      p.y.hi = static_cast<double>(p.rows) - 0.5;
      p.color = value_axis(e, digits, false);
    }
    layout.panels.push_back(std::move(p));
  }
  if (!not_drawn.empty()) {
    std::string list;
    for (const auto& n : not_drawn) list += (list.empty() ? "" : ", ") + n;
    layout.footer.push_back(fmt::format("{} more outputs not drawn (at most {} panels): {}", not_drawn.size(), kMaxPanels, list));
  }
  return layout;
}

PlotLayout plan_line_chart(const LineChart& chart, const TensorData& x, const TensorData& y) {
  PlotLayout layout;
  layout.x_title = chart.x_title;
  const int64_t cols = element_count(x.shape);
  layout.x = Values{&x, cols};
  Panel p;
  p.name = chart.y_title;
  p.title = chart.title;
  p.values = Values{&y, element_count(y.shape)};
  p.cols = cols;
  p.rows = cols ? p.values.size / cols : 0;
  if (p.rows > 1) p.row_labels = chart.row_labels;
  p.markers = true;
  // The values an axis shows: finite ones, and only positive ones on a log axis.
  auto axis = [](const Values& v, bool log, bool loose) {
    Extent e;
    for (int64_t i = 0; i < v.size; ++i)
      if (std::isfinite(v[i]) && (!log || v[i] > 0)) e.lo = std::min(e.lo, v[i]), e.hi = std::max(e.hi, v[i]);
    if (log) return e.any() ? log_axis(e.lo, e.hi, loose) : log_axis(1, 10, loose);
    return value_axis(e, 15, loose);
  };
  p.x = axis(layout.x, chart.log_x, false);
  p.y = axis(p.values, chart.log_y, true);
  layout.panels.push_back(std::move(p));
  return layout;
}

}  // namespace graphrun::plot
