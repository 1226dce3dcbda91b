// A fused elementwise group: data from which the CPU evaluator runs and the CUDA emitter
// prints a kernel. Its variables are the group's external inputs, in input order.
#pragma once

#include "expr/expr.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace graphrun {

struct FusedGroup {
  std::vector<std::string> member_ids;   // the original nodes, in topological order
  std::vector<std::string> member_ops;
  std::vector<std::pair<int, int>> member_edges;  // producer -> consumer, member indices
  std::vector<std::string> member_edge_ports;     // the consumer's port of each member edge
  std::vector<std::vector<int64_t>> member_shapes;  // each member's output shape
  /// For each input of the fused node: the members that read it and through which port
  /// (`dot` draws the edge to the member, not to the group).
  std::vector<std::vector<std::pair<int, std::string>>> input_uses;
  std::vector<std::string> variables;    // one per input of the fused node
  std::vector<expr::AstPtr> formulas;    // one per output of the fused node
  std::shared_ptr<const expr::Program> program;
  uint64_t bytes_saved = 0;              // intermediates that no longer touch memory
};

}  // namespace graphrun
