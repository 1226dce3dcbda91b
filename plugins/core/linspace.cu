// linspace on the device: each element from the CPU kernel's formula (source_formulas.h).
#include "cuda_launch.cuh"
#include "cuda_launchers.h"

namespace graphrun::core {
namespace {

template <typename T> struct LinspaceAt {
  LinspaceFormula f;
  __device__ T operator()(int64_t i) const { return static_cast<T>(f.value(i)); }
};

}  // namespace

void linspace_cuda(const plugin::Node& node, const LinspaceFormula& f, void* out) {
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    generate(node, "linspace", f.num, LinspaceAt<T>{f}, static_cast<T*>(out));
  });
}

}  // namespace graphrun::core
