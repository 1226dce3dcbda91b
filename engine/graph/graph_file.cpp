#include "graph/graph_file.h"

#include "graph/yaml_structure.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
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
  if (!node.IsScalar() || node.Tag() == "!" || YAML::convert<bool>::decode(node, b)) return std::nullopt;
  if (YAML::convert<double>::decode(node, v)) return v;
  // yaml-cpp refuses a numeral out of a double's range (1e400); it is still a number, an
  // infinite one (or 0), and is reported as such rather than as text.
  const std::string& s = node.Scalar();
  char* end = nullptr;
  errno = 0;
  v = std::strtod(s.c_str(), &end);
  const bool numeral = !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '+' || s[0] == '.');
  if (numeral && errno == ERANGE && end == s.c_str() + s.size()) return v;
  return std::nullopt;
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

bool is_output_name(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
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

  GraphFile parse(const YAML::Node& root, const std::vector<ParamOverride>& overrides) {
    GraphFile g;
    g.path = path_;
    g.dir = std::filesystem::path(path_).parent_path().string();
    if (!root.IsMap()) {
      SourceLoc at = loc(root);
      if (at.line == 0) at = {path_, 1, 1};  // an empty file
      sink_.error(at, "a graph file is a map with keys format, graph, nodes, outputs");
      return g;
    }
    for (const auto& kv : root) {
      if (!kv.first.IsScalar()) continue;  // reported by check_yaml_structure
      const std::string& key = kv.first.Scalar();
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
      error(format, format.IsScalar() ? "unsupported format '" + format.Scalar() + "': this graphrun reads format 1"
                                      : "'format' must be the format version, 1");
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

  void parse_params(const YAML::Node& params, const std::vector<ParamOverride>& overrides, GraphFile& g) {
    if (params) {
      if (!params.IsMap()) {
        error(params, "'params' must be a map name -> value");
      } else {
        for (const auto& kv : params) {
          if (!kv.first.IsScalar()) continue;  // reported by check_yaml_structure
          const std::string& name = kv.first.Scalar();
          if (!kv.second.IsScalar()) {
            error(kv.second, "param '" + name + "' must be a number or a string");
            g.invalid_params.push_back(name);
            continue;
          }
          check_finite(kv.second, "param '" + name + "'");
          g.params.push_back({name, {kv.second, loc(kv.second)}});
        }
      }
    }
    for (const auto& o : overrides) override_param(o, g);
  }

  // Replaces a param's value by `o`'s, which must be of the same kind: a number for a number
  // (what formulas and integer attributes need), true/false for a boolean, else any text.
  void override_param(const ParamOverride& o, GraphFile& g) {
    const bool command_line = o.loc.file.empty();
    const SourceLoc at = command_line ? SourceLoc{path_, 0, 0} : o.loc;
    const std::string text = o.value.IsScalar() ? o.value.Scalar() : "";
    const std::string what = command_line ? "--set " + o.name + "=" + text : "param '" + o.name + "'";
    const std::string graph = command_line ? "the graph" : "subgraph " + std::filesystem::path(path_).filename().string();
    auto it = std::find_if(g.params.begin(), g.params.end(), [&](auto& p) { return p.first == o.name; });
    if (it == g.params.end()) {
      sink_.error(at, what + ": " + graph + " has no param '" + o.name + "'" + did_you_mean(o.name, g.param_names()));
      return;
    }
    if (!o.value.IsScalar()) {
      sink_.error(at, what + ": the value must be a number or a string");
      return;
    }
    const YAML::Node& declared = it->second.value;
    const std::string in_graph = " (in " + graph + ", '" + o.name + "' is " + declared.Scalar() + ")";
    bool b;
    if (yaml_number(declared)) {
      std::optional<double> v = yaml_number(o.value);
      if (!v) {
        sink_.error(at, what + ": '" + text + "' is not a number" + in_graph);
        return;
      }
      if (!std::isfinite(*v)) {
        sink_.error(at, what + ": '" + text + "' is not a finite number" + in_graph);
        return;
      }
    } else if (declared.Tag() != "!" && YAML::convert<bool>::decode(declared, b) &&
               !YAML::convert<bool>::decode(o.value, b)) {
      sink_.error(at, what + ": '" + text + "' is not true or false" + in_graph);
      return;
    }
    it->second.value = o.value;
  }

  void check_finite(const YAML::Node& n, const std::string& what) {
    if (auto d = yaml_number(n); d && !std::isfinite(*d))
      error(n, what + " is " + n.Scalar() + ": values must be finite numbers");
  }

  // `shard: AXIS` of an input whose shape parsed: an axis of that shape, negative from the end.
  bool parse_shard(const YAML::Node& n, InputSpec& in) {
    if (!n) return true;
    const int rank = static_cast<int>(in.shape.size());
    if (rank == 0) {
      error(n, "input '" + in.name + "': a scalar (shape []) has no axis to shard");
      return false;
    }
    int64_t axis = 0;
    if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, axis) || axis < -rank || axis >= rank) {
      error(n, "input '" + in.name + "': shard must be an axis of its shape " + shape_text(in.shape) + ", -" +
                   std::to_string(rank) + " to " + std::to_string(rank - 1));
      return false;
    }
    in.shard = static_cast<int>(axis < 0 ? axis + rank : axis);
    in.shard_loc = loc(n);
    return true;
  }

  static std::string shape_text(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
  }

  bool parse_shape(const YAML::Node& n, std::vector<int64_t>& shape) {
    if (!n.IsSequence()) return false;
    if (n.size() > GR_MAX_RANK) {
      error(n, "a shape of " + std::to_string(n.size()) + " axes: tensors have at most " +
                   std::to_string(GR_MAX_RANK));
      return false;
    }
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
      if (!kv.first.IsScalar()) continue;  // reported by check_yaml_structure
      InputSpec in;
      in.name = kv.first.Scalar();
      in.loc = loc(kv.first);
      YAML::Node shape = kv.second.IsMap() ? kv.second["shape"] : YAML::Node();
      if (kv.second.IsMap()) {
        for (const auto& f : kv.second)
          if (f.first.IsScalar() && f.first.Scalar() != "shape" && f.first.Scalar() != "shard")
            error(f.first, "input '" + in.name + "': unknown key '" + f.first.Scalar() + "' (expected 'shape' or 'shard')");
      }
      YAML::Node shard = kv.second.IsMap() ? kv.second["shard"] : YAML::Node();
      // An input with errors still names a value, so references to it are not reported too.
      in.valid = false;
      if (!shape) {
        error(kv.second.IsMap() ? kv.second : kv.first,
              "input '" + in.name + "' needs a shape, e.g. {shape: [2, 16, -1]}");
      } else if (!parse_shape(shape, in.shape)) {
        if (!shape.IsSequence()) error(shape, "input '" + in.name + "': shape must be a list of integers");
      } else {
        in.valid = parse_shard(shard, in);
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
      g.plugins.push_back(path_in_graph_dir(g.dir, path));
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
        if (!kv.first.IsScalar()) continue;  // reported by check_yaml_structure
        std::string port = kv.first.Scalar(), text;
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
      // A node whose op is unusable still holds its id, so that references to it are not
      // reported as unknown too.
      node.op_loc = node.loc;
      if (!op) {
        error(n, "node '" + node.id + "': missing 'op'");
        node.broken = true;
      } else if (!scalar_string(op, "node '" + node.id + "': 'op'", node.op)) {
        node.broken = true;
      } else {
        node.op_loc = loc(op);
      }
      if (node.broken) {
        g.nodes.push_back(std::move(node));
        continue;
      }
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) continue;  // reported by check_yaml_structure
        const std::string& key = kv.first.Scalar();
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
    // `name_at` is where the name is written: the key of a map entry, else the reference.
    auto add = [&](std::string name, const YAML::Node& name_at, const YAML::Node& ref, bool listed) {
      std::string text;
      if (!scalar_string(ref, "an output reference", text)) return;
      if (!is_output_name(name)) {
        std::string fix = listed ? " (or name it in a map: outputs: {my_name: " + text + "})" : "";
        error(name_at, "output name '" + name +
                           "' must be a plain file name: letters, digits, '_', '-' and '.' (not first)" + fix);
        return;
      }
      if (!names.insert(name).second) {
        error(name_at, "duplicate output name '" + name + "'");
        return;
      }
      g.outputs.push_back({std::move(name), parse_ref(text, loc(ref))});
    };
    if (outputs.IsSequence()) {
      for (const auto& r : outputs) {
        std::string name = r.IsScalar() ? r.Scalar() : "";
        std::replace(name.begin(), name.end(), ':', '_');
        add(name, r, r, true);
      }
    } else if (outputs.IsMap()) {
      for (const auto& kv : outputs)
        if (kv.first.IsScalar()) add(kv.first.Scalar(), kv.first, kv.second, false);  // else reported already
    } else {
      error(outputs, "'outputs' must be a list of references or a map name -> reference");
    }
    if ((outputs.IsSequence() || outputs.IsMap()) && outputs.size() == 0)
      error(outputs, "'outputs' is empty: name at least one output");
  }

  std::string path_;
  DiagnosticSink& sink_;
};

}  // namespace

GraphFile parse_graph_file(const std::string& path, const std::vector<ParamOverride>& overrides,
                           DiagnosticSink& sink) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    sink.error({path, 0, 0}, "cannot open the graph file");
    sink.throw_if_any();
  }
  std::stringstream text;
  text << in.rdbuf();
  // Duplicate keys, non-scalar keys and alias bombs are visible only in the YAML events.
  if (!check_yaml_structure(path, text.str(), sink)) sink.throw_if_any();
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

std::string path_in_graph_dir(const std::string& dir, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative() && !dir.empty()) p = std::filesystem::path(dir) / p;
  return p.lexically_normal().string();
}

}  // namespace graphrun
