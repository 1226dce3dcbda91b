// The CUDA device a graphrun process may use. graphrun links the CUDA runtime statically and
// no driver: the runtime opens the driver when first called, so a machine without a driver
// or a GPU still runs graphrun on the CPU, and the probe says why there is no device.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace graphrun::cuda {

/// What graphrun needs to know of the device it uses: device 0, or under an MPI launcher the
/// one choose_device_for_local_rank picked.
struct DeviceInfo {
  int index = 0;             // the CUDA ordinal
  std::string name;          // "NVIDIA H200"
  int cc_major = 0, cc_minor = 0;  // compute capability, 9.0 on Hopper
  uint64_t total_memory = 0;       // bytes
  int multiprocessors = 0;
  int driver_version = 0;   // as cudaDriverGetVersion gives it: 13000 for 13.0
  int runtime_version = 0;  // the runtime graphrun was built with
};

/// The outcome of looking for a device: one, or the reason there is none.
struct DeviceProbe {
  std::optional<DeviceInfo> device;
  std::string reason;  // empty when a device was found: "no NVIDIA driver is installed", ...
};

/// Probes once per process (later calls return the first answer); safe from any thread.
const DeviceProbe& probe_device();

/// One GPU per rank: the probe takes device local_rank % (devices visible), so the ranks on a
/// machine spread over its GPUs (and each takes its only one when CUDA_VISIBLE_DEVICES gives
/// it one). Call before the first probe_device; later calls change nothing.
void choose_device_for_local_rank(int local_rank);

}  // namespace graphrun::cuda
