// Graph::to_dot: the graph as Graphviz DOT, written directly (not with Boost's
// write_graphviz) so that a fused group can be drawn as a cluster of its members with the
// real edges going to and from the members, and every edge can carry its port names.
//
// DOT names: "n<i>" for live node i, "n<i>_m<k>" for member k of fused node i (the group's
// own node is not drawn: its last member is its output), "out<k>" for graph output k.
#include "ir/fused_group.h"
#include "ir/graph.h"

#include <string>

namespace graphrun {
namespace {

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string name_of(int node) { return "n" + std::to_string(node); }
std::string member_name(int node, size_t member) { return name_of(node) + "_m" + std::to_string(member); }

// Where a value comes from: the node, or for a fused group its last member (the root, whose
// result is the group's one output).
std::string producer_name(const Graph& g, int node) {
  const Node& n = g.nodes[node];
  return n.kind == NodeKind::kFused ? member_name(node, n.fused->member_ids.size() - 1) : name_of(node);
}

// Output shapes, named when a node has several: "(2, 3)" or "q (2, 2), r (2, 2)".
std::string shapes_text(const Node& n) {
  std::string s;
  for (size_t k = 0; k < n.output_shapes.size(); ++k) {
    if (k) s += ", ";
    if (n.output_shapes.size() > 1 && k < n.output_names.size()) s += n.output_names[k] + " ";
    s += shape_str(n.output_shapes[k]);
  }
  return s;
}

// The label of an edge: the producer's port when it has several outputs, the consumer's
// port when it has several inputs ("q -> b"); "" when neither says anything.
std::string edge_label(const Node& producer, int out_port, const std::string& in_port, bool several_inputs) {
  std::string from = producer.output_names.size() > 1 && out_port >= 0 &&
                             static_cast<size_t>(out_port) < producer.output_names.size()
                         ? producer.output_names[static_cast<size_t>(out_port)]
                         : "";
  std::string to = several_inputs ? in_port : "";
  if (!from.empty() && !to.empty()) return from + " -> " + to;
  return from.empty() ? to : from;
}

// How many inputs a fused group's member has: from other members and from outside.
int member_inputs(const FusedGroup& f, int member) {
  int count = 0;
  for (const auto& [from, to] : f.member_edges) count += to == member;
  for (const auto& uses : f.input_uses)
    for (const auto& use : uses) count += use.first == member;
  return count;
}

void write_edge(std::string& dot, const std::string& from, const std::string& to, const std::string& label) {
  dot += "  " + from + " -> " + to;
  if (!label.empty()) dot += " [label=\"" + dot_escape(label) + "\"]";
  dot += ";\n";
}

}  // namespace

std::string Graph::to_dot() const {
  std::string dot = "digraph \"" + dot_escape(name.empty() ? "graph" : name) + "\" {\n  rankdir=TB;\n";
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (n.removed) continue;
    const int node = static_cast<int>(i);
    if (n.kind == NodeKind::kFused) {
      const FusedGroup& f = *n.fused;
      dot += "  subgraph cluster_" + name_of(node) + " {\n    label=\"" +
             dot_escape(n.id + " (fused)") +
             "\";\n    style=dashed;\n";
      for (size_t m = 0; m < f.member_ids.size(); ++m) {
        std::string label = f.member_ids[m] + "\n" + f.member_ops[m];
        if (m + 1 == f.member_ids.size()) label += "\n" + shapes_text(n);
        else if (m < f.member_shapes.size()) label += "\n" + shape_str(f.member_shapes[m]);
        dot += "    " + member_name(node, m) + " [label=\"" + dot_escape(label) + "\", shape=box";
        if (m + 1 == f.member_ids.size()) dot += ", style=filled, fillcolor=lightyellow";
        dot += "];\n";
      }
      // A member's port is named when it has several inputs, from members or from outside.
      for (size_t e = 0; e < f.member_edges.size(); ++e) {
        const auto [from, to] = f.member_edges[e];
        const bool several = member_inputs(f, to) > 1;
        const std::string port = several && e < f.member_edge_ports.size() ? f.member_edge_ports[e] : "";
        dot += "  ";  // inside the cluster
        write_edge(dot, member_name(node, static_cast<size_t>(from)), member_name(node, static_cast<size_t>(to)),
                   port);
      }
      dot += "  }\n";
      continue;
    }
    std::string label = n.id + "\n" + (n.kind == NodeKind::kInput ? std::string("input") : n.op->desc.name);
    if (n.epilogue) {
      label += " + ";
      for (size_t m = 0; m < n.epilogue->member_ops.size(); ++m) label += (m ? ", " : "") + n.epilogue->member_ops[m];
    }
    if (!n.output_shapes.empty()) label += "\n" + shapes_text(n);
    dot += "  " + name_of(node) + " [label=\"" + dot_escape(label) +
           "\", shape=" + (n.kind == NodeKind::kInput ? "ellipse" : "box") + "];\n";
  }
  // Edges between nodes: into a fused group, to each member that reads the value.
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (n.removed) continue;
    const int node = static_cast<int>(i);
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const ValueRef& in = n.inputs[k];
      if (in.node < 0 || nodes[in.node].removed) continue;
      const std::string from = producer_name(*this, in.node);
      if (n.kind == NodeKind::kFused) {
        if (k >= n.fused->input_uses.size()) continue;
        for (const auto& [member, port] : n.fused->input_uses[k])
          write_edge(dot, from, member_name(node, static_cast<size_t>(member)),
                     edge_label(nodes[in.node], in.port, port, member_inputs(*n.fused, member) > 1));
      } else {
        write_edge(dot, from, name_of(node),
                   edge_label(nodes[in.node], in.port, k < n.input_ports.size() ? n.input_ports[k] : "",
                              n.inputs.size() > 1));
      }
    }
  }
  // Named graph outputs as plain-text sinks.
  for (size_t k = 0; k < outputs.size(); ++k) {
    const ValueRef& ref = outputs[k].second;
    if (ref.node < 0 || nodes[ref.node].removed) continue;
    const std::string out = "out" + std::to_string(k);
    dot += "  " + out + " [label=\"" + dot_escape(outputs[k].first) + "\", shape=plaintext];\n";
    write_edge(dot, producer_name(*this, ref.node), out, edge_label(nodes[ref.node], ref.port, "", false));
  }
  return dot + "}\n";
}

}  // namespace graphrun
