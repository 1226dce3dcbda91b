// max on the device (reduce_cuda.cuh): exact, NaN wins as in numpy; the same values as the
// CPU. Empty reductions never get here (infer refuses them).
#include "reduce_cuda.cuh"

namespace graphrun::core {

void max_cuda(const plugin::Node& node, const ReduceIndex& ix, const void* x, void* out, int64_t outputs) {
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    reduce_cuda(node, "max", ix, MaxRule<T>{}, static_cast<const T*>(x), static_cast<T*>(out), outputs);
  });
}

}  // namespace graphrun::core
