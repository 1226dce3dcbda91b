// A graph file as written (SPEC §2), parsed from YAML and checked for structure; ops and
// attributes are checked later against the registry (graph/build_graph.h).
#pragma once

#include "graph/diagnostics.h"

#include <graphrun/plugin_api.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace graphrun {

/// A reference to a value: "node", "node:port", or a graph input's name.
struct RefSpec {
  std::string node;
  std::string port;  // empty: the node's first output
  SourceLoc loc;
  std::string text() const { return port.empty() ? node : node + ":" + port; }
};

struct GraphFile;

/// One node entry of `nodes`.
struct NodeSpec {
  /// The file whose params and folder the node's attributes use: null for the file that
  /// holds the node, else the subgraph file it was inlined from.
  std::shared_ptr<const GraphFile> scope;
  std::string id;
  std::string op;
  SourceLoc loc;     // of the `id` value
  SourceLoc op_loc;  // of the `op` value
  bool positional_inputs = false;
  bool broken = false;  // its op is missing or unusable (reported): a placeholder for its id
  std::vector<std::pair<std::string, RefSpec>> inputs;  // port (or "0","1",...) -> ref
  std::vector<std::pair<std::string, YAML::Node>> attrs;  // the other keys, in file order
  std::map<std::string, SourceLoc> attr_key_locs;
};

/// One entry of `inputs`: a tensor supplied on the command line; -1 = any size on an axis.
struct InputSpec {
  std::string name;
  std::vector<int64_t> shape;
  SourceLoc loc;
  bool valid = true;  // false: its declaration has errors (reported)
  /// `shard: AXIS`: under mpirun each rank holds a contiguous block along this axis
  /// (normalized to 0..rank-1); nullopt: every rank holds all of it.
  std::optional<int> shard;
  SourceLoc shard_loc;
};

/// A named scalar of `params` (a number, or a string/bool used by `$name` attributes).
struct ParamSpec {
  YAML::Node value;
  SourceLoc loc;
};

/// A param value given from outside a file: `--set name=value` on the command line (loc
/// without a file), or an entry of a subgraph node's `params` (loc where it is written).
/// It must have the kind of the param's value in the file: a number for a number.
struct ParamOverride {
  std::string name;
  YAML::Node value;  // a scalar
  SourceLoc loc;
};

/// A path written in a graph file (plugins, a subgraph's file, a path attribute): relative to
/// the file's folder `dir` unless absolute, normalized.
std::string path_in_graph_dir(const std::string& dir, const std::string& path);

/// A parsed graph file.
struct GraphFile {
  std::string path;  // as given
  std::string dir;   // folder of the file, for relative paths
  std::string name;
  std::string doc;
  gr_dtype dtype = GR_F32;
  std::vector<std::pair<std::string, ParamSpec>> params;
  std::vector<std::string> invalid_params;  // declared with errors (reported): not "unknown" where used
  std::vector<InputSpec> inputs;
  std::vector<std::string> plugins;  // resolved against dir
  std::vector<SourceLoc> plugin_locs;
  std::vector<NodeSpec> nodes;
  std::vector<std::pair<std::string, RefSpec>> outputs;  // output name -> ref
  /// Numeric params (for formulas): name, value.
  std::vector<std::pair<std::string, double>> numeric_params() const;
  /// The param named `wanted`, or null.
  const ParamSpec* find_param(const std::string& wanted) const;
  /// Every param's name, for "did you mean".
  std::vector<std::string> param_names() const;
};

/// The number a plain (unquoted) YAML scalar writes, if it is one (booleans are not).
std::optional<double> yaml_number(const YAML::Node& node);

/// The param named by a "$name" scalar ("${name}" and "$a / $b" are not references).
std::optional<std::string> param_reference(const YAML::Node& node);

/// Location of a YAML node in `file` (1-based).
SourceLoc loc_of(const std::string& file, const YAML::Node& node);

/// Whether `name` may name an output: a plain file name of letters, digits, '_', '-' and
/// '.' (not first), so that `-o DIR` writes DIR/<name>.npy and nowhere else.
bool is_output_name(const std::string& name);

/// Parses and structurally checks a graph file with its params overridden. Collects every
/// problem into sink; returns what it could. Throws GraphError when the file can't be read
/// as YAML at all (unreadable, syntax error, alias bomb).
GraphFile parse_graph_file(const std::string& path, const std::vector<ParamOverride>& overrides,
                           DiagnosticSink& sink);

/// Parses "node" or "node:port".
RefSpec parse_ref(const std::string& text, SourceLoc loc);

}  // namespace graphrun
