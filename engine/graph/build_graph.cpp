#include "graph/build_graph.h"

#include "graph/inline_subgraphs.h"
#include "graph/resolve_attrs.h"

#include <set>

namespace graphrun {
namespace {

std::vector<std::string> names_of(const std::map<std::string, int>& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

// Maps the `in` entries of a node to declared ports; false when the node can't be used.
void connect_inputs(const NodeSpec& spec, const OpInfo& op, const std::map<std::string, int>& ids,
                    Node& node, DiagnosticSink& sink) {
  const gr_op_desc& d = op.desc;
  std::vector<std::string> ports;
  for (int i = 0; i < d.num_inputs; ++i) ports.emplace_back(d.inputs[i]->name);
  std::set<std::string> connected;
  for (size_t k = 0; k < spec.inputs.size(); ++k) {
    const auto& [given_port, ref] = spec.inputs[k];
    std::string port = given_port;
    if (spec.positional_inputs && !op.variadic_inputs()) {
      if (k >= ports.size()) {
        sink.error(ref.loc, "node '" + spec.id + "': op '" + d.name + "' takes " + std::to_string(ports.size()) +
                                " input" + (ports.size() == 1 ? "" : "s") + ", got " +
                                std::to_string(spec.inputs.size()));
        continue;
      }
      port = ports[k];
    } else if (!op.variadic_inputs() && op.input_index(port) < 0) {
      sink.error(ref.loc, "node '" + spec.id + "': op '" + d.name + "' has no input port '" + port + "'" +
                              did_you_mean(port, ports));
      continue;
    }
    connected.insert(port);
    auto it = ids.find(ref.node);
    if (it == ids.end()) {
      sink.error(ref.loc, "node '" + spec.id + "': input '" + port + "' refers to unknown node or input '" +
                              ref.node + "'" + did_you_mean(ref.node, names_of(ids)));
      continue;
    }
    node.input_ports.push_back(port);
    node.inputs.push_back({it->second, -1});
    node.input_locs.push_back(ref.loc);
    node.input_ref_ports.push_back(ref.port);
  }
  for (int i = 0; i < d.num_inputs; ++i)
    if (!d.inputs[i]->optional && !connected.count(d.inputs[i]->name) && !op.variadic_inputs())
      sink.error(spec.loc, "node '" + spec.id + "': missing required input '" + d.inputs[i]->name + "' of op '" +
                               d.name + "'");
}

}  // namespace

Graph build_graph(const GraphFile& file, Registry& registry, DiagnosticSink& sink) {
  Graph g;
  g.file = file.path;
  g.name = file.name;
  g.doc = file.doc;
  g.dtype = file.dtype;
  auto table_of = [](const GraphFile& f) {
    auto table = std::make_shared<ParamTable>();
    for (const auto& [name, v] : f.numeric_params()) {
      table->names.push_back(name);
      table->values.push_back(v);
    }
    return table;
  };
  g.params = table_of(file);
  std::map<const GraphFile*, std::shared_ptr<const ParamTable>> scope_tables;
  for (size_t i = 0; i < file.plugins.size(); ++i) {
    try {
      registry.load(file.plugins[i]);
    } catch (const PluginError& e) {
      sink.error(file.plugin_locs[i], e.what());
    }
  }

  std::map<std::string, int> ids;
  for (const auto& in : file.inputs) {
    Node n;
    n.id = in.name;
    n.kind = NodeKind::kInput;
    n.loc = n.op_loc = in.loc;
    n.output_names = {"out"};
    n.invalid = !in.valid;
    ids[in.name] = static_cast<int>(g.nodes.size());
    if (in.valid) g.input_specs[static_cast<int>(g.nodes.size())] = in.shape;
    if (in.valid && in.shard) g.input_shards[static_cast<int>(g.nodes.size())] = {*in.shard, in.shard_loc};
    g.nodes.push_back(std::move(n));
  }
  for (const auto& spec : file.nodes) {
    if (ids.count(spec.id)) {
      sink.error(spec.loc, "node id '" + spec.id + "' is already the name of a graph input");
      continue;
    }
    ids[spec.id] = static_cast<int>(g.nodes.size());
    Node n;
    n.id = spec.id;
    n.loc = spec.loc;
    n.op_loc = spec.op_loc;
    g.nodes.push_back(std::move(n));
  }
  std::vector<const NodeSpec*> spec_of(g.nodes.size(), nullptr);
  for (const auto& spec : file.nodes)
    if (auto it = ids.find(spec.id); it != ids.end() && g.nodes[it->second].kind == NodeKind::kOp)
      spec_of[it->second] = &spec;

  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!spec_of[i]) continue;
    const NodeSpec& spec = *spec_of[i];
    Node& node = g.nodes[i];
    if (spec.broken || spec.op == kSubgraphOp) {  // reported: no op, or a subgraph not inlined
      node.invalid = true;
      continue;
    }
    node.op = registry.find(spec.op);
    if (!node.op) {
      sink.error(spec.op_loc, "node '" + spec.id + "': unknown op '" + spec.op + "'" +
                                  did_you_mean(spec.op, registry.names()) + "; " + registry.unknown_op_help());
      continue;
    }
    size_t errors_before = sink.count();
    const GraphFile& scope = spec.scope ? *spec.scope : file;
    if (spec.scope) {
      auto& table = scope_tables[spec.scope.get()];
      if (!table) table = table_of(scope);
      node.params = table;
    }
    node.attrs = resolve_attrs(scope, spec, *node.op, sink);
    for (int k = 0; k < node.op->desc.num_outputs; ++k) node.output_names.emplace_back(node.op->desc.outputs[k]->name);
    connect_inputs(spec, *node.op, ids, node, sink);
    node.invalid = sink.count() > errors_before || node.attrs->incomplete;
  }
  for (const auto& [name, ref] : file.outputs) {
    auto it = ids.find(ref.node);
    if (it == ids.end()) {
      sink.error(ref.loc, "output '" + name + "' refers to unknown node '" + ref.node + "'" +
                              did_you_mean(ref.node, names_of(ids)));
      continue;
    }
    g.outputs.push_back({name, {it->second, -1}});
    g.output_ref_ports.push_back(ref.port);
    g.output_locs.push_back(ref.loc);
  }
  try {
    g.topo_order();
  } catch (const GraphError& e) {
    for (const auto& d : e.diagnostics()) sink.error(d.loc, d.message);
  }
  return g;
}

}  // namespace graphrun
