// The C view (gr_node) of an IR node, as plugin callbacks receive it: built once, then
// only the tensors' data pointers change from run to run.
#pragma once

#include "expr/expr.h"
#include "ir/graph.h"
#include "plugin_host/program_handle.h"

#include <memory>
#include <string>
#include <vector>

namespace graphrun {

class NodeCall {
 public:
  /// Views `node` of `graph`; input shapes are those inferred for the producers.
  NodeCall(const Graph& graph, const Node& node);
  NodeCall(const NodeCall&) = delete;
  NodeCall& operator=(const NodeCall&) = delete;

  gr_node& node() { return node_; }
  const gr_node& node() const { return node_; }
  /// The input tensors, whose data pointers a run sets (gr_node points at them).
  std::vector<gr_tensor>& inputs() { return inputs_; }

 private:
  gr_node node_{};
  std::vector<const char*> input_names_;
  std::vector<const char*> param_names_;
  std::unique_ptr<gr_program> epilogue_;
  std::vector<gr_tensor> inputs_;
  std::vector<const gr_tensor*> input_ptrs_;
};

/// A gr_tensor header (no data) of this shape and dtype.
gr_tensor tensor_header(const Shape& shape, gr_dtype dtype);

/// "FILE:LINE:COL: node 'n' (op 'x' from plugin P): what", for a failure that is the plugin's
/// fault rather than the graph's.
std::string plugin_fault(const Node& node, const std::string& what);

/// The elementwise formula of an op node, parsed over its input ports; attribute values and
/// the graph's params stand for other names. Throws GraphError pointing into the formula.
expr::AstPtr elementwise_formula(const Graph& graph, const Node& node);

}  // namespace graphrun
