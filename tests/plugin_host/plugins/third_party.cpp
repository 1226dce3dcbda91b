// A third-party plugin as a user would write it: an elementwise op declared by its formula
// (so it fuses), and an op whose kernel throws, which must become a clear error.
#include <graphrun/plugin.hpp>

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
  return graphrun::plugin::register_ops(reg, {std::move(cube), std::move(fails)});
}
