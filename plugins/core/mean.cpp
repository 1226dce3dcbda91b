// mean: numpy.mean over one, several or all axes (the pairwise sum divided by the count).
#include "core_ops.h"
#include "cuda_launchers.h"
#include "reduce_kernel.h"

#include <limits>

namespace graphrun::core {
namespace {

void run_mean(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  const ReduceLayout layout = reduce_layout(node);
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    T* y = outs[0].data<T>();
    // An empty mean is 0/0 as numpy computes it: NaN.
    run_reduction<SumReducer>(node, layout, node.input("x").data<T>(), y,
                              std::numeric_limits<T>::quiet_NaN());
    if (layout.count == 0) return;
    const T count = static_cast<T>(layout.count);
    node.parallel_for(outs[0].numel(), int64_t{1} << 16, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] /= count;
    });
  });
}

void run_mean_cuda(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  const ReduceLayout layout = reduce_layout(node);
  mean_cuda(node, layout.index(), node.input("x").data<void>(), outs[0].data<void>(), outs[0].numel());
}

}  // namespace

plugin::OpDef mean_op() {
  plugin::OpDef op("mean",
                   "Mean over the given axes, as numpy.mean: the pairwise sum divided by the "
                   "number of elements. An empty mean is NaN.");
  reduction_attrs(op).infer(infer_reduction).cpu(run_mean).cuda(if_built(mean_cuda, run_mean_cuda));
  return op;
}

}  // namespace graphrun::core
