// Which node is running on this thread. The executor sets it around each kernel call and the
// host's parallel_for carries it into its workers, so that a crash inside a plugin's kernel
// can name the node, op and plugin (plugins run in-process: a crash in one kills the run),
// and a kernel's progress reports reach the run that asked for them.
#pragma once

#include <graphrun/plugin_api.h>

#include <cstddef>
#include <cstdint>

namespace graphrun {

/// The services of gr_host API 2.5 for kernels a cuda_kernel generates (backends/cuda/
/// plugin_kernels.h implements them for one call). Each throws std::exception on failure.
class DeviceKernelServices {
 public:
  virtual ~DeviceKernelServices() = default;
  /// Compiles (through the kernel cache) and loads `source`; its kernel `symbol` (a cudaKernel_t).
  virtual void* function(const char* source, const char* symbol) = 0;
  virtual void launch(void* kernel, const uint32_t grid[3], const uint32_t block[3], uint32_t shared_bytes,
                      void* const* args) = 0;
  /// Copies `bytes` from the device after the work queued so far; check() reads the copy later.
  virtual void check_after(const void* device_bytes, size_t bytes, gr_device_check_fn check) = 0;
};

/// What a CUDA kernel call is given through gr_host's device services (API 2.2): set by the
/// CUDA executor around each cuda_kernel call; absent for CPU kernels.
struct DeviceCall {
  void* stream = nullptr;       // the cudaStream_t the kernel launches on
  int compute_capability = 0;   // major * 10 + minor
  /// Stream-ordered device memory for this call, freed after it; null when the device is full.
  void* (*scratch)(void* context, size_t bytes) = nullptr;
  void* scratch_context = nullptr;
  /// API 2.5: generated kernels (compile, launch, deferred checks); null where absent.
  DeviceKernelServices* kernels = nullptr;
};

/// A kernel call in flight. Each run has its own records (the progress target is that
/// run's); the strings belong to the plan and outlive every run, so a signal handler may
/// read them at any time.
struct RunningStep {
  const char* node = "";
  const char* op = "";
  const char* plugin = "";
  /// Where Node::report_progress goes (may be null): context, the step's index, 0..1.
  void (*progress)(void* context, int step, double fraction) = nullptr;
  void* progress_context = nullptr;
  int step = -1;
  const DeviceCall* device = nullptr;  // for a cuda_kernel call only
  /// A scan split over MPI ranks (gr_host.scan_ranks, API 2.4): this rank's block, of how many.
  int scan_rank = 0, scan_ranks = 1;
};

/// What this thread runs now, or null.
const RunningStep* current_step();

/// Marks `step` as running on this thread for the scope's life (nests).
class RunningStepScope {
 public:
  explicit RunningStepScope(const RunningStep* step);
  ~RunningStepScope();
  RunningStepScope(const RunningStepScope&) = delete;
  RunningStepScope& operator=(const RunningStepScope&) = delete;

 private:
  const RunningStep* previous_;
};

/// Installs handlers for SIGSEGV, SIGBUS, SIGFPE and SIGILL that print, async-signal-safely,
/// which node, op and plugin the crashing thread was running, then let the process die by
/// the same signal (so exit statuses and core dumps stay as usual). Idempotent.
void install_crash_reporter();

}  // namespace graphrun
