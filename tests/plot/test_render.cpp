// The pictures themselves: a PNG read back with cairo and searched for its panels, lines and
// labels; the SVG parsed as XML.
#include "driver/plot/plot.h"
#include "plot/plot_data.h"
#include "support/command.h"

#include <cairo.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace graphrun::plot {
namespace {

// A decoded PNG, pixel by pixel.
class Image {
 public:
  explicit Image(const std::string& png) : png_(png) {
    surface_ = cairo_image_surface_create_from_png_stream(read, this);
    if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS) return;
    cairo_surface_flush(surface_);
    width_ = cairo_image_surface_get_width(surface_);
    height_ = cairo_image_surface_get_height(surface_);
  }
  ~Image() { cairo_surface_destroy(surface_); }
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;
  bool ok() const { return width_ > 0; }
  int width() const { return width_; }
  int height() const { return height_; }
  uint32_t rgb(int x, int y) const {
    const unsigned char* row = cairo_image_surface_get_data(surface_) + y * cairo_image_surface_get_stride(surface_);
    return reinterpret_cast<const uint32_t*>(row)[x] & 0xffffff;
  }
  bool dark(int x, int y) const {
    const uint32_t c = rgb(x, y);
    return (c >> 16 & 0xff) < 0x60 && (c >> 8 & 0xff) < 0x60 && (c & 0xff) < 0x60;
  }
  // Near the colour `want` (antialiased edges aside).
  bool near(int x, int y, uint32_t want) const {
    const uint32_t c = rgb(x, y);
    for (int s : {0, 8, 16})
      if (std::abs(int(c >> s & 0xff) - int(want >> s & 0xff)) > 24) return false;
    return true;
  }
  int count(int x0, int y0, int x1, int y1, uint32_t want) const {
    int n = 0;
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) n += near(x, y, want);
    return n;
  }

 private:
  static cairo_status_t read(void* closure, unsigned char* data, unsigned int length) {
    auto* self = static_cast<Image*>(closure);
    if (self->offset_ + length > self->png_.size()) return CAIRO_STATUS_READ_ERROR;
    std::memcpy(data, self->png_.data() + self->offset_, length);
    self->offset_ += length;
    return CAIRO_STATUS_SUCCESS;
  }
  std::string png_;
  size_t offset_ = 0;
  cairo_surface_t* surface_ = nullptr;
  int width_ = 0, height_ = 0;
};

constexpr uint32_t kBlue = 0x1f77b4, kOrange = 0xff7f0e;

// Rows where more than half the picture's width is dark: the top and bottom edges of frames.
std::vector<int> frame_rows(const Image& img) {
  std::vector<int> rows;
  for (int y = 0; y < img.height(); ++y) {
    int n = 0;
    for (int x = 0; x < img.width(); ++x) n += img.dark(x, y);
    if (n > img.width() / 2) rows.push_back(y);
  }
  return rows;
}

// Columns dark over most of [y0, y1]: the frame's sides.
std::vector<int> frame_columns(const Image& img, int y0, int y1) {
  std::vector<int> cols;
  for (int x = 0; x < img.width(); ++x) {
    int n = 0;
    for (int y = y0; y <= y1; ++y) n += img.dark(x, y);
    if (n > (y1 - y0) * 9 / 10) cols.push_back(x);
  }
  return cols;
}

TEST(PlotRender, PngHasOnePanelPerOutputWithItsOwnColourAndWholeLabels) {
  // A sine with negative values and a ramp to 190: on one axis the sine would be flat.
  std::vector<TensorData> outputs = {
      f64_tensor({400}, [](int64_t i) { return 1.78 * std::sin(2 * M_PI * double(i) / 200); }),
      f64_tensor({400}, [](int64_t i) { return 190.0 * double(i) / 399; })};
  const std::string png = render_plot({"sine", "ramp"}, outputs, "", PlotFormat::kPng);
  ASSERT_EQ(png.compare(0, 8, "\x89PNG\r\n\x1a\n"), 0);
  Image img(png);
  ASSERT_TRUE(img.ok());
  const std::vector<int> rows = frame_rows(img);
  ASSERT_EQ(rows.size(), 4u) << "two frames, each a top and a bottom edge";
  EXPECT_LT(rows[1], img.height() / 2);
  EXPECT_GT(rows[2], img.height() / 2);
  const std::vector<int> cols = frame_columns(img, rows[0], rows[1]);
  ASSERT_EQ(cols.size(), 2u);
  const int left = cols[0], right = cols[1];
  // Each panel holds its own line, in its own colour, spread over its height.
  EXPECT_GT(img.count(left, rows[0], right, rows[1], kBlue), 300);
  EXPECT_EQ(img.count(left, rows[0], right, rows[1], kOrange), 0);
  EXPECT_GT(img.count(left, rows[2], right, rows[3], kOrange), 300);
  EXPECT_EQ(img.count(left, rows[2], right, rows[3], kBlue), 0);
  const int mid = (rows[0] + rows[1]) / 2;
  EXPECT_GT(img.count(left, rows[0], right, mid, kBlue), 100) << "the sine fills the top half of its panel";
  EXPECT_GT(img.count(left, mid, right, rows[1], kBlue), 100) << "and the bottom half";
  // The sine's y ticks (dark marks just left of the frame), top to bottom 2, 1, 0, -1, -2.
  std::vector<int> ticks;
  for (int y = rows[0]; y <= rows[1]; ++y)
    if (img.dark(left - 3, y) && !img.dark(left - 3, y - 1)) ticks.push_back(y);
  ASSERT_EQ(ticks.size(), 5u);
  // A label's leftmost ink, over the rows of its tick.
  auto label_left = [&](int y) {
    for (int x = 0; x < left - 5; ++x)
      for (int dy = -6; dy <= 6; ++dy)
        if (img.dark(x, y + dy)) return x;
    return -1;
  };
  const int one = label_left(ticks[1]), minus_one = label_left(ticks[3]);
  ASSERT_GT(one, 0);
  EXPECT_GT(minus_one, 0) << "the label of -1 is not cut at the picture's edge";
  EXPECT_LT(minus_one, one - 3) << "the label of -1 has its minus sign left of the 1";
  for (int y = 0; y < img.height(); ++y) EXPECT_FALSE(img.dark(0, y)) << "nothing touches the left edge, row " << y;
}

TEST(PlotRender, ASpikeInALongSeriesStaysVisible) {
  // 200000 values, one spike: drawn through min/max per pixel column it still reaches the top.
  std::vector<TensorData> outputs = {f64_tensor({200000}, [](int64_t i) { return i == 123457 ? 1.0 : 0.0; })};
  Image img(render_plot({"spike"}, outputs, "", PlotFormat::kPng));
  ASSERT_TRUE(img.ok());
  const std::vector<int> rows = frame_rows(img);
  ASSERT_EQ(rows.size(), 2u);
  const int top_quarter = rows[0] + (rows[1] - rows[0]) / 4;
  EXPECT_GT(img.count(0, rows[0] + 1, img.width(), top_quarter, kBlue), 5);
}

TEST(PlotRender, RowsHaveAWholeLegendManyRowsAHeatMap) {
  std::vector<TensorData> outputs = {
      f64_tensor({3, 200}, [](int64_t i) { return double(i / 200) + std::sin(0.05 * double(i % 200)); }),
      f64_tensor({12, 100}, [](int64_t i) { return double(i % 100); })};
  Image img(render_plot({"rows", "heat"}, outputs, "", PlotFormat::kPng));
  ASSERT_TRUE(img.ok());
  const std::vector<int> rows = frame_rows(img);
  ASSERT_EQ(rows.size(), 4u);
  const std::vector<int> cols = frame_columns(img, rows[0], rows[1]);
  ASSERT_EQ(cols.size(), 2u);
  const int right = cols[1];
  // The legend right of the first frame: a swatch of each row's colour, and its text inside the picture.
  for (uint32_t colour : {kBlue, kOrange, uint32_t{0x2ca02c}})
    EXPECT_GT(img.count(right + 2, rows[0], img.width(), rows[1], colour), 10) << std::hex << colour;
  for (int y = 0; y < img.height(); ++y)
    for (int x = img.width() - 3; x < img.width(); ++x)
      EXPECT_TRUE(img.near(x, y, 0xffffff)) << "ink at the right edge: a label cut, column " << x << " row " << y;
  // The heat map: the lowest and highest colours of the scale inside the second frame.
  EXPECT_GT(img.count(cols[0], rows[2], right, rows[3], 0x440154), 100);
  EXPECT_GT(img.count(cols[0], rows[2], right, rows[3], 0xfde725), 100);
}

TEST(PlotRender, SvgIsXml) {
  std::vector<TensorData> outputs = {f64_tensor({400}, [](int64_t i) { return std::sin(0.05 * double(i)) - 0.5; }),
                                     f64_tensor({12, 40}, [](int64_t i) { return i % 7 == 0 ? NAN : double(i); }),
                                     f64_tensor({}, [](int64_t) { return 3.0; })};
  const std::string svg = render_plot({"a<b&c", "heat", "total"}, outputs, "", PlotFormat::kSvg);
  testing::TempDir dir;
  const std::string path = dir.path() + "/p.svg";
  std::ofstream(path, std::ios::binary) << svg;
  const std::string command = std::string(PYTHON3_EXE) +
                              " -c \"import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
                              "assert r.tag == '{http://www.w3.org/2000/svg}svg', r.tag; "
                              "assert int(r.get('width').rstrip('px')) == 900\" " +
                              path;
  EXPECT_EQ(std::system(command.c_str()), 0) << svg.substr(0, 400);
}

// `sweep --plot`: y = x^2 on log-log axes is a straight line (on linear axes it bends), a
// line per row in the cycle's colours, and a value <= 0 on a log axis is left out.
TEST(LineChartRender, LogLogAxesStraightenAPowerLaw) {
  auto straightness = [](bool log) {
    LineChart chart;
    for (int k = 0; k <= 9; ++k) chart.x.push_back(std::pow(10.0, k / 3.0));
    for (double x : chart.x) chart.y.push_back(x * x);
    for (double x : chart.x) chart.y.push_back(x == 1 ? 0 : 5 * x);  // a second row, 0 first
    chart.row_labels = {"a", "b"};
    chart.log_x = chart.log_y = log;
    Image img(render_line_chart(chart, PlotFormat::kPng));
    EXPECT_TRUE(img.ok());
    EXPECT_GT(img.count(0, 0, img.width(), img.height(), kOrange), 50) << "the second row is drawn";
    // The blue line's centre in each pixel column, then its largest distance from the chord.
    std::vector<std::pair<int, double>> centre;
    for (int x = 0; x < img.width() - 150; ++x) {  // left of the legend
      double sum = 0;
      int n = 0;
      for (int y = 0; y < img.height(); ++y)
        if (img.near(x, y, kBlue)) sum += y, ++n;
      if (n) centre.emplace_back(x, sum / n);
    }
    EXPECT_GT(centre.size(), 300u);
    if (centre.size() < 2) return 1e9;
    const auto [x0, y0] = centre.front();
    const auto [x1, y1] = centre.back();
    double worst = 0;
    for (const auto& [x, y] : centre) worst = std::max(worst, std::abs(y - (y0 + (y1 - y0) * (x - x0) / (x1 - x0))));
    return worst;
  };
  EXPECT_LT(straightness(true), 3.0);
  EXPECT_GT(straightness(false), 20.0);
}

}  // namespace
}  // namespace graphrun::plot
