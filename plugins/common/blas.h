// The row-major OpenBLAS products of the built-in plugins, their one BLAS wrapper. Every call
// runs single-threaded (OpenBLAS's own threads would make results depend on their number):
// the ops run independent calls in parallel instead. Link graphrun_plugin_blas.
#pragma once

#include "common/openblas_threads.h"

#include <cblas.h>

#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace graphrun::blas {

/// C (m, n) = op(A) · op(B) + beta · C, row-major, op(X) = Xᵀ when the flag says so.
inline void gemm(bool a_t, bool b_t, int m, int n, int k, const float* a, int lda, const float* b,
                 int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, a_t ? CblasTrans : CblasNoTrans, b_t ? CblasTrans : CblasNoTrans, m,
              n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}
inline void gemm(bool a_t, bool b_t, int m, int n, int k, const double* a, int lda,
                 const double* b, int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, a_t ? CblasTrans : CblasNoTrans, b_t ? CblasTrans : CblasNoTrans, m,
              n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}

/// v as a BLAS int; a runtime error past 2^31 - 1 (BLAS takes 32-bit sizes).
inline int blas_size(int64_t v) {
  if (v > INT_MAX)
    throw std::runtime_error("matrix dimension " + std::to_string(v) +
                             " exceeds the BLAS limit of 2^31 - 1");
  return static_cast<int>(v);
}

}  // namespace graphrun::blas
