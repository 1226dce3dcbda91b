// reshape on the device: the same bytes, copied device to device on the node's stream.
#include "cuda_launch.cuh"
#include "cuda_launchers.h"

namespace graphrun::core {

void reshape_cuda(const plugin::Node& node, const void* x, void* out, int64_t bytes) {
  if (bytes <= 0) return;
  check_cuda(cudaMemcpyAsync(out, x, static_cast<size_t>(bytes), cudaMemcpyDeviceToDevice, stream_of(node)),
             "reshape", "device copy failed");
}

}  // namespace graphrun::core
