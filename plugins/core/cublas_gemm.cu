// matmul and linear on the device: row-major products through cuBLAS (column-major) by the
// transposition trick, C = A·op(B) computed as Cᵀ = op(B)ᵀ·Aᵀ. Strict arithmetic: compute
// type 32F/64F PEDANTIC (no TF32, no reduced-precision reductions), so f32 results stay
// within tolerance of the CPU's OpenBLAS.
#include "cuda_launch.cuh"
#include "cuda_launchers.h"

#include <cublas_v2.h>
#include <dlfcn.h>

#include <map>
#include <mutex>
#include <string>

namespace graphrun::core {
namespace {

/// The cuBLAS functions used, loaded from libcublas on the first product: linking it
/// would load its 200 MB into every graphrun process, GPU or not (0.8 s per start).
struct Cublas {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasSetStream_v2) set_stream;
  decltype(&cublasSetWorkspace_v2) set_workspace;
  decltype(&cublasSetMathMode) set_math_mode;
  decltype(&cublasGemmStridedBatchedEx_64) gemm;
  decltype(&cublasGetStatusString) status_string;
};

const Cublas& cublas() {
  static const Cublas api = [] {
    const std::string name = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
    void* lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen((std::string(GRAPHRUN_CUBLAS_DIR) + "/" + name).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) throw std::runtime_error("matmul/linear: cannot load " + name + ": " + dlerror());
    auto load = [&]<typename F>(F*& f, const char* symbol) {
      f = reinterpret_cast<F*>(dlsym(lib, symbol));
      if (!f) throw std::runtime_error("matmul/linear: " + name + " has no " + symbol);
    };
    Cublas c{};
    load(c.create, "cublasCreate_v2");
    load(c.set_stream, "cublasSetStream_v2");
    load(c.set_workspace, "cublasSetWorkspace_v2");
    load(c.set_math_mode, "cublasSetMathMode");
    load(c.gemm, "cublasGemmStridedBatchedEx_64");
    load(c.status_string, "cublasGetStatusString");
    return c;
  }();
  return api;
}

void check_cublas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string("matmul/linear: ") + what + ": " + cublas().status_string(s));
}

/// One cuBLAS handle per device, created on first use and kept for the process. Its use is
/// serialised (cublasSetStream, then the queued call), since nodes on different streams
/// may run at the same time; the call only queues work, so the lock is short.
struct DeviceHandle {
  cublasHandle_t handle = nullptr;
  std::mutex mutex;
};

DeviceHandle& handle_of_current_device() {
  static std::mutex mutex;
  static std::map<int, DeviceHandle> handles;
  int device = 0;
  check_cuda(cudaGetDevice(&device), "matmul/linear", "no current device");
  std::lock_guard lock(mutex);
  DeviceHandle& h = handles[device];
  if (!h.handle) check_cublas(cublas().create(&h.handle), "cublasCreate");
  return h;
}

}  // namespace

void cublas_gemm(const plugin::Node& node, const GemmBatch& g, const void* a, const void* b, void* c) {
  if (g.batch == 0 || g.m == 0 || g.n == 0) return;
  const bool f64 = node.dtype() == GR_F64;
  const size_t size = f64 ? 8 : 4;
  if (g.k == 0) {  // an empty sum: C = beta * C (dense items, stride_c = m * n)
    if (!g.accumulate)
      check_cuda(cudaMemsetAsync(c, 0, static_cast<size_t>(g.batch * g.m * g.n) * size, stream_of(node)),
                 "matmul/linear", "zeroing the output failed");
    return;
  }
  const double one64 = 1, zero64 = 0;
  const float one32 = 1, zero32 = 0;
  const void* alpha = f64 ? static_cast<const void*>(&one64) : &one32;
  const void* beta = g.accumulate ? alpha : f64 ? static_cast<const void*>(&zero64) : &zero32;
  const cudaDataType type = f64 ? CUDA_R_64F : CUDA_R_32F;
  const cublasComputeType_t compute = f64 ? CUBLAS_COMPUTE_64F_PEDANTIC : CUBLAS_COMPUTE_32F_PEDANTIC;
  // cuBLAS's recommended workspace (32 MiB on Hopper, 4 MiB before), stream-ordered.
  const size_t workspace_bytes = node.compute_capability() >= 90 ? (size_t{32} << 20) : (size_t{4} << 20);
  void* workspace = node.device_scratch(workspace_bytes);

  DeviceHandle& h = handle_of_current_device();
  std::lock_guard lock(h.mutex);
  check_cublas(cublas().set_stream(h.handle, stream_of(node)), "cublasSetStream");
  check_cublas(cublas().set_workspace(h.handle, workspace, workspace_bytes), "cublasSetWorkspace");
  check_cublas(cublas().set_math_mode(h.handle, CUBLAS_PEDANTIC_MATH), "cublasSetMathMode");
  check_cublas(cublas().gemm(h.handle, g.b_transposed ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N,
                                             g.n, g.m, g.k, alpha, b, type, g.ldb, g.stride_b, a, type, g.lda,
                                             g.stride_a, beta, c, type, g.ldc, g.stride_c, g.batch, compute,
                                             CUBLAS_GEMM_DEFAULT),
               "cublasGemmStridedBatchedEx");
}

}  // namespace graphrun::core
