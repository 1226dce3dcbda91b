#include "passes/infer_shapes.h"

#include "expr/expr.h"
#include "ir/node_call.h"
#include "plugin_host/declared_outputs.h"
#include "text/did_you_mean.h"

#include <unistd.h>

#include <cmath>
#include <cstring>

namespace graphrun {
namespace {

// Physical memory, the bound beyond which a tensor is refused before allocating.
uint64_t physical_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : UINT64_MAX;
}

std::string human_bytes(long double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (b >= 1024 && u < 6) b /= 1024, ++u;
  char s[64];
  std::snprintf(s, sizeof s, "%.1Lf %s", b, units[u]);
  return s;
}

long double exact_bytes(const Shape& shape, gr_dtype dtype) {
  long double n = dtype == GR_F64 ? 8 : 4;
  for (auto d : shape) n *= static_cast<long double>(d);
  return n;
}

// Resolves input i of node (its port reference) against the producer's outputs.
bool resolve_port(Graph& g, Node& node, size_t i, DiagnosticSink& sink) {
  ValueRef& r = node.inputs[i];
  const Node& producer = g.nodes[r.node];
  const std::string& port = node.input_ref_ports[i];
  r.port = port.empty() ? 0 : producer.output_index(port);
  if (r.port >= 0 && r.port < static_cast<int>(producer.output_shapes.size())) return true;
  std::string list;
  for (const auto& n : producer.output_names) list += (list.empty() ? "" : ", ") + n;
  sink.error(node.input_locs[i], "node '" + node.id + "': '" + producer.id + "' has no output '" + port +
                                     "' (its outputs: " + list + ")" + text::did_you_mean(port, producer.output_names));
  return false;
}

void infer_elementwise(const Graph& g, Node& node, DiagnosticSink& sink) {
  Shape shape;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const Shape& in = g.nodes[node.inputs[i].node].output_shapes[node.inputs[i].port];
    try {
      shape = expr::broadcast_shapes(shape, in);
    } catch (const std::invalid_argument&) {
      std::string earlier;
      for (size_t k = 0; k < i; ++k)
        earlier += (k ? ", " : "") + node.input_ports[k] + " " +
                   shape_str(g.nodes[node.inputs[k].node].output_shapes[node.inputs[k].port]);
      sink.error(node.input_locs[i], "node '" + node.id + "': input '" + node.input_ports[i] + "' of shape " +
                                         shape_str(in) + " does not broadcast with " + earlier);
      return;
    }
  }
  try {
    elementwise_formula(g, node);  // reports formula errors at their column
  } catch (const GraphError& e) {
    for (const auto& d : e.diagnostics()) sink.error(d.loc, d.message);
    return;
  }
  node.output_names = {node.op->desc.num_outputs > 0 ? node.op->desc.outputs[0]->name : "out"};
  node.output_shapes = {shape};
}

void infer_op(const Graph& g, Node& node, DiagnosticSink& sink) {
  if (!node.op->desc.infer) {
    infer_elementwise(g, node, sink);
    return;
  }
  NodeCall call(g, node);
  gr_outputs outs;
  gr_status status{};
  status.offset = -1;
  int rc = node.op->desc.infer(node.op->desc.user, &call.node(), &outs, &status);
  if (rc != GR_OK && rc != GR_USER_ERROR)  // the plugin failed, not the graph
    throw RunError(plugin_fault(node, "infer failed: " + std::string(status.message)));
  if (rc != GR_OK) {
    SourceLoc loc = node.loc;
    // A plugin's strings are read within their arrays, terminated or not.
    const std::string attr(status.attr, strnlen(status.attr, sizeof status.attr));
    const std::string message(status.message, strnlen(status.message, sizeof status.message));
    if (!attr.empty()) {
      // The attribute the node writes, else the connected port, else the attribute's default.
      int a = node.attrs->index(attr);
      auto entry = node.attrs->entry_locs.find(attr);
      auto port = std::find(node.input_ports.begin(), node.input_ports.end(), attr);
      if (a >= 0 && node.attrs->given[a]) {
        loc = node.attrs->locs[a];
        if (status.offset >= 0) loc.col += status.offset + (node.attrs->quoted[a] ? 1 : 0);
      } else if (entry != node.attrs->entry_locs.end()) {
        loc = entry->second.first;
        if (status.offset >= 0) loc.col += status.offset + (entry->second.second ? 1 : 0);
      } else if (port != node.input_ports.end()) {
        loc = node.input_locs[port - node.input_ports.begin()];
      } else if (a >= 0) {
        loc = node.attrs->locs[a];
      }
    }
    sink.error(loc, "node '" + node.id + "': " + message);
    return;
  }
  const bool dynamic = (node.op->desc.flags & GR_OP_DYNAMIC_OUTPUTS) != 0;
  const int declared = node.op->desc.num_outputs, count = static_cast<int>(outs.tensors.size());
  if (dynamic ? count == 0 : count != declared)
    throw RunError(plugin_fault(node, "infer declared " + std::to_string(count) + " outputs, the op has " +
                                          (dynamic ? "dynamic outputs (at least 1)" : std::to_string(declared))));
  node.output_names.clear();
  node.output_shapes.clear();
  for (int k = 0; k < count; ++k) {
    std::string name = outs.names[k];
    if (name.empty()) name = k < declared ? node.op->desc.outputs[k]->name : "out" + std::to_string(k);
    if (std::find(node.output_names.begin(), node.output_names.end(), name) != node.output_names.end())
      throw RunError(plugin_fault(node, "infer declared two outputs named '" + name + "'"));
    node.output_names.push_back(name);
    node.output_shapes.emplace_back(outs.tensors[k].shape, outs.tensors[k].shape + outs.tensors[k].rank);
  }
}

}  // namespace

bool infer_shapes(Graph& g, const std::map<int, Shape>& input_shapes, DiagnosticSink& sink, bool check_memory) {
  std::vector<int> order;
  try {
    order = g.topo_order();
  } catch (const GraphError& e) {
    for (const auto& d : e.diagnostics()) sink.error(d.loc, d.message);
    return false;
  }
  const uint64_t memory = physical_memory_bytes();
  std::vector<bool> known(g.nodes.size(), false);
  bool all = true;
  for (int i : order) {
    Node& node = g.nodes[i];
    if (node.invalid) {
      all = false;
      continue;
    }
    if (node.kind == NodeKind::kInput) {
      auto it = input_shapes.find(i);
      Shape shape = it != input_shapes.end() ? it->second : g.input_specs[i];
      // Every gr_tensor holds at most GR_MAX_RANK sizes: a larger rank would be read past them.
      if (shape.size() > GR_MAX_RANK) {
        sink.error(node.loc, "input '" + node.id + "' has shape " + shape_str(shape) + ": tensors have at most " +
                                 std::to_string(GR_MAX_RANK) + " axes");
        all = false;
        continue;
      }
      node.output_shapes = {shape};
      known[i] = std::none_of(shape.begin(), shape.end(), [](int64_t d) { return d < 0; });
      all = all && known[i];
      continue;
    }
    if (!node.op || node.kind != NodeKind::kOp) {
      all = all && node.kind == NodeKind::kFused;
      known[i] = node.kind == NodeKind::kFused;
      continue;
    }
    bool ready = true;
    for (size_t k = 0; k < node.inputs.size(); ++k)
      ready = ready && known[node.inputs[k].node] && resolve_port(g, node, k, sink);
    if (!ready) {
      all = false;
      continue;
    }
    DiagnosticSink local;
    infer_op(g, node, local);
    if (!local.empty()) {
      for (const auto& d : local.diagnostics()) sink.error(d.loc, d.message);
      all = false;
      continue;
    }
    known[i] = true;
    for (size_t k = 0; k < node.output_shapes.size(); ++k) {
      long double bytes = exact_bytes(node.output_shapes[k], g.dtype);
      if (check_memory && bytes > static_cast<long double>(memory)) {
        sink.error(node.loc, "node '" + node.id + "': output '" + node.output_names[k] + "' of shape " +
                                 shape_str(node.output_shapes[k]) + " needs " + human_bytes(bytes) +
                                 ", more than this machine's memory (" + human_bytes(memory) + ")");
        known[i] = false;
        all = false;
      }
    }
  }
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    ValueRef& r = g.outputs[k].second;
    const Node& producer = g.nodes[r.node];
    // A graph input with a -1 axis has its (partly unknown) shape already: its port is known.
    if (!known[r.node] && producer.output_shapes.empty()) continue;
    const std::string& port = g.output_ref_ports[k];
    r.port = port.empty() ? 0 : producer.output_index(port);
    if (r.port < 0)
      sink.error(g.output_locs[k], "output '" + g.outputs[k].first + "': '" + producer.id + "' has no output '" +
                                       port + "'" + text::did_you_mean(port, producer.output_names));
  }
  return all && sink.empty();
}

}  // namespace graphrun
