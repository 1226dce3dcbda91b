#include "passes/fuse_elementwise.h"

#include "ir/fused_group.h"
#include "ir/node_call.h"
#include "passes/pass_context.h"

#include <algorithm>
#include <functional>
#include <set>

namespace graphrun {
namespace {

// Caps that keep a fused kernel's registers and operand list small.
constexpr size_t kMaxMembers = 48;
constexpr size_t kMaxOperands = 16;
// A producer this small (in formula nodes) is recomputed in each consumer group rather
// than cutting the groups there.
constexpr size_t kCheapFormulaSize = 3;
// The deepest fused formula: the parser's limit on one formula (expressions are compiled by
// passes that recurse over the tree), so fusing never makes a tree deeper than a user may write.
constexpr int kMaxFusedDepth = 1000;

size_t formula_size(const expr::AstPtr& ast) {
  size_t n = ast->op == expr::OpCode::kVar || ast->op == expr::OpCode::kConst ? 0 : 1;
  for (const auto& a : ast->args) n += formula_size(a);
  return n;
}

int tree_depth(const expr::AstPtr& ast) {
  int deepest = 0;
  for (const auto& a : ast->args) deepest = std::max(deepest, tree_depth(a));
  return deepest + 1;
}

bool fusible(const Node& n) { return n.kind == NodeKind::kOp && n.op && n.op->elementwise() && !n.removed; }

// Decides, in reverse topological order, which elementwise nodes are computed inside the
// group of their consumers (never stored) and which are stored: each stored node roots one
// group. groups[v] lists the roots of the groups that compute node v.
class Grouping {
 public:
  explicit Grouping(const Graph& g) : g_(g), consumers_(g.consumers()), groups_(g.nodes.size()) {
    std::set<int> outputs;
    for (const auto& [name, ref] : g.outputs) outputs.insert(ref.node);
    formula_.resize(g.nodes.size());
    depth_.resize(g.nodes.size());
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (fusible(g.nodes[i])) {
        formula_[i] = elementwise_formula(g, g.nodes[i]);
        depth_[i] = tree_depth(formula_[i]);
      }
    std::vector<int> order = g.topo_order();
    for (auto it = order.rbegin(); it != order.rend(); ++it) decide(*it, outputs.count(*it) > 0);
  }

  bool inlined(int v) const { return inlined_.count(v) > 0; }
  const std::set<int>& groups(int v) const { return groups_[v]; }
  const expr::AstPtr& formula(int v) const { return formula_[v]; }
  /// Roots of groups of more than one node.
  std::vector<int> fused_roots() const {
    std::vector<int> roots;
    for (const auto& [root, size] : members_)
      if (size > 1) roots.push_back(root);
    return roots;
  }

 private:
  void decide(int v, bool graph_output) {
    const Node& n = g_.nodes[v];
    if (!fusible(n) || n.output_shapes.empty()) return;
    bool inline_it = !graph_output && !consumers_[v].empty();
    std::set<int> targets;
    for (int c : consumers_[v]) {
      const Node& cn = g_.nodes[c];
      if (!fusible(cn) || cn.output_shapes.empty() || cn.output_shapes[0] != n.output_shapes[0]) inline_it = false;
      targets.insert(groups_[c].begin(), groups_[c].end());
    }
    if (inline_it && targets.size() > 1 && formula_size(formula_[v]) > kCheapFormulaSize) inline_it = false;
    // v's formula replaces a leaf of each target group's tree: at most this much deeper.
    for (int root : targets)
      if (inline_it && (members_[root] + 1 > kMaxMembers || operands_[root].size() + n.inputs.size() > kMaxOperands + 1 ||
                        group_depth_[root] + depth_[v] > kMaxFusedDepth))
        inline_it = false;
    if (!inline_it) {
      groups_[v] = {v};
      members_[v] = 1;
      group_depth_[v] = depth_[v];
      for (const auto& in : n.inputs) operands_[v].insert(in);
      return;
    }
    inlined_.insert(v);
    groups_[v] = targets;
    for (int root : targets) {
      ++members_[root];
      group_depth_[root] += depth_[v];
      operands_[root].erase(ValueRef{v, 0});
      for (const auto& in : n.inputs) operands_[root].insert(in);
    }
  }

  const Graph& g_;
  std::vector<std::vector<int>> consumers_;
  std::vector<std::set<int>> groups_;
  std::vector<expr::AstPtr> formula_;
  std::set<int> inlined_;
  std::map<int, size_t> members_;
  std::map<int, std::set<ValueRef>> operands_;
  std::vector<int> depth_;           // each fusible node's own formula
  std::map<int, int> group_depth_;   // a bound on each group's fused formula
};

// The number of live nodes reading each node, kept up to date while groups are built: what
// Graph::consumers() would count at that moment, without recomputing it for every member
// (which made fusion quadratic in the length of a chain).
class LiveConsumerCounts {
 public:
  explicit LiveConsumerCounts(const Graph& g) : count_(g.nodes.size(), 0) {
    for (const Node& n : g.nodes)
      if (!n.removed) update(n.inputs, +1);
  }
  size_t operator[](int v) const { return count_[static_cast<size_t>(v)]; }
  /// A live node reading `inputs` starts (+1) or stops (-1) reading them.
  void update(const std::vector<ValueRef>& inputs, int change) {
    std::vector<int> producers;
    for (const auto& in : inputs)
      if (in.node >= 0) producers.push_back(in.node);
    std::sort(producers.begin(), producers.end());
    producers.erase(std::unique(producers.begin(), producers.end()), producers.end());
    for (int p : producers) count_[static_cast<size_t>(p)] += static_cast<size_t>(change);
  }

 private:
  std::vector<size_t> count_;
};

// Builds the fused node of the group rooted at `root`: one formula over the group's
// external inputs, every member's formula substituted into its consumer's.
void build_group(Graph& g, const Grouping& grouping, int root, LiveConsumerCounts& consumers) {
  auto group = std::make_shared<FusedGroup>();
  std::vector<ValueRef> operands;
  std::map<int, expr::AstPtr> built;
  std::map<int, int> member_index;
  std::vector<int> members;
  struct ExternalUse {
    size_t operand;
    int member;  // node index
    std::string port;
  };
  std::vector<ExternalUse> external_uses;
  std::function<expr::AstPtr(int)> build = [&](int v) -> expr::AstPtr {
    if (auto it = built.find(v); it != built.end()) return it->second;
    const Node& n = g.nodes[v];
    std::map<std::string, expr::AstPtr> bindings;
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const ValueRef& in = n.inputs[k];
      if (grouping.inlined(in.node) && grouping.groups(in.node).count(root)) {
        bindings[n.input_ports[k]] = build(in.node);
        continue;
      }
      auto pos = std::find(operands.begin(), operands.end(), in);
      if (pos == operands.end()) pos = operands.insert(operands.end(), in);
      external_uses.push_back({static_cast<size_t>(pos - operands.begin()), v, n.input_ports[k]});
      auto var = std::make_shared<expr::Ast>();
      var->op = expr::OpCode::kVar;
      var->name = "in" + std::to_string(pos - operands.begin());
      bindings[n.input_ports[k]] = var;
    }
    member_index[v] = static_cast<int>(members.size());
    members.push_back(v);
    return built[v] = expr::substitute(grouping.formula(v), bindings);
  };
  expr::AstPtr formula = build(root);
  // Members in topological order (build() records each after its producers).
  for (int v : members) {
    group->member_ids.push_back(g.nodes[v].id);
    group->member_ops.push_back(g.nodes[v].op->desc.name);
    group->member_shapes.push_back(g.nodes[v].output_shapes.empty() ? std::vector<int64_t>{} : g.nodes[v].output_shapes[0]);
    for (size_t k = 0; k < g.nodes[v].inputs.size(); ++k)
      if (const int in = g.nodes[v].inputs[k].node; member_index.count(in)) {
        group->member_edges.emplace_back(member_index[in], member_index[v]);
        group->member_edge_ports.push_back(g.nodes[v].input_ports[k]);
      }
    if (v != root) {
      const Node& m = g.nodes[v];
      // Each member's output would have been written once and read by each consumer.
      group->bytes_saved += tensor_bytes(m.output_shapes[0], g.dtype) * (1 + consumers[v]);
    }
  }
  for (size_t k = 0; k < operands.size(); ++k) group->variables.push_back("in" + std::to_string(k));
  group->input_uses.resize(operands.size());
  for (const ExternalUse& use : external_uses)
    group->input_uses[use.operand].emplace_back(member_index.at(use.member), use.port);
  group->formulas = {formula};
  group->program = expr::Program::compile(std::span(&group->formulas[0], 1), group->variables);
  for (int v : members)
    if (v != root && !grouping.groups(v).empty() && grouping.groups(v).size() == 1) {
      g.nodes[v].removed = true;
      consumers.update(g.nodes[v].inputs, -1);
    }
  Node& r = g.nodes[root];
  r.kind = NodeKind::kFused;
  r.fused = group;
  consumers.update(r.inputs, -1);
  r.inputs = operands;
  consumers.update(r.inputs, +1);
  r.input_ports = group->variables;
  r.input_locs.assign(operands.size(), r.loc);
  r.input_ref_ports.assign(operands.size(), "");
}

// The formula of an elementwise node or fused group over its inputs in0, in1, ...
expr::AstPtr formula_over_operands(const Graph& g, const Node& n) {
  if (n.kind == NodeKind::kFused) return n.fused->formulas[0];
  std::map<std::string, expr::AstPtr> bindings;
  for (size_t k = 0; k < n.input_ports.size(); ++k) {
    auto var = std::make_shared<expr::Ast>();
    var->op = expr::OpCode::kVar;
    var->name = "in" + std::to_string(k);
    bindings[n.input_ports[k]] = var;
  }
  return expr::substitute(elementwise_formula(g, n), bindings);
}

// Folds an elementwise node (or fused group) whose only operand is output 0 of an op that
// supports epilogues, and that is that output's only consumer, into the op: the op then
// applies the formula in its own output loop and the intermediate never reaches memory.
void fold_epilogues(Graph& g) {
  // The graph outputs of each node, and its consumers: both follow each fold.
  std::vector<std::vector<size_t>> outputs_of(g.nodes.size());
  for (size_t k = 0; k < g.outputs.size(); ++k) outputs_of[static_cast<size_t>(g.outputs[k].second.node)].push_back(k);
  auto consumers = g.consumers();
  for (int e : g.topo_order()) {
    Node& n = g.nodes[e];
    bool elementwise = n.kind == NodeKind::kFused || fusible(n);
    if (!elementwise || n.inputs.size() != 1 || n.inputs[0].port != 0 || n.output_shapes.empty()) continue;
    int p = n.inputs[0].node;
    Node& producer = g.nodes[p];
    if (producer.kind != NodeKind::kOp || !producer.op || producer.op->elementwise() || producer.epilogue ||
        !(producer.op->desc.flags & GR_OP_EPILOGUE) || !outputs_of[p].empty() || consumers[p].size() != 1 ||
        producer.output_shapes.empty() || producer.output_shapes[0] != n.output_shapes[0])
      continue;
    auto group = std::make_shared<FusedGroup>();
    if (n.kind == NodeKind::kFused) *group = *n.fused;
    else {
      group->member_ids = {n.id};
      group->member_ops = {n.op->desc.name};
    }
    group->variables = {"in0"};
    group->formulas = {formula_over_operands(g, n)};
    group->program = expr::Program::compile(std::span(&group->formulas[0], 1), group->variables);
    group->bytes_saved += 2 * tensor_bytes(n.output_shapes[0], g.dtype);
    producer.epilogue = group;
    n.removed = true;
    // What read the folded node now reads the producer's (transformed) output; the producer's
    // only consumer was the folded node, so its consumers are now the folded node's.
    for (int c : consumers[e])
      for (auto& in : g.nodes[c].inputs)
        if (in.node == e) in = ValueRef{p, 0};
    consumers[p] = std::move(consumers[e]);
    consumers[e].clear();
    for (size_t k : outputs_of[e]) g.outputs[k].second = ValueRef{p, 0};
    outputs_of[p] = std::move(outputs_of[e]);
    outputs_of[e].clear();
  }
}

}  // namespace

void fuse_elementwise(Graph& graph) {
  Grouping grouping(graph);
  std::vector<int> roots = grouping.fused_roots();
  LiveConsumerCounts consumers(graph);
  for (int root : roots) build_group(graph, grouping, root, consumers);
  // A node recomputed inside several groups is no longer needed by anyone.
  for (size_t v = 0; v < graph.nodes.size(); ++v)
    if (grouping.inlined(static_cast<int>(v))) {
      bool all_fused = true;
      for (int root : grouping.groups(static_cast<int>(v))) all_fused = all_fused && graph.nodes[root].kind == NodeKind::kFused;
      if (all_fused) graph.nodes[v].removed = true;
    }
  fold_epilogues(graph);
}

void run_fuse_elementwise(Graph& graph, const PassContext& context) {
  if (context.fuse) fuse_elementwise(graph);
}

}  // namespace graphrun
