// matmul and linear on the device: the products of plugins/common/cublas_gemm.cu (cuBLAS,
// loaded on first use), defined here so that the weak launcher cuda_launchers.h declares
// has a strong definition in this plugin.
#include "cuda_launchers.h"

namespace graphrun::core {

void cublas_gemm(const plugin::Node& node, const GemmBatch& g, const void* a, const void* b, void* c) {
  common::cublas_gemm(node, g, a, b, c, "matmul/linear");
}

}  // namespace graphrun::core
