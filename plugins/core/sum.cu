// sum on the device (reduce_cuda.cuh: a compensated sum in double; an empty sum is 0).
#include "reduce_cuda.cuh"

namespace graphrun::core {

void sum_cuda(const plugin::Node& node, const ReduceIndex& ix, const void* x, void* out, int64_t outputs) {
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    if (ix.count == 0)
      generate(node, "sum", outputs, FillWith<T>{T(0)}, static_cast<T*>(out));
    else
      reduce_cuda(node, "sum", ix, SumRule<T>{false}, static_cast<const T*>(x), static_cast<T*>(out), outputs);
  });
}

}  // namespace graphrun::core
