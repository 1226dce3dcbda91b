// A fake CUDA runtime on the host, for testing the device executor without a GPU: the
// runtime API calls graphrun's CUDA backend makes, defined over host memory (fake_runtime.cpp),
// and kernels that are their own CUDA source compiled as host C++ (fake_nvrtc_compiler.cpp
// hands the source over as the "cubin"; a launch runs the kernel thread by thread through
// tests/cuda/host_shim.h).
//
// What it holds the executor to, as a device would (each a CUDA error, as CUDA reports it):
//  - a stream runs its work in order: here each call runs at once, outside a capture;
//  - device memory is device memory: a copy's device side must lie inside one live block,
//    and freeing what is not a live block is an error (double frees, foreign pointers);
//    a freed block is given back to the host allocator at once, so that under AddressSanitizer
//    a later use of it is reported;
//  - a stream capture records work instead of running it; it may not synchronize (the capture
//    is then invalidated, as CUDA does), nor copy to or from pageable host memory; blocks
//    allocated in it belong to the graph, and a block the graph frees is poisoned (NaN bytes)
//    at that point of each replay, so a later read of it in the graph shows;
//  - a device has limited memory: set_device_memory().
#pragma once

#include <cstddef>
#include <cstdint>

namespace graphrun::cuda::fake {

/// What the fake device has done and holds.
struct Counters {
  uint64_t device_bytes = 0;   // live blocks of cudaMallocAsync outside graphs
  uint64_t graph_bytes = 0;    // blocks owned by captured graphs still alive
  uint64_t pinned_bytes = 0;   // live cudaMallocHost blocks
  uint64_t launches = 0;       // kernels run (eagerly or in graph replays)
  uint64_t graph_launches = 0;
  uint64_t copies = 0;         // cudaMemcpyAsync calls run
};
Counters counters();

/// The device's memory: an allocation that would hold more fails with
/// cudaErrorMemoryAllocation. The default is 1 GiB, or $GRAPHRUN_FAKE_CUDA_MEMORY bytes.
void set_device_memory(uint64_t bytes);

/// While on, a kernel launch into a stream capture fails (cudaErrorStreamCaptureUnsupported,
/// the capture invalidated), as a library that synchronizes in its call would make it fail.
/// Off by default, or on with $GRAPHRUN_FAKE_CUDA_CAPTURE_FAULT=1.
void set_capture_fault(bool on);

/// The device's name, as cudaGetDeviceProperties gives it.
inline constexpr const char* kDeviceName = "graphrun fake CUDA device (host)";

}  // namespace graphrun::cuda::fake
