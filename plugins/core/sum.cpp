// sum: numpy.sum over one, several or all axes, by pairwise summation.
#include "core_ops.h"
#include "cuda_launchers.h"
#include "distributed_sum.h"
#include "reduce_kernel.h"

#include <stdexcept>

namespace graphrun::core {
namespace {

void run_sum(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  const ReduceLayout layout = reduce_layout(node);
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    // In a run sharded along the outermost reduced axis: this rank's block, summed with the
    // others' into the whole sum (the engine runs a sum over ranks on the CPU only).
    if (node.scan_share().ranks > 1)
      sum_over_ranks(node, layout, node.input("x").data<T>(), outs[0].data<T>(), T(0));
    else
      run_reduction<SumReducer>(node, layout, node.input("x").data<T>(), outs[0].data<T>(), T(0));
  });
}

void run_sum_cuda(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  if (node.scan_share().ranks > 1) throw std::runtime_error("a sum over ranks runs on the CPU only");
  const ReduceLayout layout = reduce_layout(node);
  sum_cuda(node, layout.index(), node.input("x").data<void>(), outs[0].data<void>(), outs[0].numel());
}

}  // namespace

plugin::OpDef sum_op() {
  plugin::OpDef op("sum",
                   "Sum over the given axes, as numpy.sum, by pairwise summation (accurate "
                   "for long f32 sums; the same bits for any thread count). An empty sum is 0.");
  // scans_blocks: over an axis split between MPI ranks, the ranks combine their blocks'
  // subtrees of the pairwise tree (distributed_sum.h) instead of gathering the input.
  reduction_attrs(op).scans_blocks().infer(infer_reduction).cpu(run_sum).cuda(if_built(sum_cuda, run_sum_cuda));
  return op;
}

}  // namespace graphrun::core
