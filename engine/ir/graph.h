// The graph IR: nodes with resolved attributes and inferred shapes, edges as value
// references; Boost.Graph provides the topological order, cycle detection and DOT output.
#pragma once

#include "graph/diagnostics.h"
#include "plugin_host/registry.h"

#include <graphrun/plugin_api.h>

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace graphrun {

using Shape = std::vector<int64_t>;

/// Output `port` of node `node` (indices into Graph::nodes and Node::output_names).
struct ValueRef {
  int node = -1;
  int port = 0;
  bool operator==(const ValueRef&) const = default;
  auto operator<=>(const ValueRef&) const = default;
};

/// A node's attributes resolved against its op's declaration: one gr_value per declared
/// attribute, plus the storage those values point into. Not copyable (values point inside).
class AttrSet {
 public:
  AttrSet() = default;
  AttrSet(const AttrSet&) = delete;
  AttrSet& operator=(const AttrSet&) = delete;

  std::vector<const char*> names;  // declared names, in declaration order
  std::vector<gr_value> values;    // kind NONE when absent without default
  std::vector<SourceLoc> locs;     // where each value is written (node loc when defaulted)
  std::vector<bool> quoted;        // the YAML scalar was quoted (its text starts 1 col later)
  std::vector<bool> given;         // written in the node (not a default)
  bool incomplete = false;         // a value refers to a param with errors (reported there)
  /// Where each entry of a map attribute is written, by "attr.key" (e.g. "rhs.x"), and
  /// whether it was quoted: errors inside one formula of a map point at its column.
  std::map<std::string, std::pair<SourceLoc, bool>> entry_locs;

  const char* keep(std::string s) { return strings_.emplace_back(std::move(s)).c_str(); }
  gr_value* new_items(size_t n) { return items_.emplace_back(n).data(); }
  const char** new_keys(size_t n) { return keys_.emplace_back(n).data(); }
  /// Index of a declared attribute, or -1.
  int index(std::string_view name) const;

 private:
  // Lists: elements never move (values point into them), and an empty one allocates
  // nothing (an empty std::deque takes ~600 bytes: 1.7 KiB per node for three).
  std::list<std::string> strings_;
  std::list<std::vector<gr_value>> items_;
  std::list<std::vector<const char*>> keys_;
};

enum class NodeKind { kOp, kInput, kFused };

/// Numeric params visible to a node's formulas (a subgraph's nodes see the subgraph's).
struct ParamTable {
  std::vector<std::string> names;
  std::vector<double> values;
};

struct FusedGroup;  // passes/fuse_elementwise.h

/// One node of the IR.
struct Node {
  std::string id;
  NodeKind kind = NodeKind::kOp;
  const OpInfo* op = nullptr;  // kOp
  SourceLoc loc, op_loc;
  std::vector<std::string> input_ports;  // port name of each input, parallel to inputs
  std::vector<ValueRef> inputs;
  std::vector<SourceLoc> input_locs;
  std::vector<std::string> input_ref_ports;  // port named in each reference ("" = first)
  std::shared_ptr<AttrSet> attrs;
  std::shared_ptr<const ParamTable> params;  // null: the graph's
  std::vector<std::string> output_names;
  std::vector<Shape> output_shapes;
  std::shared_ptr<const FusedGroup> fused;  // kFused
  std::shared_ptr<const FusedGroup> epilogue;  // an elementwise chain the op applies to output 0
  /// A scan op (GR_OP_SCAN_BLOCKS) whose scan axis the shard_data pass split over ranks:
  /// which block this rank's node holds, of how many (gr_host.scan_ranks).
  int scan_rank = 0, scan_ranks = 1;
  bool removed = false;                     // dropped by a pass
  bool invalid = false;                     // has errors already reported: not inferred
  /// Index of the output named `port`, or -1.
  int output_index(const std::string& port) const;
};

/// A whole graph after loading: nodes, graph inputs (kInput nodes), named outputs.
struct Graph {
  std::string file, name, doc;
  gr_dtype dtype = GR_F32;
  std::shared_ptr<const ParamTable> params = std::make_shared<ParamTable>();  // numeric, for formulas
  /// The params a node's formulas see.
  const ParamTable& params_of(const Node& node) const { return node.params ? *node.params : *params; }
  std::vector<Node> nodes;
  std::vector<std::pair<std::string, ValueRef>> outputs;
  std::vector<std::string> output_ref_ports;  // port named in each output reference
  std::vector<SourceLoc> output_locs;
  /// Input specs (shape with -1 = any) by input node index.
  std::map<int, Shape> input_specs;
  /// Inputs declared `shard: AXIS` (or given --shard), by input node index: the axis (0 ..
  /// rank-1) along which each MPI rank holds one contiguous block, and where it is written.
  std::map<int, std::pair<int, SourceLoc>> input_shards;
  /// What the shard_data pass decided, for `explain` (empty in a world of one).
  std::string sharding_text;
  /// Per graph output, after the shard_data pass: the axis its value is held in blocks along
  /// (each rank hands back its block) and that axis's whole length; {-1, 0}: held whole.
  std::vector<std::pair<int, int64_t>> output_shards;

  /// Node indices in a topological order (stable: file order among ready nodes); throws
  /// GraphError naming the nodes on a cycle.
  std::vector<int> topo_order() const;
  /// For each node, the nodes consuming any of its outputs (each once).
  std::vector<std::vector<int>> consumers() const;
  /// Graphviz DOT (write_graphviz), fused groups drawn as clusters of their members.
  std::string to_dot() const;
};

/// Bytes of a tensor of this shape and dtype.
uint64_t tensor_bytes(const Shape& shape, gr_dtype dtype);

/// "(2, 3)".
std::string shape_str(const Shape& shape);

}  // namespace graphrun
