// concat on the device: each input scattered to its columns of the output rows, through the
// CPU kernel's ConcatPlacement; one launch per input, all on the node's stream.
#include "cuda_launch.cuh"
#include "cuda_launchers.h"

namespace graphrun::core {
namespace {

template <typename T>
__global__ void place_kernel(int64_t n, ConcatPlacement place, const T* part, T* out) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    out[place.destination(i)] = part[i];
}

}  // namespace

void concat_cuda(const plugin::Node& node, const ConcatPlacement& place, const void* part, int64_t numel,
                 void* out) {
  if (numel <= 0) return;
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    place_kernel<T><<<grid_for(numel), kCudaBlock, 0, stream_of(node)>>>(numel, place, static_cast<const T*>(part),
                                                                         static_cast<T*>(out));
  });
  check_launch("concat");
}

}  // namespace graphrun::core
