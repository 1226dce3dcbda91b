// mean: numpy.mean over one, several or all axes (the pairwise sum divided by the count).
#include "core_ops.h"
#include "cuda_launchers.h"
#include "distributed_sum.h"
#include "reduce_kernel.h"

#include <limits>
#include <stdexcept>

namespace graphrun::core {
namespace {

void run_mean(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  const ReduceLayout layout = reduce_layout(node);
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    T* y = outs[0].data<T>();
    // An empty mean is 0/0 as numpy computes it: NaN. Over ranks (distributed_sum.h) the
    // count is every rank's.
    const T nan = std::numeric_limits<T>::quiet_NaN();
    int64_t n = layout.count;
    if (node.scan_share().ranks > 1)
      n = sum_over_ranks(node, layout, node.input("x").data<T>(), y, nan);
    else
      run_reduction<SumReducer>(node, layout, node.input("x").data<T>(), y, nan);
    if (n == 0) return;
    const T count = static_cast<T>(n);
    node.parallel_for(outs[0].numel(), int64_t{1} << 16, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] /= count;
    });
  });
}

void run_mean_cuda(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  if (node.scan_share().ranks > 1) throw std::runtime_error("a mean over ranks runs on the CPU only");
  const ReduceLayout layout = reduce_layout(node);
  mean_cuda(node, layout.index(), node.input("x").data<void>(), outs[0].data<void>(), outs[0].numel());
}

}  // namespace

plugin::OpDef mean_op() {
  plugin::OpDef op("mean",
                   "Mean over the given axes, as numpy.mean: the pairwise sum divided by the "
                   "number of elements. An empty mean is NaN.");
  // scans_blocks: over ranks, the sum's pieces are combined as sum's are (distributed_sum.h).
  reduction_attrs(op).scans_blocks().infer(infer_reduction).cpu(run_mean).cuda(if_built(mean_cuda, run_mean_cuda));
  return op;
}

}  // namespace graphrun::core
