// arange on the device: each element from the CPU kernel's formula (source_formulas.h).
#include "cuda_launch.cuh"
#include "cuda_launchers.h"

namespace graphrun::core {
namespace {

template <typename T> struct ArangeAt {
  ArangeFormula f;
  __device__ T operator()(int64_t i) const { return static_cast<T>(f.value(i)); }
};

}  // namespace

void arange_cuda(const plugin::Node& node, const ArangeFormula& f, void* out, int64_t length) {
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    generate(node, "arange", length, ArangeAt<T>{f}, static_cast<T*>(out));
  });
}

}  // namespace graphrun::core
