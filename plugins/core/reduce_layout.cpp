// Reduction layout: axes normalised, runs of same-role axes merged, strides computed.
#include "reduce_layout.h"

#include "axis_index.h"

namespace graphrun::core {

ReduceLayout reduce_layout(const plugin::Node& node) {
  const plugin::Tensor x = node.input("x");
  const int rank = x.rank();
  const bool all_axes = !node.has_attr("axis");
  std::vector<bool> reduced(rank, all_axes);
  if (!all_axes) {
    for (int64_t a : node.attr_ints("axis")) {
      const int axis = normalize_axis(a, rank, "axis");
      if (reduced[axis]) throw plugin::UserError("duplicate value in 'axis'", "axis");
      reduced[axis] = true;
    }
  }
  const bool keepdims = node.attr_bool("keepdims");

  ReduceLayout layout;
  struct Run {
    int64_t size;
    bool reduced;
  };
  std::vector<Run> runs;
  for (int d = 0; d < rank; ++d) {
    const int64_t n = x.dim(d);
    if (reduced[d]) {
      layout.count *= n;
      if (keepdims) layout.out_shape.push_back(1);
    } else {
      layout.out_shape.push_back(n);
    }
    if (n == 1) continue;  // a size-1 axis changes no offset
    if (!runs.empty() && runs.back().reduced == reduced[d])
      runs.back().size *= n;
    else
      runs.push_back({n, reduced[d]});
  }
  if (!runs.empty() && !runs.back().reduced) {
    layout.inner = runs.back().size;
    runs.pop_back();
  }
  int64_t stride = layout.inner;
  std::vector<AxisRun> kept_reversed, reduced_reversed;
  for (size_t k = runs.size(); k-- > 0;) {
    (runs[k].reduced ? reduced_reversed : kept_reversed).push_back({runs[k].size, stride});
    if (!runs[k].reduced) layout.outer *= runs[k].size;
    stride *= runs[k].size;
  }
  layout.kept.assign(kept_reversed.rbegin(), kept_reversed.rend());
  layout.reduced.assign(reduced_reversed.rbegin(), reduced_reversed.rend());
  return layout;
}

void infer_reduction(const plugin::Node& node, plugin::Outputs& outs) {
  outs.add(reduce_layout(node).out_shape);
}

plugin::OpDef& reduction_attrs(plugin::OpDef& op) {
  return op.input("x", "the tensor to reduce")
      .output("out", "the reduction; the reduced axes removed (or kept as size 1)")
      .attr_optional("axis", GR_ATTR_INT_LIST,
                     "the axis or list of axes to reduce, negative counting from the last "
                     "(default: every axis)")
      .attr_bool("keepdims", false, "keep each reduced axis as an axis of size 1");
}

}  // namespace graphrun::core
