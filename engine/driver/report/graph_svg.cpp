#include "driver/report/run_report.h"

#include "graph/diagnostics.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <memory>
#include <mutex>

namespace graphrun::report {

std::string graph_svg(const Graph& graph) {
  // Graphviz keeps global state (its plugin list, error buffers): one layout at a time.
  static std::mutex graphviz;
  std::lock_guard lock(graphviz);
  const std::string dot = graph.to_dot();
  std::unique_ptr<GVC_t, int (*)(GVC_t*)> context(gvContext(), gvFreeContext);
  std::unique_ptr<Agraph_t, int (*)(Agraph_t*)> g(agmemread(dot.c_str()), agclose);
  if (!context || !g) throw RunError("--report: Graphviz could not read the graph's DOT text");
  if (gvLayout(context.get(), g.get(), "dot") != 0) throw RunError("--report: Graphviz could not lay out the graph");
  char* data = nullptr;
  unsigned int length = 0;
  const int rendered = gvRenderData(context.get(), g.get(), "svg", &data, &length);
  std::string svg = rendered == 0 && data ? std::string(data, length) : std::string();
  if (data) gvFreeRenderData(data);
  gvFreeLayout(context.get(), g.get());
  if (svg.empty()) throw RunError("--report: Graphviz could not draw the graph as SVG");
  return svg;
}

}  // namespace graphrun::report
