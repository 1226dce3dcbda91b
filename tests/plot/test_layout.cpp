// What a plot shows: one panel per output, rows or a heat map, scalars in the footer, the
// --plot-x output as every panel's x axis.
#include "driver/plot/layout.h"
#include "driver/plot/plot.h"
#include "graph/diagnostics.h"
#include "plot/plot_data.h"

#include <gtest/gtest.h>

#include <cmath>

namespace graphrun::plot {
namespace {

TEST(PlotLayout, OnePanelPerOutputScalarsInTheFooter) {
  std::vector<TensorData> outputs = {f64_tensor({100}, [](int64_t i) { return std::sin(0.1 * double(i)); }),
                                     f64_tensor({}, [](int64_t) { return -1.78; }),
                                     f64_tensor({3, 50}, [](int64_t i) { return double(i); })};
  PlotLayout layout = plan_plot({"wave", "err", "grid"}, outputs, "");
  ASSERT_EQ(layout.panels.size(), 2u);
  EXPECT_EQ(layout.panels[0].name, "wave");
  EXPECT_EQ(layout.panels[1].rows, 3);
  EXPECT_EQ(layout.panels[1].cols, 50);
  EXPECT_EQ(layout.panels[1].kind, PanelKind::kLines);
  EXPECT_EQ(layout.footer, std::vector<std::string>{"err = \u22121.78"});
  EXPECT_EQ(layout.x_title, "index");
  EXPECT_EQ(layout.panels[0].x.lo, 0);
  EXPECT_EQ(layout.panels[0].x.hi, 99);
}

TEST(PlotLayout, HigherRanksAreRowsManyRowsAHeatMap) {
  std::vector<TensorData> outputs = {f64_tensor({2, 4, 300}, [](int64_t i) { return double(i % 300); }),
                                     f64_tensor({20, 30}, [](int64_t i) { return double(i); })};
  PlotLayout layout = plan_plot({"w", "h"}, outputs, "");
  ASSERT_EQ(layout.panels.size(), 2u);
  EXPECT_EQ(layout.panels[0].rows, 8);
  EXPECT_EQ(layout.panels[0].kind, PanelKind::kLines);
  EXPECT_NE(layout.panels[0].title.find("(2, 4, 300), leading axes as 8 rows"), std::string::npos)
      << layout.panels[0].title;
  EXPECT_EQ(layout.panels[1].kind, PanelKind::kHeatMap);
  EXPECT_NE(layout.panels[1].title.find("heat map"), std::string::npos);
}

TEST(PlotLayout, NonFiniteValuesAreCountedAndLeftOutOfTheRange) {
  std::vector<TensorData> outputs = {f64_tensor({10}, [](int64_t i) {
    return i == 3 ? NAN : i == 5 ? INFINITY : double(i);
  })};
  PlotLayout layout = plan_plot({"y"}, outputs, "");
  ASSERT_EQ(layout.panels.size(), 1u);
  EXPECT_NE(layout.panels[0].title.find("2 NaN/inf not drawn"), std::string::npos) << layout.panels[0].title;
  EXPECT_LE(layout.panels[0].y.hi, 10);
}

TEST(PlotLayout, PlotXIsTheXAxisAndNotAPanel) {
  std::vector<TensorData> outputs = {f64_tensor({50}, [](int64_t i) { return 0.5 * double(i); }),
                                     f64_tensor({2, 50}, [](int64_t i) { return double(i); })};
  PlotLayout layout = plan_plot({"time", "y"}, outputs, "time");
  ASSERT_EQ(layout.panels.size(), 1u);
  EXPECT_EQ(layout.panels[0].name, "y");
  EXPECT_EQ(layout.x_title, "time");
  EXPECT_EQ(layout.panels[0].x.lo, 0);
  EXPECT_EQ(layout.panels[0].x.hi, 24.5);
}

TEST(PlotLayout, PlotXMustMatchTheLastAxis) {
  std::vector<std::string> names = {"time", "y", "total"};
  try {
    check_plot_x(names, {{50}, {2, 40}, {}}, "time");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'y' has shape (2, 40)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'time' has shape (50,)"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(check_plot_x(names, {{40}, {2, 40}, {}}, "time"));
  EXPECT_NO_THROW(check_plot_x(names, {{-1}, {2, 40}, {}}, "time")) << "unknown shapes are judged after the run";
  EXPECT_THROW(check_plot_x(names, {{40}, {2, 40}, {}}, "tme"), UsageError);
  EXPECT_THROW(check_plot_x(names, {{4, 10}, {2, 40}, {}}, "time"), UsageError);
  EXPECT_THROW(check_plot_x(names, {{40}, {2, 40}, {}}, "total"), UsageError);
}

TEST(PlotLayout, FormatFromTheExtension) {
  EXPECT_EQ(plot_format("a.svg"), PlotFormat::kSvg);
  EXPECT_EQ(plot_format("a.SVG"), PlotFormat::kSvg);
  EXPECT_EQ(plot_format("a.Png"), PlotFormat::kPng);
  EXPECT_EQ(plot_format("/dev/stdout"), PlotFormat::kSvg);
  EXPECT_EQ(plot_format("a.pdf"), std::nullopt);
}

}  // namespace
}  // namespace graphrun::plot
