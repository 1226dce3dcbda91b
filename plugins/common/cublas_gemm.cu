// Row-major products through cuBLAS (column-major) by the transposition trick, C = A·op(B)
// computed as Cᵀ = op(B)ᵀ·Aᵀ (cublas_gemm.h). Strict arithmetic: compute type 32F/64F
// PEDANTIC (no TF32, no reduced-precision reductions), so f32 results stay within tolerance
// of the CPU's OpenBLAS.
#include "common/cublas_gemm.h"

#include "cuda_library.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

namespace graphrun::common {
namespace {

/// Throws std::runtime_error "who: what: CUDA's message" unless e is cudaSuccess.
void check_cuda(cudaError_t e, const char* who, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(who) + ": " + what + ": " + cudaGetErrorString(e));
}

/// The cuBLAS functions used, loaded from libcublas on the first product (cuda_library.h):
/// linking it would load its 200 MB into every graphrun process, GPU or not (0.8 s per start).
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
    const CudaLibrary lib("cublas", CUBLAS_VER_MAJOR, GRAPHRUN_CUDA_LIBRARY_DIR);
    Cublas c{};
    lib.resolve(c.create, "cublasCreate_v2");
    lib.resolve(c.set_stream, "cublasSetStream_v2");
    lib.resolve(c.set_workspace, "cublasSetWorkspace_v2");
    lib.resolve(c.set_math_mode, "cublasSetMathMode");
    lib.resolve(c.gemm, "cublasGemmStridedBatchedEx_64");
    lib.resolve(c.status_string, "cublasGetStatusString");
    return c;
  }();
  return api;
}

/// The loaded library, or std::runtime_error "op: why it cannot be loaded".
const Cublas& cublas(const char* op) {
  try {
    return cublas();
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string(op) + ": " + e.what());
  }
}

void check_cublas(cublasStatus_t s, const char* op, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string(op) + ": " + what + ": " + cublas(op).status_string(s));
}

/// One cuBLAS handle per device, created on first use and kept for the process. Its use is
/// serialised (cublasSetStream, then the queued call), since nodes on different streams
/// may run at the same time; the call only queues work, so the lock is short.
struct DeviceHandle {
  cublasHandle_t handle = nullptr;
  std::mutex mutex;
};

DeviceHandle& handle_of_current_device(const char* op) {
  static std::mutex mutex;
  static std::map<int, DeviceHandle> handles;
  int device = 0;
  check_cuda(cudaGetDevice(&device), op, "no current device");
  std::lock_guard lock(mutex);
  DeviceHandle& h = handles[device];
  if (!h.handle) check_cublas(cublas(op).create(&h.handle), op, "cublasCreate");
  return h;
}

}  // namespace

void cublas_gemm(const plugin::Node& node, const GemmBatch& g, const void* a, const void* b, void* c,
                 const char* op) {
  if (g.batch == 0 || g.m == 0 || g.n == 0) return;
  const bool f64 = node.dtype() == GR_F64;
  const size_t size = f64 ? 8 : 4;
  if (g.k == 0) {  // an empty sum: C = beta * C (dense items, stride_c = m * n)
    if (!g.accumulate)
      check_cuda(cudaMemsetAsync(c, 0, static_cast<size_t>(g.batch * g.m * g.n) * size,
                                 static_cast<cudaStream_t>(node.cuda_stream())),
                 op, "zeroing the output failed");
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

  DeviceHandle& h = handle_of_current_device(op);
  const Cublas& api = cublas(op);
  std::lock_guard lock(h.mutex);
  check_cublas(api.set_stream(h.handle, static_cast<cudaStream_t>(node.cuda_stream())), op, "cublasSetStream");
  check_cublas(api.set_workspace(h.handle, workspace, workspace_bytes), op, "cublasSetWorkspace");
  check_cublas(api.set_math_mode(h.handle, CUBLAS_PEDANTIC_MATH), op, "cublasSetMathMode");
  check_cublas(api.gemm(h.handle, g.b_transposed ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N, g.n, g.m, g.k, alpha, b,
                        type, g.ldb, g.stride_b, a, type, g.lda, g.stride_a, beta, c, type, g.ldc, g.stride_c,
                        g.batch, compute, CUBLAS_GEMM_DEFAULT),
               op, "cublasGemmStridedBatchedEx");
}

}  // namespace graphrun::common
