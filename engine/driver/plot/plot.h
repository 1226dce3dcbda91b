// `graphrun run --plot FILE [--plot-x NAME]`: the outputs of a run as a picture for a report,
// one panel per output (small multiples), drawn once through cairo onto an SVG or a PNG.
#pragma once

#include "ir/graph.h"
#include "scheduler/executor.h"

#include <optional>
#include <string>
#include <vector>

namespace graphrun::plot {

enum class PlotFormat { kSvg, kPng };

/// The format a plot file's extension asks for (case-insensitive .svg or .png; no extension,
/// as /dev/stdout, is SVG); nullopt for any other extension.
std::optional<PlotFormat> plot_format(const std::string& path);

/// Throws UsageError unless `x_name` can be the x axis of the plot of these outputs: one of
/// them, with its values along one axis, as long as the last axis of every other output
/// drawn. Shapes with an unknown (-1) axis are not judged. Nothing to check for an empty name.
void check_plot_x(const std::vector<std::string>& names, const std::vector<Shape>& shapes, const std::string& x_name);

/// The plot file's bytes: every output of rank >= 1 as a panel (a 1-D output as a line, a
/// 2-D output as one line per row up to 8 rows or else a heat map, higher ranks with their
/// leading axes taken as rows), against its index or against the output `x_name` (checked
/// as check_plot_x does); outputs of one element listed as "name = value" under them.
std::string render_plot(const std::vector<std::string>& names, const std::vector<TensorData>& outputs,
                        const std::string& x_name, PlotFormat format);

/// One value against another, as `graphrun sweep --plot` draws it: a line per row of `y`.
struct LineChart {
  std::string title, x_title, y_title;
  std::vector<double> x;                 // the x value of each column, increasing
  std::vector<double> y;                 // rows of x.size() values, row-major (NaN: none)
  std::vector<std::string> row_labels;   // the legend: one entry per row (one row: no legend)
  bool log_x = false, log_y = false;     // log-scale axes (decade ticks); values <= 0 not drawn
};

/// The plot file's bytes for `chart`.
std::string render_line_chart(const LineChart& chart, PlotFormat format);

}  // namespace graphrun::plot
