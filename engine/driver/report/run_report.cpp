#include "driver/report/run_report.h"

#include "driver/plot/plot.h"
#include "driver/report.h"

#include <fmt/format.h>

#include <ctime>
#include <sstream>

namespace graphrun::report {
namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// An SVG document as an element to put inline: without its XML declaration and DOCTYPE.
std::string inline_svg(const std::string& svg) {
  const size_t start = svg.find("<svg");
  return start == std::string::npos ? svg : svg.substr(start);
}

std::string profile_table(const RunReport& r) {
  const auto& steps = r.executor->steps();
  std::vector<int64_t> ns(steps.size(), 0);
  for (const StepRecord& rec : r.records)
    if (rec.step >= 0 && static_cast<size_t>(rec.step) < ns.size()) ns[rec.step] += rec.end_ns - rec.start_ns;
  int64_t total = 0;
  for (int64_t t : ns) total += t;
  std::ostringstream os;
  os << "<table class=\"profile\"><thead><tr><th>node</th><th>op</th><th>time ms</th><th>share</th>"
        "<th>bytes</th><th>GB/s</th></tr></thead><tbody>\n";
  for (size_t i = 0; i < steps.size(); ++i) {
    const double ms = static_cast<double>(ns[i]) / 1e6;
    const double share = total > 0 ? 100.0 * static_cast<double>(ns[i]) / static_cast<double>(total) : 0.0;
    const double gbs = ns[i] > 0 ? static_cast<double>(steps[i].bytes_moved) / static_cast<double>(ns[i]) : 0.0;
    os << fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"n\">{:.3f}</td><td><span class=\"bar\" style=\"width:{:.0f}px\">"
        "</span> {:.1f}%</td><td class=\"n\">{}</td><td class=\"n\">{:.2f}</td></tr>\n",
        escape(steps[i].label), escape(steps[i].op), ms, share * 1.5, share, steps[i].bytes_moved, gbs);
  }
  os << fmt::format("</tbody></table>\n<p>total {:.3f} ms over {} steps on {} threads; peak tensor memory {} bytes "
                    "({:.1f} MiB)</p>\n",
                    static_cast<double>(total) / 1e6, steps.size(), r.executor->threads(), r.peak_bytes,
                    static_cast<double>(r.peak_bytes) / (1024.0 * 1024.0));
  return os.str();
}

constexpr const char* kStyle = R"(
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.meta { color: #666; } pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; border-bottom: 1px solid #eee; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: inline-block; height: 10px; background: #4e79a7; vertical-align: middle; }
figure { margin: 0; } svg { max-width: 100%; height: auto; }
)";

}  // namespace

std::string run_report_html(const RunReport& r) {
  const Graph& g = *r.graph;
  std::ostringstream os;
  const std::time_t now = std::time(nullptr);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  os << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>graphrun: " << escape(g.name)
     << "</title>\n<style>" << kStyle << "</style></head><body>\n";
  os << "<h1>" << escape(g.name) << "</h1>\n<p class=\"meta\">" << escape(g.file) << " · "
     << (g.dtype == GR_F64 ? "f64" : "f32") << " · run " << when << "</p>\n";
  if (!g.doc.empty()) os << "<p>" << escape(g.doc) << "</p>\n";
  if (!r.command.empty()) os << "<pre>" << escape(r.command) << "</pre>\n";

  os << "<h2 id=\"outputs\">Outputs</h2>\n<pre class=\"summary\">";
  for (size_t k = 0; k < r.outputs.size(); ++k) os << escape(format_output(r.names[k], r.outputs[k])) << "\n";
  os << "</pre>\n<figure id=\"plots\">"
     << inline_svg(plot::render_plot(r.names, r.outputs, r.plot_x, plot::PlotFormat::kSvg)) << "</figure>\n";

  os << "<h2 id=\"graph\">Graph</h2>\n<p>After the passes: fused elementwise groups are the dashed clusters.</p>\n"
     << "<figure id=\"graph-drawing\">" << inline_svg(graph_svg(g)) << "</figure>\n";

  os << "<h2 id=\"profile\">Profile</h2>\n" << profile_table(r);
  os << "</body></html>\n";
  return os.str();
}

}  // namespace graphrun::report
