// slice on the device: a gather through the CPU kernel's index math (slice_geometry.h).
#include "cuda_launch.cuh"
#include "cuda_launchers.h"

namespace graphrun::core {
namespace {

template <typename T> struct SliceAt {
  SliceGeometry g;
  const T* x;
  __device__ T operator()(int64_t i) const { return x[g.source_offset(i)]; }
};

}  // namespace

void slice_cuda(const plugin::Node& node, const SliceGeometry& g, const void* x, void* out, int64_t numel) {
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    generate(node, "slice", numel, SliceAt<T>{g, static_cast<const T*>(x)}, static_cast<T*>(out));
  });
}

}  // namespace graphrun::core
