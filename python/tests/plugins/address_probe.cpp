// address_probe: out = [address of x's data, address of out's data], as float64. The Python
// tests compare them with the numpy arrays' own addresses: an input passed without a copy
// reaches the kernel at the caller's address, and an output comes back at the kernel's.
#include <graphrun/plugin.hpp>

#include <cstdint>

namespace {

using graphrun::plugin::Node;
using graphrun::plugin::OpDef;
using graphrun::plugin::OutTensor;
using graphrun::plugin::Outputs;

void infer(const Node& node, Outputs& outputs) {
  if (node.dtype() != GR_F64) throw graphrun::plugin::UserError("address_probe needs dtype f64 (48-bit addresses)");
  outputs.add({2});
}

void kernel(const Node& node, std::span<OutTensor> outputs) {
  double* out = outputs[0].data<double>();
  out[0] = static_cast<double>(reinterpret_cast<std::uintptr_t>(node.input("x").data<double>()));
  out[1] = static_cast<double>(reinterpret_cast<std::uintptr_t>(out));
}

}  // namespace

GRAPHRUN_PLUGIN(reg) {
  OpDef probe("address_probe", "[address of x's data, address of the output's data] (for tests)");
  probe.input("x", "any tensor").output("out", "two addresses").infer(infer).cpu(kernel);
  return graphrun::plugin::register_ops(reg, {std::move(probe)});
}
