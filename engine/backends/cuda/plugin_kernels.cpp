#include "backends/cuda/plugin_kernels.h"

#include "backends/cuda/kernel_cache.h"
#include "backends/cuda/nvrtc_compiler.h"
#include "expr/cuda_source.h"

#include <cuda_runtime_api.h>
#include <nvrtc.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

namespace graphrun::cuda {
namespace {

void check(cudaError_t e, const char* call) {
  if (e == cudaSuccess) return;
  cudaGetLastError();
  throw std::runtime_error(std::string(call) + " failed: " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

// As the executor's generated kernels: sm_80 code for 8.x devices, sm_90 for 9.x.
int arch_of(int cc) {
  if (cc / 10 == 8) return 80;
  if (cc / 10 == 9) return 90;
  throw std::runtime_error("the device has compute capability " + std::to_string(cc / 10) + "." +
                           std::to_string(cc % 10) + "; graphrun compiles its kernels for 8.x and 9.x");
}

std::string nvrtc_version_text() {
  int major = 0, minor = 0;
  if (nvrtcVersion(&major, &minor) != NVRTC_SUCCESS) return "NVRTC unknown";
  return "NVRTC " + std::to_string(major) + "." + std::to_string(minor);
}

// Loaded libraries, for the process (a cudaLibrary_t is not tied to a context): by arch,
// source and symbol. Never unloaded, as native_function's images.
struct LoadedFunctions {
  std::mutex mutex;
  std::map<std::string, cudaLibrary_t> libraries;  // by arch + source
  std::map<std::string, cudaKernel_t> kernels;     // by arch + source + symbol
};
LoadedFunctions& loaded() {
  static LoadedFunctions* functions = new LoadedFunctions;  // never destroyed: handles live on
  return *functions;
}

}  // namespace

void* PluginKernels::function(const char* source, const char* symbol) {
  const int arch = arch_of(cc_);
  const std::string library_key = std::to_string(arch) + '\0' + source;
  const std::string kernel_key = library_key + '\0' + symbol;
  LoadedFunctions& f = loaded();
  {
    std::lock_guard lock(f.mutex);
    if (auto it = f.kernels.find(kernel_key); it != f.kernels.end()) return it->second;
  }
  // Compiled outside the lock (the cache makes concurrent callers of one key wait for one compile).
  const std::vector<NamedHeader> headers = {{expr::kElementwiseMathHeaderName, expr::elementwise_math_header()}};
  const KernelKey key{source, "sm_" + std::to_string(arch), nvrtc_version_text(), nvrtc_options(arch)};
  const KernelImage& image = KernelCache::process_cache().get_or_compile(key, [&] {
    CompiledModule module = compile_cuda_source(source, symbol, headers, arch);
    return KernelImage(module.cubin.begin(), module.cubin.end());
  });
  std::lock_guard lock(f.mutex);
  cudaLibrary_t& library = f.libraries[library_key];
  if (!library) {
    cudaLibrary_t loaded_library = nullptr;
    check(cudaLibraryLoadData(&loaded_library, image.data(), nullptr, nullptr, 0, nullptr, nullptr, 0),
          "cudaLibraryLoadData");
    library = loaded_library;
  }
  cudaKernel_t kernel = nullptr;
  if (cudaLibraryGetKernel(&kernel, library, symbol) != cudaSuccess) {
    cudaGetLastError();
    throw std::runtime_error(std::string("the compiled source has no kernel '") + symbol + "'");
  }
  f.kernels[kernel_key] = kernel;
  return kernel;
}

void PluginKernels::launch(void* kernel, const uint32_t grid[3], const uint32_t block[3], uint32_t shared_bytes,
                           void* const* args) {
  check(cudaLaunchKernel(kernel, dim3(grid[0], grid[1], grid[2]), dim3(block[0], block[1], block[2]),
                         const_cast<void**>(args), shared_bytes, static_cast<cudaStream_t>(stream_)),
        "cudaLaunchKernel");
}

void PluginKernels::check_after(const void* device_bytes, size_t bytes, gr_device_check_fn check) {
  checks_.add(stream_, step_, node_, device_bytes, bytes, check);
}

DeviceChecks::~DeviceChecks() {
  for (Chunk& c : chunks_) cudaFreeHost(c.data);
}

void* DeviceChecks::room(size_t bytes, size_t* chunk, size_t* offset) {
  bytes = (bytes + 15) / 16 * 16;
  for (size_t i = 0; i < chunks_.size(); ++i)
    if (chunks_[i].size - chunks_[i].used >= bytes) {
      *chunk = i;
      *offset = chunks_[i].used;
      chunks_[i].used += bytes;
      return static_cast<char*>(chunks_[i].data) + *offset;
    }
  Chunk c;
  c.size = std::max<size_t>(bytes, 64 * 1024);
  check(cudaMallocHost(&c.data, c.size), "cudaMallocHost (for a cuda_check)");
  c.used = bytes;
  chunks_.push_back(c);
  *chunk = chunks_.size() - 1;
  *offset = 0;
  return c.data;
}

void DeviceChecks::add(void* stream, int step, const gr_node* node, const void* device_bytes, size_t bytes,
                       gr_device_check_fn check_fn) {
  Pending p{step, node, 0, bytes, 0, check_fn};
  void* host = room(std::max<size_t>(bytes, 1), &p.chunk, &p.offset);
  if (bytes)
    check(cudaMemcpyAsync(host, device_bytes, bytes, cudaMemcpyDeviceToHost, static_cast<cudaStream_t>(stream)),
          "cudaMemcpyAsync (a cuda_check's copy)");
  pending_.push_back(p);
}

DeviceChecks::Failure DeviceChecks::run() {
  Failure failure = run_kept();
  clear();
  return failure;
}

DeviceChecks::Failure DeviceChecks::run_kept() const {
  Failure failure;
  for (const Pending& p : pending_) {
    gr_status status{};
    const void* host = static_cast<const char*>(chunks_[p.chunk].data) + p.offset;
    if (p.check(p.node, host, p.bytes, &status) != GR_OK) {
      failure.step = p.step;
      failure.message = std::string(status.message, strnlen(status.message, sizeof status.message));
      if (failure.message.empty()) failure.message = "a device check failed";
      break;
    }
  }
  return failure;
}

void DeviceChecks::clear() {
  pending_.clear();
  for (Chunk& c : chunks_) c.used = 0;
}

}  // namespace graphrun::cuda
