// `graphrun run --report FILE.html`: one self-contained page about a run, to open offline in
// any browser or attach to a message: the graph drawn with its fusion groups (Graphviz,
// in-process), the per-node profile, and each output's plot and summary. No script, no
// external file: every picture is inline SVG.
#pragma once

#include "scheduler/executor.h"

#include <string>
#include <vector>

namespace graphrun::report {

struct RunReport {
  const Graph* graph = nullptr;  // after the passes
  const Executor* executor = nullptr;
  std::vector<StepRecord> records;  // the reported run's steps
  uint64_t peak_bytes = 0;
  std::vector<std::string> names;
  std::vector<TensorData> outputs;
  std::string plot_x;  // as --plot-x; empty: the index
  std::string command;  // the command line, for the page's header
};

/// The page's HTML.
std::string run_report_html(const RunReport& report);

/// The graph's DOT (Graph::to_dot) laid out by Graphviz's dot as SVG; throws RunError when
/// Graphviz cannot lay it out.
std::string graph_svg(const Graph& graph);

}  // namespace graphrun::report
