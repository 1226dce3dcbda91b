// probe_device of a graphrun built without the CUDA Toolkit (-DGRAPHRUN_CUDA=OFF).
#include "backends/cuda/device.h"

namespace graphrun::cuda {

const DeviceProbe& probe_device() {
  static const DeviceProbe p{std::nullopt, "this graphrun was built without CUDA (-DGRAPHRUN_CUDA=OFF)"};
  return p;
}

void choose_device_for_local_rank(int) {}

}  // namespace graphrun::cuda
