// mean on the device (reduce_cuda.cuh: the sum rounded to T, divided by the count in T; an
// empty mean is NaN, as numpy's 0/0).
#include "reduce_cuda.cuh"

#include <limits>

namespace graphrun::core {

void mean_cuda(const plugin::Node& node, const ReduceIndex& ix, const void* x, void* out, int64_t outputs) {
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    if (ix.count == 0)
      generate(node, "mean", outputs, FillWith<T>{std::numeric_limits<T>::quiet_NaN()}, static_cast<T*>(out));
    else
      reduce_cuda(node, "mean", ix, SumRule<T>{true}, static_cast<const T*>(x), static_cast<T*>(out), outputs);
  });
}

}  // namespace graphrun::core
