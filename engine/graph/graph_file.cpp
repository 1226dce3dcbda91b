#include "graph/graph_file.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace graphrun {

SourceLoc loc_of(const std::string& file, const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  if (m.is_null()) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

std::optional<double> yaml_number(const YAML::Node& node) {
  double v;
  bool b;
  if (!node.IsScalar() || node.Tag() == "!" || YAML::convert<bool>::decode(node, b) ||
      !YAML::convert<double>::decode(node, v))
    return std::nullopt;
  return v;
}

std::optional<std::string> param_reference(const YAML::Node& node) {
  if (!node.IsScalar() || node.Scalar().size() < 2 || node.Scalar()[0] != '$') return std::nullopt;
  const std::string& s = node.Scalar();
  if (!std::all_of(s.begin() + 1, s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
    return std::nullopt;
  return s.substr(1);
}

std::vector<std::pair<std::string, double>> GraphFile::numeric_params() const {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [param, p] : params)
    if (auto v = yaml_number(p.value)) out.emplace_back(param, *v);
  return out;
}

const ParamSpec* GraphFile::find_param(const std::string& wanted) const {
  for (const auto& [param, p] : params)
    if (param == wanted) return &p;
  return nullptr;
}

std::vector<std::string> GraphFile::param_names() const {
  std::vector<std::string> names;
  for (const auto& [param, p] : params) names.push_back(param);
  return names;
}

RefSpec parse_ref(const std::string& text, SourceLoc loc) {
  RefSpec r;
  r.loc = std::move(loc);
  auto colon = text.find(':');
  r.node = text.substr(0, colon);
  if (colon != std::string::npos) r.port = text.substr(colon + 1);
  return r;
}

namespace {

const std::array<std::string, 9> kTopLevelKeys = {"format", "graph", "doc",     "dtype",  "params",
                                                  "inputs", "plugins", "nodes", "outputs"};

class FileParser {
 public:
  FileParser(const std::string& path, DiagnosticSink& sink) : path_(path), sink_(sink) {}

  GraphFile parse(const YAML::Node& root,
                  const std::vector<std::pair<std::string, std::string>>& overrides) {
    GraphFile g;
    g.path = path_;
    g.dir = std::filesystem::path(path_).parent_path().string();
    if (!root.IsMap()) {
      error(root, "a graph file is a map with keys format, graph, nodes, outputs");
      return g;
    }
    for (const auto& kv : root) {
      std::string key = kv.first.as<std::string>();
      if (std::find(kTopLevelKeys.begin(), kTopLevelKeys.end(), key) == kTopLevelKeys.end())
        error(kv.first, "unknown key '" + key + "'" + did_you_mean(key, kTopLevelKeys));
    }
    parse_header(root, g);
    parse_params(root["params"], overrides, g);
    parse_inputs(root["inputs"], g);
    parse_plugins(root["plugins"], g);
    parse_nodes(root["nodes"], g);
    parse_outputs(root["outputs"], g);
    return g;
  }

 private:
  void error(const YAML::Node& at, std::string message) { sink_.error(loc_of(path_, at), std::move(message)); }
  SourceLoc loc(const YAML::Node& n) const { return loc_of(path_, n); }

  bool scalar_string(const YAML::Node& n, const std::string& what, std::string& out) {
    if (!n.IsScalar()) {
      error(n, what + " must be a string");
      return false;
    }
    out = n.Scalar();
    return true;
  }

  void parse_header(const YAML::Node& root, GraphFile& g) {
    YAML::Node format = root["format"];
    if (!format) {
      error(root, "missing required key 'format' (the graph-file format version, 1)");
    } else if (!format.IsScalar() || format.Scalar() != "1") {
      error(format, "unsupported format '" + (format.IsScalar() ? format.Scalar() : "?") +
                        "': this graphrun reads format 1");
    }
    YAML::Node name = root["graph"];
    if (!name) error(root, "missing required key 'graph' (the graph's name)");
    else scalar_string(name, "'graph'", g.name);
    if (YAML::Node doc = root["doc"]) scalar_string(doc, "'doc'", g.doc);
    if (YAML::Node dtype = root["dtype"]) {
      std::string d;
      if (scalar_string(dtype, "'dtype'", d)) {
        if (d == "f32" || d == "float32") g.dtype = GR_F32;
        else if (d == "f64" || d == "float64") g.dtype = GR_F64;
        else error(dtype, "unknown dtype '" + d + "': expected f32 or f64");
      }
    }
  }

  void parse_params(const YAML::Node& params,
                    const std::vector<std::pair<std::string, std::string>>& overrides, GraphFile& g) {
    if (params) {
      if (!params.IsMap()) {
        error(params, "'params' must be a map name -> value");
      } else {
        for (const auto& kv : params) {
          std::string name = kv.first.as<std::string>();
          if (!kv.second.IsScalar()) {
            error(kv.second, "param '" + name + "' must be a number or a string");
            continue;
          }
          check_finite(kv.second, "param '" + name + "'");
          g.params.push_back({name, {kv.second, loc(kv.second)}});
        }
      }
    }
    for (const auto& [name, text] : overrides) {
      auto it = std::find_if(g.params.begin(), g.params.end(), [&wanted = name](auto& p) { return p.first == wanted; });
      if (it == g.params.end()) {
        sink_.error({path_, 0, 0}, "--set " + name + ": the graph has no param '" + name + "'" +
                                       did_you_mean(name, g.param_names()));
        continue;
      }
      YAML::Node v = YAML::Load(text);
      if (!v.IsScalar()) {
        sink_.error({path_, 0, 0}, "--set " + name + ": value must be a number or a string");
        continue;
      }
      it->second.value = v;
    }
  }

  void check_finite(const YAML::Node& n, const std::string& what) {
    if (auto d = yaml_number(n); d && !std::isfinite(*d))
      error(n, what + " is " + n.Scalar() + ": values must be finite numbers");
  }

  bool parse_shape(const YAML::Node& n, std::vector<int64_t>& shape) {
    if (!n.IsSequence()) return false;
    for (const auto& d : n) {
      int64_t v;
      if (!d.IsScalar() || !YAML::convert<int64_t>::decode(d, v) || v < -1) {
        error(d, "shape entries must be integers >= 0, or -1 for any size");
        return false;
      }
      shape.push_back(v);
    }
    return true;
  }

  void parse_inputs(const YAML::Node& inputs, GraphFile& g) {
    if (!inputs) return;
    if (!inputs.IsMap()) {
      error(inputs, "'inputs' must be a map name -> {shape: [...]}");
      return;
    }
    for (const auto& kv : inputs) {
      InputSpec in;
      in.name = kv.first.as<std::string>();
      in.loc = loc(kv.first);
      YAML::Node shape = kv.second.IsMap() ? kv.second["shape"] : YAML::Node();
      if (kv.second.IsMap()) {
        for (const auto& f : kv.second)
          if (f.first.as<std::string>() != "shape")
            error(f.first, "input '" + in.name + "': unknown key '" + f.first.as<std::string>() +
                               "' (expected 'shape')");
      }
      if (!shape) {
        error(kv.second.IsMap() ? kv.second : kv.first,
              "input '" + in.name + "' needs a shape, e.g. {shape: [2, 16, -1]}");
        continue;
      }
      if (!parse_shape(shape, in.shape)) {
        if (!shape.IsSequence()) error(shape, "input '" + in.name + "': shape must be a list of integers");
        continue;
      }
      g.inputs.push_back(std::move(in));
    }
  }

  void parse_plugins(const YAML::Node& plugins, GraphFile& g) {
    if (!plugins) return;
    if (!plugins.IsSequence()) {
      error(plugins, "'plugins' must be a list of shared-library paths");
      return;
    }
    for (const auto& p : plugins) {
      std::string path;
      if (!scalar_string(p, "a plugin path", path)) continue;
      std::filesystem::path fp(path);
      if (fp.is_relative()) fp = std::filesystem::path(g.dir) / fp;
      g.plugins.push_back(fp.lexically_normal().string());
      g.plugin_locs.push_back(loc(p));
    }
  }

  void parse_node_inputs(const YAML::Node& in, NodeSpec& node) {
    if (in.IsSequence()) {
      node.positional_inputs = true;
      int i = 0;
      for (const auto& r : in) {
        std::string text;
        if (scalar_string(r, "node '" + node.id + "': a reference in 'in'", text))
          node.inputs.push_back({std::to_string(i), parse_ref(text, loc(r))});
        ++i;
      }
    } else if (in.IsMap()) {
      for (const auto& kv : in) {
        std::string port = kv.first.as<std::string>(), text;
        if (scalar_string(kv.second, "node '" + node.id + "': the reference of port '" + port + "'", text))
          node.inputs.push_back({port, parse_ref(text, loc(kv.second))});
      }
    } else if (in.IsScalar()) {
      node.positional_inputs = true;
      node.inputs.push_back({"0", parse_ref(in.Scalar(), loc(in))});
    } else {
      error(in, "node '" + node.id + "': 'in' must be a list of references or a map port -> reference");
    }
  }

  void parse_nodes(const YAML::Node& nodes, GraphFile& g) {
    if (!nodes) {
      sink_.error({path_, 0, 0}, "missing required key 'nodes' (the list of operator nodes)");
      return;
    }
    if (!nodes.IsSequence()) {
      error(nodes, "'nodes' must be a list of {id, op, in, ...attributes}");
      return;
    }
    std::map<std::string, SourceLoc> seen;
    for (const auto& n : nodes) {
      if (!n.IsMap()) {
        error(n, "a node must be a map with keys id, op, in and attributes");
        continue;
      }
      NodeSpec node;
      YAML::Node id = n["id"], op = n["op"];
      if (!id) {
        error(n, "node without 'id'");
        continue;
      }
      if (!scalar_string(id, "a node id", node.id)) continue;
      node.loc = loc(id);
      if (node.id.empty() || node.id.find(':') != std::string::npos) {
        error(id, "node id '" + node.id + "' must be non-empty and contain no ':'");
        continue;
      }
      if (auto it = seen.find(node.id); it != seen.end()) {
        error(id, "duplicate node id '" + node.id + "' (first defined at " + it->second.str() + ")");
        continue;
      }
      seen[node.id] = node.loc;
      if (!op) {
        error(n, "node '" + node.id + "': missing 'op'");
        continue;
      }
      if (!scalar_string(op, "node '" + node.id + "': 'op'", node.op)) continue;
      node.op_loc = loc(op);
      for (const auto& kv : n) {
        std::string key = kv.first.as<std::string>();
        if (key == "id" || key == "op") continue;
        if (key == "in") {
          parse_node_inputs(kv.second, node);
          continue;
        }
        node.attrs.push_back({key, kv.second});
        node.attr_key_locs[key] = loc(kv.first);
      }
      g.nodes.push_back(std::move(node));
    }
  }

  void parse_outputs(const YAML::Node& outputs, GraphFile& g) {
    if (!outputs) {
      sink_.error({path_, 0, 0}, "missing required key 'outputs' (what the graph produces)");
      return;
    }
    std::set<std::string> names;
    auto add = [&](std::string name, const YAML::Node& ref) {
      std::string text;
      if (!scalar_string(ref, "an output reference", text)) return;
      if (!names.insert(name).second) {
        error(ref, "duplicate output name '" + name + "'");
        return;
      }
      g.outputs.push_back({std::move(name), parse_ref(text, loc(ref))});
    };
    if (outputs.IsSequence()) {
      for (const auto& r : outputs) {
        std::string name = r.IsScalar() ? r.Scalar() : "";
        std::replace(name.begin(), name.end(), ':', '_');
        add(name, r);
      }
    } else if (outputs.IsMap()) {
      for (const auto& kv : outputs) add(kv.first.as<std::string>(), kv.second);
    } else {
      error(outputs, "'outputs' must be a list of references or a map name -> reference");
    }
    if (g.outputs.empty() && (outputs.IsSequence() || outputs.IsMap()))
      error(outputs, "'outputs' is empty: name at least one output");
  }

  std::string path_;
  DiagnosticSink& sink_;
};

}  // namespace

GraphFile parse_graph_file(const std::string& path,
                           const std::vector<std::pair<std::string, std::string>>& overrides,
                           DiagnosticSink& sink) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    sink.error({path, 0, 0}, "cannot open the graph file");
    sink.throw_if_any();
  }
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::ParserException& e) {
    sink.error({path, e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg);
    sink.throw_if_any();
  }
  FileParser parser(path, sink);
  return parser.parse(root, overrides);
}

}  // namespace graphrun
