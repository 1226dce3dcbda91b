// A third-party plugin as a user would write it: an elementwise op declared by its formula
// (so it fuses), and an op whose kernel throws, which must become a clear error.
#include <graphrun/plugin.hpp>

#include <algorithm>
#include <stdexcept>

using graphrun::plugin::Node;
using graphrun::plugin::OpDef;
using graphrun::plugin::OutTensor;
using graphrun::plugin::Outputs;

GRAPHRUN_PLUGIN(reg) {
  OpDef cube("cube", "x cubed, times an optional gain");
  cube.input("x", "input").attr("gain", 1.0, "factor applied to the cube").elementwise("gain * x * x * x");

  OpDef fails("always_fails", "a kernel that throws, to test error reporting");
  fails.input("x", "input")
      .output("out", "never written")
      .infer([](const Node& node, Outputs& outs) { outs.add(node.input("x").shape()); })
      .cpu([](const Node&, std::span<OutTensor>) { throw std::runtime_error("the kernel gave up on purpose"); });
  // A cumulative sum along the last axis that applies a fused epilogue to what it writes.
  OpDef running_sum("running_sum", "cumulative sum along the last axis (epilogue-capable)");
  running_sum.input("x", "input")
      .output("out", "cumulative sums")
      .supports_epilogue()
      .infer([](const Node& node, Outputs& outs) { outs.add(node.input("x").shape()); })
      .cpu([](const Node& node, std::span<OutTensor> outs) {
        graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() {
          const auto x = node.input("x");
          const int64_t length = x.rank() ? x.dim(-1) : 1, rows = x.numel() / std::max<int64_t>(length, 1);
          const T* in = x.data<T>();
          T* out = outs[0].data<T>();
          for (int64_t r = 0; r < rows; ++r) {
            T sum = 0;
            for (int64_t i = 0; i < length; ++i) out[r * length + i] = sum += in[r * length + i];
            node.apply_epilogue(out + r * length, length);
          }
        });
      });
  return graphrun::plugin::register_ops(reg, {std::move(cube), std::move(fails), std::move(running_sum)});
}
