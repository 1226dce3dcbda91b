// A C++ plugin whose OpDef is wrong (not elementwise, but no kernel): OpDef refuses it when
// the descriptor is built, and the host reports that reason for the plugin.
#include <graphrun/plugin.hpp>

using graphrun::plugin::Node;
using graphrun::plugin::Outputs;

GRAPHRUN_PLUGIN(reg) {
  graphrun::plugin::OpDef op("kernelless", "infer but no kernel");
  op.input("x", "input").output("out", "output").infer([](const Node& n, Outputs& o) { o.add(n.input("x").shape()); });
  return graphrun::plugin::register_ops(reg, {std::move(op)});
}
