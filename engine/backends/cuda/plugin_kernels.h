// What a plugin's cuda_kernel gets through gr_host API 2.5: kernels generated at run time,
// compiled by NVRTC through the kernel cache and loaded once per process (PluginKernels), and
// checks of device status words made by the host after its next stream synchronization
// (DeviceChecks), so that a kernel reports a device-side failure without synchronizing.
#pragma once

#include "plugin_host/running_step.h"

#include <cstdint>
#include <string>
#include <vector>

namespace graphrun::cuda {

/// The copies cuda_check asked for in one run, and their checks. Pinned host memory, kept
/// for the executor's life and reused by every run. Not thread-safe: one run at a time.
class DeviceChecks {
 public:
  DeviceChecks() = default;
  ~DeviceChecks();
  DeviceChecks(const DeviceChecks&) = delete;
  DeviceChecks& operator=(const DeviceChecks&) = delete;

  /// Queues a copy of `bytes` device bytes on `stream` for step `step` (node `node`).
  void add(void* stream, int step, const gr_node* node, const void* device_bytes, size_t bytes,
           gr_device_check_fn check);

  /// A failed check: its step and message.
  struct Failure {
    int step = -1;
    std::string message;
  };
  /// Once the stream is synchronized: runs the pending checks in the order they were asked
  /// for and forgets them; the first failure, if any (the rest are not run).
  Failure run();
  /// As run(), but keeps them: a captured CUDA graph makes the same copies at each launch.
  Failure run_kept() const;
  /// Forgets the pending checks (a failed run).
  void clear();

 private:
  struct Pending {
    int step;
    const gr_node* node;
    size_t offset, bytes;
    size_t chunk;
    gr_device_check_fn check;
  };
  void* room(size_t bytes, size_t* chunk, size_t* offset);

  struct Chunk {
    void* data = nullptr;
    size_t size = 0, used = 0;
  };
  std::vector<Chunk> chunks_;
  std::vector<Pending> pending_;
};

/// gr_host's 2.5 services for one cuda_kernel call of step `step` on `stream` (a
/// cudaStream_t) of a device of compute capability `cc` (major * 10 + minor).
class PluginKernels final : public DeviceKernelServices {
 public:
  PluginKernels(void* stream, int cc, int step, const gr_node* node, DeviceChecks& checks)
      : stream_(stream), cc_(cc), step_(step), node_(node), checks_(checks) {}
  void* function(const char* source, const char* symbol) override;
  void launch(void* kernel, const uint32_t grid[3], const uint32_t block[3], uint32_t shared_bytes,
              void* const* args) override;
  void check_after(const void* device_bytes, size_t bytes, gr_device_check_fn check) override;

 private:
  void* stream_;
  int cc_, step_;
  const gr_node* node_;
  DeviceChecks& checks_;
};

}  // namespace graphrun::cuda
