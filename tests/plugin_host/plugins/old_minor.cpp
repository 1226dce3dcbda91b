// A plugin built against the frozen plugin API 2.0 headers (tests/plugin_host/abi_v2_0): it
// must keep loading and running in every graphrun 2.x, whose structs have grown since.
#include <graphrun/plugin.hpp>

static_assert(GRAPHRUN_API_MAJOR == 2 && GRAPHRUN_API_MINOR == 0, "built against the frozen 2.0 headers");

using graphrun::plugin::Node;
using graphrun::plugin::OpDef;
using graphrun::plugin::OutTensor;
using graphrun::plugin::Outputs;

GRAPHRUN_PLUGIN(reg) {
  OpDef cube("old_cube", "x cubed plus an offset (an elementwise op from a 2.0 plugin)");
  cube.input("x", "input").attr("offset", 0.0, "added").elementwise("x * x * x + offset");

  OpDef repeat("old_repeat", "each value of x repeated `times` times along a new last axis, times `gain`");
  repeat.input("x", "input")
      .output("out", "shape x.shape + (times,)")
      .attr("times", 2, "how many copies")
      .attr("gain", 1.0, "factor")
      .infer([](const Node& node, Outputs& outs) {
        auto shape = node.input("x").shape_vec();
        shape.push_back(node.attr_int("times"));
        outs.add(shape);
      })
      .cpu([](const Node& node, std::span<OutTensor> outs) {
        graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() {
          const T* x = node.input("x").data<T>();
          T* out = outs[0].data<T>();
          const int64_t times = node.attr_int("times"), n = node.input("x").numel();
          const T gain = static_cast<T>(node.attr_float("gain"));
          node.parallel_for(n, 64, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i)
              for (int64_t k = 0; k < times; ++k) out[i * times + k] = gain * x[i];
          });
        });
      });
  return graphrun::plugin::register_ops(reg, {std::move(cube), std::move(repeat)});
}
