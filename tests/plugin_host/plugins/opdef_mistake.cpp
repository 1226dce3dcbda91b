// A C++ plugin whose OpDef is wrong: OpDef refuses it when the descriptor is built, and the
// host reports that reason for the plugin. GRAPHRUN_TEST_CASE picks the mistake: by default
// an op that is not elementwise but has no kernel; "device_epilogue_alone" an op that says
// its CUDA kernel applies the epilogue without supporting epilogues at all.
#include <graphrun/plugin.hpp>

#include <cstdlib>
#include <string>

using graphrun::plugin::Node;
using graphrun::plugin::OutTensor;
using graphrun::plugin::Outputs;

GRAPHRUN_PLUGIN(reg) {
  const char* env = std::getenv("GRAPHRUN_TEST_CASE");
  if (env && std::string(env) == "device_epilogue_alone") {
    graphrun::plugin::OpDef op("folding", "applies an epilogue it does not support");
    op.input("x", "input")
        .output("out", "output")
        .infer([](const Node& n, Outputs& o) { o.add(n.input("x").shape()); })
        .cpu([](const Node&, std::span<OutTensor>) {})
        .applies_epilogue_on_device();
    return graphrun::plugin::register_ops(reg, {std::move(op)});
  }
  graphrun::plugin::OpDef op("kernelless", "infer but no kernel");
  op.input("x", "input").output("out", "output").infer([](const Node& n, Outputs& o) { o.add(n.input("x").shape()); });
  return graphrun::plugin::register_ops(reg, {std::move(op)});
}
