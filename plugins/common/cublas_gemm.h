// Row-major batched products through cuBLAS, for the built-in plugins' CUDA kernels (core's
// matmul and linear, sequence's rnn). cuBLAS is loaded with dlopen on the first product
// (cublas_gemm.cu): linking it would load its 200 MB into every graphrun process. A static
// library (graphrun_plugin_cublas) in a build with CUDA; without CUDA nothing defines
// cublas_gemm and no caller is compiled.
#pragma once

#include <graphrun/plugin.hpp>

#include <cstdint>

namespace graphrun::common {

/// `batch` row-major products C_i = A_i · op(B_i) + beta · C_i with A_i (m, k) and op(B_i)
/// (k, n); op(B) = Bᵀ (B stored (n, k)) when b_transposed. Item i's operands start
/// i * stride_* elements after a, b, c (a stride may be 0: a shared operand).
struct GemmBatch {
  int64_t m, n, k;
  bool b_transposed;
  int64_t lda, ldb, ldc;
  int64_t stride_a, stride_b, stride_c;
  int64_t batch;
  bool accumulate;  // beta = 1 (add onto C), else beta = 0
};

/// Queues the products on node.cuda_stream(): one cuBLAS handle per device, strict f32/f64
/// arithmetic (no TF32), T = node.dtype(). Errors are std::runtime_error starting "op: ".
void cublas_gemm(const plugin::Node& node, const GemmBatch& g, const void* a, const void* b, void* c,
                 const char* op);

}  // namespace graphrun::common
