#include "graph/inline_subgraphs.h"

#include <filesystem>
#include <map>

namespace graphrun {
namespace {

// What a parent reference to an inlined subgraph node resolves to.
struct SubgraphOutputs {
  std::vector<std::pair<std::string, RefSpec>> outputs;  // output name -> inner reference
  SourceLoc loc;
};

YAML::Node attr_of(const NodeSpec& spec, const std::string& key) {
  for (const auto& [k, v] : spec.attrs)
    if (k == key) return v;
  return YAML::Node(YAML::NodeType::Undefined);
}

// A `$name` param reference resolved in `file`, else the node itself.
YAML::Node deref(const GraphFile& file, const YAML::Node& n) {
  std::optional<std::string> name = param_reference(n);
  if (!name) return n;
  const ParamSpec* p = file.find_param(*name);
  return p ? p->value : YAML::Node(YAML::NodeType::Undefined);
}

class Inliner {
 public:
  explicit Inliner(DiagnosticSink& sink) : sink_(sink) {}

  void run(GraphFile& file, std::vector<std::string>& stack) {
    std::map<std::string, SubgraphOutputs> expanded;
    std::vector<NodeSpec> nodes;
    for (auto& spec : file.nodes) {
      if (spec.op != kSubgraphOp) {
        nodes.push_back(std::move(spec));
        continue;
      }
      SubgraphOutputs outs;
      outs.loc = spec.loc;
      size_t errors_before = sink_.count();
      std::vector<NodeSpec> inner_nodes;
      expand(file, spec, stack, inner_nodes, outs);
      if (sink_.count() > errors_before) {
        // Reported; the node stays, marked broken, so that what depends on it is skipped
        // instead of reported again.
        nodes.push_back(std::move(spec));
        continue;
      }
      for (auto& n : inner_nodes) nodes.push_back(std::move(n));
      expanded[spec.id] = std::move(outs);
    }
    file.nodes = std::move(nodes);
    if (expanded.empty()) return;
    for (auto& spec : file.nodes)
      for (auto& [port, ref] : spec.inputs) rewrite(ref, expanded);
    for (auto& [name, ref] : file.outputs) rewrite(ref, expanded);
  }

 private:
  // Points a reference to an inlined subgraph node at the subgraph's output.
  void rewrite(RefSpec& ref, const std::map<std::string, SubgraphOutputs>& expanded) {
    auto it = expanded.find(ref.node);
    if (it == expanded.end()) return;
    const auto& outputs = it->second.outputs;
    if (outputs.empty()) return;
    auto out = outputs.begin();
    if (!ref.port.empty()) {
      out = std::find_if(outputs.begin(), outputs.end(), [&](const auto& o) { return o.first == ref.port; });
      if (out == outputs.end()) {
        std::vector<std::string> names;
        for (const auto& o : outputs) names.push_back(o.first);
        sink_.error(ref.loc, "subgraph '" + ref.node + "' has no output '" + ref.port + "'" + did_you_mean(ref.port, names));
        out = outputs.begin();  // reported; point somewhere valid so nothing else is reported for it
      }
    }
    SourceLoc loc = ref.loc;
    ref = out->second;
    ref.loc = loc;
  }

  void expand(const GraphFile& file, const NodeSpec& spec, std::vector<std::string>& stack,
              std::vector<NodeSpec>& nodes, SubgraphOutputs& outs) {
    const GraphFile& scope = spec.scope ? *spec.scope : file;
    std::string where = "node '" + spec.id + "': ";
    for (const auto& [key, value] : spec.attrs)
      if (key != "file" && key != "params")
        sink_.error(spec.attr_key_locs.at(key), where + "unknown attribute '" + key + "' for op 'subgraph' (it takes file and params)");
    YAML::Node file_attr = deref(scope, attr_of(spec, "file"));
    if (!file_attr || !file_attr.IsScalar()) {
      sink_.error(spec.loc, where + "op 'subgraph' needs attribute 'file' (a graph file, relative to this one)");
      return;
    }
    const std::filesystem::path path = path_in_graph_dir(scope.dir, file_attr.Scalar());
    std::error_code ec;
    std::string canonical = std::filesystem::weakly_canonical(path, ec).string();
    SourceLoc file_loc = loc_of(scope.path, attr_of(spec, "file"));
    if (std::find(stack.begin(), stack.end(), canonical) != stack.end()) {
      std::string chain;
      for (const auto& s : stack) chain += std::filesystem::path(s).filename().string() + " -> ";
      sink_.error(file_loc, where + "subgraph recursion: " + chain + path.filename().string());
      return;
    }
    std::vector<ParamOverride> overrides;
    if (YAML::Node params = attr_of(spec, "params")) {
      if (!params.IsMap()) {
        sink_.error(loc_of(scope.path, params), where + "'params' must be a map name -> value");
      } else {
        for (const auto& kv : params) {
          if (!kv.first.IsScalar()) continue;  // reported by check_yaml_structure
          YAML::Node v = deref(scope, kv.second);
          if (!v || !v.IsScalar()) {
            sink_.error(loc_of(scope.path, kv.second), where + "param '" + kv.first.Scalar() +
                                                          "' must be a number or a string (or a known $param)");
            continue;
          }
          overrides.push_back({kv.first.Scalar(), v, loc_of(scope.path, kv.second)});
        }
      }
    }
    if (!std::filesystem::exists(path, ec)) {
      sink_.error(file_loc, where + "subgraph file " + path.string() + " does not exist");
      return;
    }
    DiagnosticSink local;
    auto sub = std::make_shared<GraphFile>();
    try {
      *sub = parse_graph_file(path.string(), overrides, local);
    } catch (const GraphError& e) {
      for (const auto& d : e.diagnostics()) sink_.error(d.loc, d.message);
      return;
    }
    for (const auto& d : local.diagnostics()) sink_.error(d.loc, d.message);
    stack.push_back(canonical);
    run(*sub, stack);
    stack.pop_back();

    // Bind the subgraph's inputs to the node's references.
    std::map<std::string, RefSpec> bound;
    std::vector<std::string> input_names;
    for (const auto& in : sub->inputs) input_names.push_back(in.name);
    for (size_t k = 0; k < spec.inputs.size(); ++k) {
      std::string port = spec.inputs[k].first;
      if (spec.positional_inputs) {
        if (k >= input_names.size()) {
          sink_.error(spec.inputs[k].second.loc, where + "the subgraph takes " + std::to_string(input_names.size()) + " inputs");
          continue;
        }
        port = input_names[k];
      }
      if (std::find(input_names.begin(), input_names.end(), port) == input_names.end()) {
        sink_.error(spec.inputs[k].second.loc, where + "the subgraph has no input '" + port + "'" + did_you_mean(port, input_names));
        continue;
      }
      bound[port] = spec.inputs[k].second;
    }
    for (const auto& name : input_names)
      if (!bound.count(name)) sink_.error(spec.loc, where + "subgraph input '" + name + "' is not connected");

    const std::string prefix = spec.id + "/";
    auto inner = [&](RefSpec ref) {
      if (auto it = bound.find(ref.node); it != bound.end() && ref.port.empty()) return it->second;
      ref.node = prefix + ref.node;
      return ref;
    };
    for (const auto& n : sub->nodes) {
      NodeSpec copy = n;
      copy.id = prefix + n.id;
      if (!copy.scope) copy.scope = sub;
      for (auto& [port, ref] : copy.inputs) ref = inner(ref);
      nodes.push_back(std::move(copy));
    }
    for (const auto& [name, ref] : sub->outputs) outs.outputs.emplace_back(name, inner(ref));
  }

  DiagnosticSink& sink_;
};

}  // namespace

void inline_subgraphs(GraphFile& file, DiagnosticSink& sink) {
  std::error_code ec;
  std::vector<std::string> stack = {std::filesystem::weakly_canonical(file.path, ec).string()};
  Inliner(sink).run(file, stack);
}

}  // namespace graphrun
