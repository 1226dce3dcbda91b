// constant on the device: a scalar filled in; a list copied from the prepared state (host
// memory that outlives the run, so the asynchronous copy is safe) into stream-ordered
// scratch, then broadcast through the CPU kernel's StridedIndex.
#include "cuda_launch.cuh"
#include "cuda_launchers.h"

namespace graphrun::core {
namespace {

template <typename T> struct BroadcastAt {
  StridedIndex broadcast;
  const T* values;
  __device__ T operator()(int64_t i) const { return values[broadcast.offset(i)]; }
};

}  // namespace

void constant_cuda(const plugin::Node& node, const void* values, int64_t count, const StridedIndex& broadcast,
                   void* out, int64_t numel) {
  if (numel <= 0) return;
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    const T* host = static_cast<const T*>(values);
    if (count == 1) {
      generate(node, "constant", numel, FillWith<T>{host[0]}, static_cast<T*>(out));
      return;
    }
    const size_t bytes = static_cast<size_t>(count) * sizeof(T);
    T* device = static_cast<T*>(node.device_scratch(bytes));
    check_cuda(cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice, stream_of(node)), "constant",
               "copy of the values to the device failed");
    generate(node, "constant", numel, BroadcastAt<T>{broadcast, device}, static_cast<T*>(out));
  });
}

}  // namespace graphrun::core
