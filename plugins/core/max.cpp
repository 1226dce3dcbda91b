// max: numpy.max over one, several or all axes; NaN wins, as in numpy.
#include "core_ops.h"
#include "cuda_launchers.h"
#include "reduce_kernel.h"

namespace graphrun::core {
namespace {

void infer_max(const plugin::Node& node, plugin::Outputs& outs) {
  const ReduceLayout layout = reduce_layout(node);
  if (layout.count == 0)
    throw plugin::UserError("zero-size array to reduction operation max which has no identity",
                            node.has_attr("axis") ? "axis" : "x");
  outs.add(layout.out_shape);
}

void run_max(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  const ReduceLayout layout = reduce_layout(node);
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    run_reduction<MaxReducer>(node, layout, node.input("x").data<T>(), outs[0].data<T>(), T(0));
  });
}

void run_max_cuda(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  const ReduceLayout layout = reduce_layout(node);
  max_cuda(node, layout.index(), node.input("x").data<void>(), outs[0].data<void>(), outs[0].numel());
}

}  // namespace

plugin::OpDef max_op() {
  plugin::OpDef op("max",
                   "Largest value over the given axes, as numpy.max: NaN when any value "
                   "reduced is NaN; reducing zero elements is an error.");
  reduction_attrs(op).infer(infer_max).cpu(run_max).cuda(if_built(max_cuda, run_max_cuda));
  return op;
}

}  // namespace graphrun::core
