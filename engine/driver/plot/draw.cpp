// Drawing a PlotLayout with cairo: one function draws onto whichever surface the format
// needs (SVG, or an image surface written as PNG), after measuring the labels with the same
// font so that the margins hold them whole.
#include "driver/plot/layout.h"
#include "driver/plot/plot.h"
#include "graph/diagnostics.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <memory>

namespace graphrun::plot {
namespace {

constexpr double kWidth = 900;
constexpr double kPad = 10;             // around the picture
constexpr double kTitleBand = 26;       // a panel's title, above its frame
constexpr double kLinesHeight = 170;    // the frame of a line panel
constexpr double kHeatMapHeight = 200;  // the frame of a heat map
constexpr double kBelowFrame = 44;      // x tick labels and the x axis title
constexpr double kPanelGap = 12;
constexpr double kFooterLine = 18;
constexpr double kTickFont = 11, kTitleFont = 13, kAxisTitleFont = 12;

struct Rgb {
  double r, g, b;
};
constexpr Rgb rgb(unsigned hex) {
  return {((hex >> 16) & 0xff) / 255.0, ((hex >> 8) & 0xff) / 255.0, (hex & 0xff) / 255.0};
}
// Tableau 10 (matplotlib's tab10): ten colours told apart also in print.
constexpr std::array<Rgb, 10> kCycle = {rgb(0x1f77b4), rgb(0xff7f0e), rgb(0x2ca02c), rgb(0xd62728), rgb(0x9467bd),
                                         rgb(0x8c564b), rgb(0xe377c2), rgb(0x7f7f7f), rgb(0xbcbd22), rgb(0x17becf)};
constexpr Rgb kInk = rgb(0x222222), kGrid = rgb(0xe8e8e8), kZero = rgb(0x888888), kMissing = rgb(0xd0d0d0);

// Viridis at nine stops, interpolated: a heat map's colours, light for high values.
Rgb viridis(double t) {
  static constexpr std::array<Rgb, 9> stops = {rgb(0x440154), rgb(0x472d7b), rgb(0x3b528b), rgb(0x2c728e), rgb(0x21918c),
                                               rgb(0x28ae80), rgb(0x5ec962), rgb(0xaddc30), rgb(0xfde725)};
  t = std::clamp(t, 0.0, 1.0) * (stops.size() - 1);
  const size_t i = std::min(static_cast<size_t>(t), stops.size() - 2);
  const double f = t - static_cast<double>(i);
  return {stops[i].r + f * (stops[i + 1].r - stops[i].r), stops[i].g + f * (stops[i + 1].g - stops[i].g),
          stops[i].b + f * (stops[i + 1].b - stops[i].b)};
}

// A label as shown: '-' becomes the minus sign U+2212, as wide as a digit's '+'.
std::string shown(const std::string& label) {
  std::string out;
  for (char c : label) out += c == '-' ? std::string("\u2212") : std::string(1, c);
  return out;
}

// Position of v in [lo, hi] as a fraction, halving first so that a span of ±DBL_MAX stays finite.
double fraction(double v, double lo, double hi) { return (v / 2 - lo / 2) / (hi / 2 - lo / 2); }

struct Pen {
  cairo_t* cr;
  void font(double size, bool bold = false) {
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
  }
  void color(const Rgb& c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }
  cairo_text_extents_t extents(const std::string& text) {
    cairo_text_extents_t e;
    cairo_text_extents(cr, text.c_str(), &e);
    return e;
  }
  double width(const std::string& text) { return extents(text).x_advance; }
  // Text whose ink is anchored at (x, y): ax 0 left, 0.5 centre, 1 right; ay likewise top to bottom.
  void text(const std::string& s, double x, double y, double ax, double ay) {
    const cairo_text_extents_t e = extents(s);
    cairo_move_to(cr, x - e.x_bearing - ax * e.width, y - e.y_bearing - ay * e.height);
    cairo_show_text(cr, s.c_str());
  }
  // `s` cut with an ellipsis to fit `max_width`.
  std::string fitted(std::string s, double max_width) {
    if (width(s) <= max_width) return s;
    while (!s.empty() && width(s + "\u2026") > max_width) {
      s.pop_back();
      while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
    }
    return s + "\u2026";
  }
};

// The picture's size and the margins every panel shares, from the labels it will show.
struct Geometry {
  double width = kWidth, height = 0, left = 0, right = 0;
  double frame_left() const { return left; }
  double frame_right() const { return width - right; }
};

double frame_height(const Panel& p) { return p.kind == PanelKind::kLines ? kLinesHeight : kHeatMapHeight; }

Geometry measure(Pen& pen, const PlotLayout& layout) {
  Geometry g;
  double y_labels = 0, x_label_half = 0, side = 0;
  pen.font(kTickFont);
  for (const Panel& p : layout.panels) {
    for (const auto& l : p.y.labels) y_labels = std::max(y_labels, pen.extents(shown(l)).width);
    for (const auto& l : p.x.labels) x_label_half = std::max(x_label_half, pen.extents(shown(l)).width / 2);
    if (p.kind == PanelKind::kLines && p.rows > 1)
      side = std::max(side, 24 + pen.width(fmt::format("row {}", p.rows - 1)));
    for (const auto& l : p.row_labels) side = std::max(side, 24 + pen.width(l));
    if (p.kind == PanelKind::kHeatMap)
      for (const auto& l : p.color.labels) side = std::max(side, 14 + 8 + pen.extents(shown(l)).width);
  }
  pen.font(kAxisTitleFont);
  const double axis_title = pen.extents("Ag").height;
  // Whole pixels, so that the frame's sides are sharp lines.
  g.left = std::ceil(std::max(kPad + axis_title + 8 + y_labels + 8, kPad + x_label_half));
  g.right = std::ceil(std::max({kPad + x_label_half, side > 0 ? kPad + 12 + side : 0.0, 2 * kPad}));
  g.height = kPad;
  for (const Panel& p : layout.panels) g.height += kTitleBand + frame_height(p) + kBelowFrame + kPanelGap;
  g.height += kFooterLine * static_cast<double>(layout.footer.size()) + kPad;
  g.height = std::ceil(std::max(g.height, 3 * kPad));
  return g;
}

// Where the values of one panel land on the canvas.
struct Frame {
  double x0, x1, y0, y1;  // the plot area: left, right, top, bottom
  const Axis *x, *y;
  bool rows_down = false;  // heat map: row 0 at the top
  double sx(double v) const { return x0 + axis_fraction(v, *x) * (x1 - x0); }
  double sy(double v) const {
    const double f = axis_fraction(v, *y);
    return rows_down ? y0 + f * (y1 - y0) : y1 - f * (y1 - y0);
  }
};

// One row of a line panel, breaking at NaN/inf; a long row is reduced to the extremes of
// each pixel column (in their order) so that spikes stay visible.
void draw_row(Pen& pen, const Frame& f, const Panel& p, const Values& x, int64_t row) {
  cairo_t* cr = pen.cr;
  const int64_t n = p.cols, base = row * p.cols;
  int64_t run = 0;
  std::vector<std::pair<double, double>> marks;  // p.markers: where the values are
  double last_x = 0, last_y = 0;
  auto end_run = [&] {
    if (run == 1) {  // a lone value: a dot, since a line of one point draws nothing
      cairo_new_sub_path(cr);
      cairo_arc(cr, last_x, last_y, 2.0, 0, 2 * M_PI);
      cairo_fill(cr);
    } else if (run > 1) {
      cairo_stroke(cr);
    }
    cairo_new_path(cr);
    run = 0;
  };
  auto point = [&](int64_t i) {
    const double v = p.values[base + i], xv = x.tensor ? x[i] : static_cast<double>(i);
    if (!std::isfinite(v) || !std::isfinite(xv)) return end_run();
    const double sx = f.sx(xv), sy = f.sy(v);
    if (!std::isfinite(sx) || !std::isfinite(sy)) return end_run();  // <= 0 on a log axis
    last_x = sx, last_y = sy;
    if (run++ == 0) cairo_move_to(cr, last_x, last_y);
    else cairo_line_to(cr, last_x, last_y);
    if (p.markers) marks.emplace_back(sx, sy);
  };
  const int64_t columns = std::max<int64_t>(1, static_cast<int64_t>(f.x1 - f.x0));
  if (n <= 2 * columns) {
    for (int64_t i = 0; i < n; ++i) point(i);
  } else {
    for (int64_t c = 0; c < columns; ++c) {
      const int64_t begin = c * n / columns, end = (c + 1) * n / columns;
      int64_t lo = -1, hi = -1;
      bool gap = false;
      for (int64_t i = begin; i < end; ++i) {
        const double v = p.values[base + i];
        if (!std::isfinite(v)) {
          gap = true;
          continue;
        }
        if (lo < 0 || v < p.values[base + lo]) lo = i;
        if (hi < 0 || v > p.values[base + hi]) hi = i;
      }
      if (lo >= 0) point(std::min(lo, hi)), point(std::max(lo, hi));
      if (gap) end_run();
    }
  }
  end_run();
  for (const auto& [mx, my] : marks) {
    cairo_new_sub_path(cr);
    cairo_arc(cr, mx, my, 3.0, 0, 2 * M_PI);
  }
  cairo_fill(cr);
}

// A heat map: the values averaged over the cells of an image no larger than the frame.
void draw_heat_map(Pen& pen, const Frame& f, const Panel& p) {
  const int64_t iw = std::clamp<int64_t>(static_cast<int64_t>(f.x1 - f.x0), 1, p.cols);
  const int64_t ih = std::clamp<int64_t>(static_cast<int64_t>(f.y1 - f.y0), 1, p.rows);
  cairo_surface_t* image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(iw), static_cast<int>(ih));
  unsigned char* data = cairo_image_surface_get_data(image);
  if (!data) {
    cairo_surface_destroy(image);
    return;
  }
  const int stride = cairo_image_surface_get_stride(image);
  cairo_surface_flush(image);
  for (int64_t r = 0; r < ih; ++r)
    for (int64_t c = 0; c < iw; ++c) {
      double sum = 0;
      int64_t count = 0;
      for (int64_t row = r * p.rows / ih; row < (r + 1) * p.rows / ih; ++row)
        for (int64_t col = c * p.cols / iw; col < (c + 1) * p.cols / iw; ++col)
          if (const double v = p.values[row * p.cols + col]; std::isfinite(v)) sum += v, ++count;
      const Rgb color = count ? viridis(fraction(sum / static_cast<double>(count), p.color.lo, p.color.hi)) : kMissing;
      auto* pixel = reinterpret_cast<uint32_t*>(data + r * stride) + c;
      *pixel = static_cast<uint32_t>(std::lround(color.r * 255)) << 16 |
               static_cast<uint32_t>(std::lround(color.g * 255)) << 8 | static_cast<uint32_t>(std::lround(color.b * 255));
    }
  cairo_surface_mark_dirty(image);
  cairo_t* cr = pen.cr;
  cairo_save(cr);
  cairo_rectangle(cr, f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
  cairo_clip(cr);
  cairo_translate(cr, f.x0, f.y0);
  cairo_scale(cr, (f.x1 - f.x0) / static_cast<double>(iw), (f.y1 - f.y0) / static_cast<double>(ih));
  cairo_set_source_surface(cr, image, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(image);
  // The colour bar, with the value axis's ticks.
  const double bx = f.x1 + 12, bw = 14;
  const int strips = 64;
  for (int s = 0; s < strips; ++s) {
    pen.color(viridis((s + 0.5) / strips));
    const double top = f.y1 - (s + 1) * (f.y1 - f.y0) / strips;
    cairo_rectangle(cr, bx, top, bw, (f.y1 - f.y0) / strips + 0.5);
    cairo_fill(cr);
  }
  pen.color(kInk);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, bx + 0.5, f.y0 + 0.5, bw - 1, f.y1 - f.y0 - 1);
  cairo_stroke(cr);
  pen.font(kTickFont);
  for (size_t i = 0; i < p.color.ticks.size(); ++i) {
    const double y = f.y1 - fraction(p.color.ticks[i], p.color.lo, p.color.hi) * (f.y1 - f.y0);
    pen.text(shown(p.color.labels[i]), bx + bw + 6, y, 0, 0.5);
  }
}

// Returns the y below the panel.
double draw_panel(Pen& pen, const Geometry& g, const PlotLayout& layout, const Panel& p, size_t index, double top) {
  cairo_t* cr = pen.cr;
  Frame f{g.frame_left(), g.frame_right(), top + kTitleBand, top + kTitleBand + frame_height(p), &p.x, &p.y,
          p.kind == PanelKind::kHeatMap};
  pen.font(kTitleFont, true);
  pen.color(kInk);
  pen.text(pen.fitted(p.title, g.width - f.x0 - kPad), f.x0, top + kTitleBand - 8, 0, 1);
  // Grid and zero line under the data.
  cairo_set_line_width(cr, 1);
  if (p.kind == PanelKind::kLines) {
    pen.color(kGrid);
    for (double t : p.y.ticks) cairo_move_to(cr, f.x0, std::round(f.sy(t)) + 0.5), cairo_line_to(cr, f.x1, std::round(f.sy(t)) + 0.5);
    for (double t : p.x.ticks) cairo_move_to(cr, std::round(f.sx(t)) + 0.5, f.y0), cairo_line_to(cr, std::round(f.sx(t)) + 0.5, f.y1);
    cairo_stroke(cr);
    if (p.y.lo < 0 && p.y.hi > 0) {
      pen.color(kZero);
      cairo_move_to(cr, f.x0, std::round(f.sy(0)) + 0.5);
      cairo_line_to(cr, f.x1, std::round(f.sy(0)) + 0.5);
      cairo_stroke(cr);
    }
    // Clipped a little outside the frame: a value on the axis's end stays whole.
    cairo_save(cr);
    cairo_rectangle(cr, f.x0 - 3, f.y0 - 3, f.x1 - f.x0 + 6, f.y1 - f.y0 + 6);
    cairo_clip(cr);
    cairo_set_line_width(cr, 1.5);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (int64_t r = 0; r < p.rows; ++r) {
      pen.color(kCycle[(p.rows == 1 ? index : static_cast<size_t>(r)) % kCycle.size()]);
      draw_row(pen, f, p, layout.x, r);
    }
    cairo_restore(cr);
    if (p.rows > 1) {  // the legend, right of the frame
      pen.font(kTickFont);
      for (int64_t r = 0; r < p.rows; ++r) {
        const double y = f.y0 + 8 + 16 * static_cast<double>(r);
        pen.color(kCycle[static_cast<size_t>(r) % kCycle.size()]);
        cairo_set_line_width(cr, 2);
        cairo_move_to(cr, f.x1 + 12, y);
        cairo_line_to(cr, f.x1 + 30, y);
        cairo_stroke(cr);
        pen.color(kInk);
        const size_t k = static_cast<size_t>(r);
        pen.text(k < p.row_labels.size() ? p.row_labels[k] : fmt::format("row {}", r), f.x1 + 36, y, 0, 0.5);
      }
    }
  } else {
    draw_heat_map(pen, f, p);
  }
  // The frame, its ticks and their labels.
  pen.color(kInk);
  cairo_set_line_width(cr, 1);
  // On the same pixel rows and columns as the first and last ticks.
  cairo_rectangle(cr, std::round(f.x0) + 0.5, std::round(f.y0) + 0.5, std::round(f.x1) - std::round(f.x0),
                  std::round(f.y1) - std::round(f.y0));
  cairo_stroke(cr);
  pen.font(kTickFont);
  for (size_t i = 0; i < p.y.ticks.size(); ++i) {
    const double y = std::round(f.sy(p.y.ticks[i])) + 0.5;
    cairo_move_to(cr, f.x0 - 4, y);
    cairo_line_to(cr, f.x0, y);
    cairo_stroke(cr);
    pen.text(shown(p.y.labels[i]), f.x0 - 7, y, 1, 0.5);
  }
  for (size_t i = 0; i < p.x.ticks.size(); ++i) {
    const double x = std::round(f.sx(p.x.ticks[i])) + 0.5;
    cairo_move_to(cr, x, f.y1);
    cairo_line_to(cr, x, f.y1 + 4);
    cairo_stroke(cr);
    pen.text(shown(p.x.labels[i]), x, f.y1 + 7, 0.5, 0);
  }
  // Axis titles: x under the labels, y (the output's name, or "row") turned along the frame.
  pen.font(kAxisTitleFont);
  pen.text(pen.fitted(layout.x_title, f.x1 - f.x0), (f.x0 + f.x1) / 2, f.y1 + kBelowFrame - 4, 0.5, 1);
  cairo_save(cr);
  cairo_translate(cr, kPad, (f.y0 + f.y1) / 2);
  cairo_rotate(cr, -M_PI / 2);
  pen.text(pen.fitted(p.kind == PanelKind::kLines ? p.name : "row", f.y1 - f.y0), 0, 0, 0.5, 0);
  cairo_restore(cr);
  return f.y1 + kBelowFrame + kPanelGap;
}

void draw(cairo_t* cr, const Geometry& g, const PlotLayout& layout) {
  Pen pen{cr};
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  double y = kPad;
  for (size_t i = 0; i < layout.panels.size(); ++i) y = draw_panel(pen, g, layout, layout.panels[i], i, y);
  pen.font(kAxisTitleFont);
  pen.color(kInk);
  for (const auto& line : layout.footer) {
    pen.text(pen.fitted(line, g.width - 2 * kPad), kPad, y + kFooterLine / 2, 0, 0.5);
    y += kFooterLine;
  }
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

void check(cairo_status_t status) {
  if (status != CAIRO_STATUS_SUCCESS) throw RunError(std::string("--plot: cairo: ") + cairo_status_to_string(status));
}

}  // namespace

}  // namespace graphrun::plot

// fontconfig (cairo's font lookup) keeps the patterns of its first lookup for the life of the
// process, without a pointer LeakSanitizer can follow: that is not a leak of ours. Graphviz
// (run --report's graph drawing) keeps its plugin and font tables the same way. A hook
// LeakSanitizer calls in sanitized builds (an unused function elsewhere); it lives here
// because every program that draws a plot or a report links this file.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libfontconfig.so\nleak:libgvc.so\nleak:libcgraph.so\nleak:libcdt.so\nleak:libgvplugin_\n";
}

namespace graphrun::plot {

std::optional<PlotFormat> plot_format(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext.empty() || ext == ".svg") return PlotFormat::kSvg;
  if (ext == ".png") return PlotFormat::kPng;
  return std::nullopt;
}

namespace {

std::string render_layout(const PlotLayout& layout, PlotFormat format) {
  Geometry g;
  {
    Surface scratch(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1), cairo_surface_destroy);
    Context cr(cairo_create(scratch.get()), cairo_destroy);
    Pen pen{cr.get()};
    g = measure(pen, layout);
  }
  std::string bytes;
  if (format == PlotFormat::kSvg) {
    Surface surface(cairo_svg_surface_create_for_stream(append, &bytes, g.width, g.height), cairo_surface_destroy);
    cairo_svg_surface_set_document_unit(surface.get(), CAIRO_SVG_UNIT_PX);
    {
      Context cr(cairo_create(surface.get()), cairo_destroy);
      draw(cr.get(), g, layout);
      check(cairo_status(cr.get()));
    }
    cairo_surface_finish(surface.get());
    check(cairo_surface_status(surface.get()));
  } else {
    Surface surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(g.width), static_cast<int>(g.height)),
                    cairo_surface_destroy);
    check(cairo_surface_status(surface.get()));
    {
      Context cr(cairo_create(surface.get()), cairo_destroy);
      draw(cr.get(), g, layout);
      check(cairo_status(cr.get()));
    }
    check(cairo_surface_write_to_png_stream(surface.get(), append, &bytes));
  }
  return bytes;
}

}  // namespace

std::string render_plot(const std::vector<std::string>& names, const std::vector<TensorData>& outputs,
                        const std::string& x_name, PlotFormat format) {
  return render_layout(plan_plot(names, outputs, x_name), format);
}

std::string render_line_chart(const LineChart& chart, PlotFormat format) {
  // Tensors that view the chart's values, for the layout's Values.
  auto view = [](const std::vector<double>& v, Shape shape) {
    return TensorData{GR_F64, std::move(shape), std::shared_ptr<void>(std::shared_ptr<void>{}, const_cast<double*>(v.data()))};
  };
  const int64_t cols = static_cast<int64_t>(chart.x.size());
  const TensorData x = view(chart.x, {cols});
  const TensorData y = view(chart.y, {cols ? static_cast<int64_t>(chart.y.size()) / cols : 0, cols});
  return render_layout(plan_line_chart(chart, x, y), format);
}

}  // namespace graphrun::plot
