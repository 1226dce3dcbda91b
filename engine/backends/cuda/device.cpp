#include "backends/cuda/device.h"

#include <cuda_runtime_api.h>

#include <atomic>
#include <string>

namespace graphrun::cuda {
namespace {

std::atomic<int> chosen_local_rank{0};

std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

DeviceProbe probe() {
  DeviceProbe p;
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  if (cudaDriverGetVersion(&driver) != cudaSuccess || driver == 0) {
    p.reason = "no NVIDIA driver is installed (libcuda.so.1 was not found)";
    return p;
  }
  if (driver < runtime) {
    p.reason = "the NVIDIA driver supports CUDA " + version_text(driver) + ", older than the CUDA " +
               version_text(runtime) + " runtime graphrun was built with: update the driver";
    return p;
  }
  int count = 0;
  if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess || count == 0) {
    p.reason = e == cudaSuccess || e == cudaErrorNoDevice ? std::string("the driver sees no GPU")
                                                            : std::string(cudaGetErrorString(e));
    cudaGetLastError();  // the error is ours to report, not the next call's
    return p;
  }
  const int index = chosen_local_rank.load() % count;
  cudaDeviceProp prop{};
  if (const cudaError_t e = cudaGetDeviceProperties(&prop, index); e != cudaSuccess) {
    p.reason = "device " + std::to_string(index) + " cannot be queried: " + cudaGetErrorString(e);
    cudaGetLastError();
    return p;
  }
  DeviceInfo d;
  d.index = index;
  d.name = prop.name;
  d.cc_major = prop.major;
  d.cc_minor = prop.minor;
  d.total_memory = prop.totalGlobalMem;
  d.multiprocessors = prop.multiProcessorCount;
  d.driver_version = driver;
  d.runtime_version = runtime;
  p.device = d;
  return p;
}

}  // namespace

const DeviceProbe& probe_device() {
  static const DeviceProbe p = probe();
  return p;
}

void choose_device_for_local_rank(int local_rank) { chosen_local_rank = local_rank < 0 ? 0 : local_rank; }

}  // namespace graphrun::cuda
