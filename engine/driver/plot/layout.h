// What a plot shows, before any drawing: its panels, each with the series it draws and the
// ranges of its axes, and the footer's lines (scalars, outputs not drawn).
#pragma once

#include "driver/plot/ticks.h"
#include "scheduler/executor.h"

#include <string>
#include <vector>

namespace graphrun::plot {

/// Rows up to which a 2-D output is drawn as lines; more rows make a heat map.
constexpr int64_t kMaxLineRows = 8;
/// Panels in one picture; further outputs are named in the footer.
constexpr size_t kMaxPanels = 32;

/// Values of a tensor as doubles, row-major.
struct Values {
  const TensorData* tensor = nullptr;
  int64_t size = 0;
  double operator[](int64_t i) const;
};

enum class PanelKind { kLines, kHeatMap };

/// One output's panel: `rows` series of `cols` values each (row r at offset r * cols).
struct Panel {
  std::string name;
  std::string title;  // name, dtype, shape, how it is drawn, non-finite values left out
  PanelKind kind = PanelKind::kLines;
  Values values;
  int64_t rows = 1, cols = 0;
  Axis x, y;  // y: the values (lines) or the rows (heat map)
  Axis color;  // heat map: the values
  std::vector<std::string> row_labels;  // the legend's entry for each row ("row r" when empty)
  bool markers = false;  // a dot at each value: a few measured points rather than a series
};

struct PlotLayout {
  std::vector<Panel> panels;
  std::vector<std::string> footer;  // as shown: "name = value" with a real minus sign
  Values x;  // the --plot-x output; tensor null: the index
  std::string x_title;
};

/// The panels and footer of the plot of `outputs` (check_plot_x's rules for `x_name`).
PlotLayout plan_plot(const std::vector<std::string>& names, const std::vector<TensorData>& outputs,
                     const std::string& x_name);

struct LineChart;
/// The one panel of a LineChart; `x` and `y` hold the chart's values as tensors and must
/// outlive the layout.
PlotLayout plan_line_chart(const LineChart& chart, const TensorData& x, const TensorData& y);

/// Significant digits a label of this dtype may carry: 7 (f32) or 15 (f64).
int max_digits(gr_dtype dtype);

}  // namespace graphrun::plot
