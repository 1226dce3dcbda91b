// The IR's invariants, checked after loading and after every pass (as Halide checks its IR
// between lowering passes): a broken one is a bug in graphrun, never in the user's graph.
#pragma once

#include "ir/graph.h"

#include <stdexcept>
#include <string_view>

namespace graphrun {

/// A broken invariant of the IR: a bug in a pass, reported as an internal error (exit 1).
class InternalError : public std::logic_error {
  using std::logic_error::logic_error;
};

/// How far the graph has come: once loaded, nodes behind a graph input with a -1 axis may
/// still lack shapes; once shapes are inferred for the actual inputs, every live node has them.
enum class VerifyStage { kLoaded, kInferred };

/// Checks that `graph` is well formed after the step `after` (a pass name, or "load"): every
/// input of a live node refers to a live node and, where inferred, to one of its outputs;
/// each node's parallel input lists agree; ranks are 0..GR_MAX_RANK and inferred sizes are
/// non-negative; op nodes have their op and attributes; fused groups and epilogues have a
/// program with one variable per input and members that exist; graph outputs refer to live
/// values; input specs belong to input nodes; the graph has no cycle. Throws InternalError
/// naming the step, the invariant and the node.
void verify(const Graph& graph, std::string_view after, VerifyStage stage);

}  // namespace graphrun
