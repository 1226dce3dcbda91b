// A plugin whose op has a CPU and a CUDA kernel.
#include "saxpy.h"

using graphrun::plugin::Node;
using graphrun::plugin::OpDef;
using graphrun::plugin::OutTensor;
using graphrun::plugin::Outputs;

GRAPHRUN_PLUGIN(registrar) {
  OpDef op("saxpy", "out = a * x + y, on the CPU or a CUDA device");
  op.input("x", "a tensor")
      .input("y", "a tensor of x's shape")
      .output("out", "a * x + y")
      .attr("a", 1.0, "the factor of x")
      .infer([](const Node& node, Outputs& outs) { outs.add(node.input("x").shape()); })
      .cpu([](const Node& node, std::span<OutTensor> outputs) {
        graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() {
          const T a = static_cast<T>(node.attr_float("a"));
          const T* x = node.input("x").data<T>();
          const T* y = node.input("y").data<T>();
          T* out = outputs[0].data<T>();
          for (int64_t i = 0; i < outputs[0].numel(); ++i) out[i] = a * x[i] + y[i];
        });
      })
      .cuda(saxpy_cuda);
  return graphrun::plugin::register_ops(registrar, {op});
}
