// Ops for the placement tests: two copies of x, one whose descriptor has a CUDA kernel and
// one without, so that "which ops run on the GPU" is seen to follow the descriptor. The
// kernels are never called on a device here (there is none); the CUDA one only has to exist.
#include <graphrun/plugin.hpp>

#include <algorithm>
#include <span>
#include <stdexcept>

using graphrun::plugin::Node;
using graphrun::plugin::OpDef;
using graphrun::plugin::OutTensor;
using graphrun::plugin::Outputs;

namespace {

void same_shape(const Node& node, Outputs& outs) { outs.add(node.input("x").shape()); }

void copy_x(const Node& node, std::span<OutTensor> outs) {
  graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() {
    const auto x = node.input("x");
    std::copy(x.data<T>(), x.data<T>() + x.numel(), outs[0].data<T>());
  });
}

}  // namespace

GRAPHRUN_PLUGIN(reg) {
  OpDef with_cuda("copy_with_cuda_kernel", "copies x; its descriptor has a CUDA kernel");
  with_cuda.input("x", "input").output("out", "x").infer(same_shape).cpu(copy_x).cuda([](const Node&, std::span<OutTensor>) {
    throw std::runtime_error("the placement tests never run a CUDA kernel");
  });
  OpDef host_only("copy_on_host", "copies x; it has no CUDA kernel");
  host_only.input("x", "input").output("out", "x").infer(same_shape).cpu(copy_x);
  return graphrun::plugin::register_ops(reg, {std::move(with_cuda), std::move(host_only)});
}
