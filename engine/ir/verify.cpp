#include "ir/verify.h"

#include "ir/fused_group.h"

#include <string>
#include <unordered_map>

namespace graphrun {
namespace {

class Verifier {
 public:
  Verifier(const Graph& g, std::string_view after, VerifyStage stage) : g_(g), after_(after), stage_(stage) {
    for (size_t i = 0; i < g.nodes.size(); ++i) index_of_id_.emplace(g.nodes[i].id, static_cast<int>(i));
  }

  void run() {
    for (size_t i = 0; i < g_.nodes.size(); ++i)
      if (!g_.nodes[i].removed) check_node(static_cast<int>(i));
    check_outputs();
    check_input_specs();
    try {
      g_.topo_order();
    } catch (const GraphError& e) {
      fail("the graph is acyclic", e.what());
    }
  }

 private:
  [[noreturn]] void fail(std::string_view invariant, const std::string& detail) const {
    throw InternalError("after " + std::string(after_) + ": broken invariant '" + std::string(invariant) +
                        "': " + detail);
  }

  std::string name(int i) const { return "node '" + g_.nodes[static_cast<size_t>(i)].id + "'"; }

  bool inferred(const Node& n) const {
    return stage_ == VerifyStage::kInferred || !n.output_shapes.empty() || n.output_names.empty();
  }

  void check_node(int i) {
    const Node& n = g_.nodes[static_cast<size_t>(i)];
    if (n.invalid) fail("no node with reported errors survives loading", name(i) + " is marked invalid");
    if (n.input_ports.size() != n.inputs.size() || n.input_locs.size() != n.inputs.size() ||
        n.input_ref_ports.size() != n.inputs.size())
      fail("a node's input lists are parallel",
           name(i) + " has " + std::to_string(n.inputs.size()) + " inputs, " + std::to_string(n.input_ports.size()) +
               " port names, " + std::to_string(n.input_locs.size()) + " locations, " +
               std::to_string(n.input_ref_ports.size()) + " referenced ports");
    switch (n.kind) {
      case NodeKind::kInput:
        if (!n.inputs.empty()) fail("graph inputs have no inputs", name(i) + " has " + std::to_string(n.inputs.size()));
        break;
      case NodeKind::kOp:
        if (!n.op || !n.attrs) fail("op nodes have their op and attributes", name(i) + " lacks them");
        break;
      case NodeKind::kFused:
        if (!n.fused) fail("fused nodes have a group", name(i) + " has none");
        check_group(i, *n.fused, n.inputs.size(), "fused group");
        break;
    }
    if (n.epilogue) check_group(i, *n.epilogue, 1, "epilogue");
    check_shapes(i, n);
    for (size_t k = 0; k < n.inputs.size(); ++k) check_input(i, n, k);
  }

  void check_group(int i, const FusedGroup& f, size_t operands, const char* what) {
    const std::string where = name(i) + "'s " + what;
    if (!f.program || f.formulas.empty()) fail("fused groups have a compiled formula", where + " has none");
    if (f.variables.size() != operands)
      fail("a fused group has one variable per operand", where + " has " + std::to_string(f.variables.size()) +
                                                             " variables for " + std::to_string(operands) + " operands");
    if (f.member_ids.empty() || f.member_ops.size() != f.member_ids.size())
      fail("fused groups list their members", where + " has " + std::to_string(f.member_ids.size()) + " ids and " +
                                                  std::to_string(f.member_ops.size()) + " ops");
    for (const auto& id : f.member_ids)
      if (!index_of_id_.count(id)) fail("fused groups reference existing members", where + " names unknown node '" + id + "'");
    for (const auto& [from, to] : f.member_edges)
      if (from < 0 || to < 0 || static_cast<size_t>(from) >= f.member_ids.size() ||
          static_cast<size_t>(to) >= f.member_ids.size())
        fail("fused groups reference existing members",
             where + " has an edge " + std::to_string(from) + " -> " + std::to_string(to) + " outside its " +
                 std::to_string(f.member_ids.size()) + " members");
  }

  void check_shapes(int i, const Node& n) {
    if (!n.output_shapes.empty() && n.output_shapes.size() != n.output_names.size())
      fail("every output has a name and a shape", name(i) + " has " + std::to_string(n.output_names.size()) +
                                                      " names and " + std::to_string(n.output_shapes.size()) + " shapes");
    if (stage_ == VerifyStage::kInferred && n.output_shapes.size() != n.output_names.size())
      fail("every live node is inferred", name(i) + " has no shapes");
    // Only a graph input not yet given, after loading, may keep a -1 ("any size") axis.
    const int64_t smallest = n.kind == NodeKind::kInput && stage_ == VerifyStage::kLoaded ? -1 : 0;
    for (size_t k = 0; k < n.output_shapes.size(); ++k) {
      const Shape& s = n.output_shapes[k];
      if (s.size() > GR_MAX_RANK)
        fail("ranks are 0 to 8", name(i) + " output " + std::to_string(k) + " has shape " + shape_str(s));
      for (int64_t d : s)
        if (d < smallest)
          fail("inferred sizes are non-negative", name(i) + " output " + std::to_string(k) + " has shape " + shape_str(s));
    }
  }

  void check_input(int i, const Node& n, size_t k) {
    const ValueRef& r = n.inputs[k];
    const std::string where = name(i) + " input " + std::to_string(k) + " ('" + n.input_ports[k] + "')";
    if (r.node < 0 || static_cast<size_t>(r.node) >= g_.nodes.size())
      fail("inputs refer to existing nodes", where + " refers to node index " + std::to_string(r.node));
    const Node& p = g_.nodes[static_cast<size_t>(r.node)];
    if (p.removed) fail("inputs refer to live nodes", where + " refers to removed " + name(r.node));
    if (!inferred(n)) return;  // its ports are resolved by inference
    if (r.port < 0 || static_cast<size_t>(r.port) >= p.output_shapes.size())
      fail("inputs refer to existing ports", where + " refers to output " + std::to_string(r.port) + " of " +
                                                 name(r.node) + ", which has " +
                                                 std::to_string(p.output_shapes.size()));
  }

  void check_outputs() {
    if (g_.output_ref_ports.size() != g_.outputs.size() || g_.output_locs.size() != g_.outputs.size())
      fail("the graph's output lists are parallel", std::to_string(g_.outputs.size()) + " outputs, " +
                                                         std::to_string(g_.output_ref_ports.size()) + " ports, " +
                                                         std::to_string(g_.output_locs.size()) + " locations");
    for (const auto& [output, r] : g_.outputs) {
      const std::string where = "output '" + output + "'";
      if (r.node < 0 || static_cast<size_t>(r.node) >= g_.nodes.size())
        fail("outputs refer to existing values", where + " refers to node index " + std::to_string(r.node));
      const Node& p = g_.nodes[static_cast<size_t>(r.node)];
      if (p.removed) fail("outputs refer to existing values", where + " refers to removed " + name(r.node));
      if (!p.output_shapes.empty() && (r.port < 0 || static_cast<size_t>(r.port) >= p.output_shapes.size()))
        fail("outputs refer to existing values", where + " refers to output " + std::to_string(r.port) + " of " +
                                                      name(r.node) + ", which has " +
                                                      std::to_string(p.output_shapes.size()));
      if (stage_ == VerifyStage::kInferred && p.output_shapes.empty())
        fail("outputs refer to existing values", where + " refers to " + name(r.node) + ", which has no shapes");
    }
  }

  void check_input_specs() {
    for (const auto& [i, shape] : g_.input_specs)
      if (i < 0 || static_cast<size_t>(i) >= g_.nodes.size() || g_.nodes[static_cast<size_t>(i)].kind != NodeKind::kInput)
        fail("input specs belong to graph inputs", "a spec for node index " + std::to_string(i));
  }

  const Graph& g_;
  std::string_view after_;
  VerifyStage stage_;
  std::unordered_map<std::string, int> index_of_id_;
};

}  // namespace

void verify(const Graph& graph, std::string_view after, VerifyStage stage) { Verifier(graph, after, stage).run(); }

}  // namespace graphrun
