#include "passes/prune_unused.h"

#include "passes/pass_context.h"

namespace graphrun {

std::vector<int> unused_nodes(const Graph& graph) {
  // Backwards from the outputs over input edges; whatever is not reached is unused.
  std::vector<bool> used(graph.nodes.size(), false);
  std::vector<int> pending;
  for (const auto& [name, ref] : graph.outputs)
    if (ref.node >= 0) pending.push_back(ref.node);
  while (!pending.empty()) {
    const int v = pending.back();
    pending.pop_back();
    if (used[v]) continue;
    used[v] = true;
    for (const auto& in : graph.nodes[v].inputs)
      if (in.node >= 0 && !used[in.node]) pending.push_back(in.node);
  }
  std::vector<int> unused;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    if (!used[i] && !n.removed && n.kind != NodeKind::kInput) unused.push_back(static_cast<int>(i));
  }
  return unused;
}

void prune_unused(Graph& graph) {
  for (int v : unused_nodes(graph)) graph.nodes[v].removed = true;
}

std::vector<Diagnostic> unused_node_warnings(const Graph& graph) {
  std::vector<Diagnostic> warnings;
  for (int v : unused_nodes(graph)) {
    const Node& n = graph.nodes[v];
    const std::string op = n.kind == NodeKind::kFused ? "fused" : n.op ? n.op->desc.name : "?";
    warnings.push_back({n.loc, "warning: node '" + n.id + "' (" + op + ") reaches no output: it does not run"});
  }
  return warnings;
}

void run_prune_unused(Graph& graph, const PassContext&) { prune_unused(graph); }

}  // namespace graphrun
