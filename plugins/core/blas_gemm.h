// Matrix products through OpenBLAS, made independent of the thread count: the work is cut
// into tiles whose sizes depend only on the shapes, and each tile is one single-threaded
// gemm call. OpenBLAS's own threading is not used: its results change with its thread count.
#pragma once

#include "common/blas.h"

#include <graphrun/plugin.hpp>

#include <algorithm>
#include <cstdint>

namespace graphrun::core {

/// One row-major product C = A · op(B) + beta · C, A (m, k), op(B) (k, n).
template <typename T>
struct GemmOperands {
  const T* a;
  int64_t lda;
  const T* b;
  int64_t ldb;
  T* c;
  int64_t ldc;
};

/// How a product of (m, k) by (k, n) is cut into tiles: a function of the shape alone.
struct GemmTiling {
  int64_t rows;  // rows of C per tile
  int64_t cols;  // columns of C per tile
  int64_t tile_macs;
};

/// Tiles of about an eighth of the product, between 2^22 and 2^28 multiply-adds: big enough
/// that each call runs near peak, small enough to spread over the cores.
inline GemmTiling gemm_tiling(int64_t m, int64_t n, int64_t k) {
  const int64_t kMin = int64_t{1} << 22, kMax = int64_t{1} << 28;
  const int64_t macs = m * n * std::max<int64_t>(k, 1);
  const int64_t target = std::clamp(macs / 8, kMin, kMax);
  const int64_t row_macs = n * std::max<int64_t>(k, 1);
  int64_t rows = (target + row_macs - 1) / row_macs;
  rows = std::min(m, (rows + 15) / 16 * 16);
  int64_t cols = n;
  if (rows == m && m * n * std::max<int64_t>(k, 1) > target) {  // few rows: cut columns
    const int64_t col_macs = m * std::max<int64_t>(k, 1);
    cols = std::min(n, std::max<int64_t>(64, ((target + col_macs - 1) / col_macs + 63) / 64 * 64));
  }
  return {std::max<int64_t>(rows, 1), std::max<int64_t>(cols, 1),
          std::max<int64_t>(rows * cols * std::max<int64_t>(k, 1), 1)};
}

/// Runs `batch` products C_i = A_i · op(B_i) + beta · C_i, all (m, k) by (k, n), in
/// parallel tiles. operands_of(i) gives the pointers of item i. op(B) is Bᵀ when
/// b_transposed (B stored (n, k)). beta is 0 (overwrite) or 1 (accumulate onto C).
/// Leading dimensions are n or k, as for dense row-major operands.
template <typename T, typename OperandsOf>
void parallel_gemm(const plugin::Node& node, int64_t batch, int64_t m, int64_t n, int64_t k,
                   bool b_transposed, T beta, const OperandsOf& operands_of) {
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta * C
    if (beta == T(0))
      for (int64_t i = 0; i < batch; ++i) {
        const GemmOperands<T> op = operands_of(i);
        for (int64_t r = 0; r < m; ++r) std::fill(op.c + r * op.ldc, op.c + r * op.ldc + n, T(0));
      }
    return;
  }
  // Sizes checked before any tile runs (tile rows stay below 2^29).
  blas::blas_size(n);
  blas::blas_size(k);
  // Each tile is a single-threaded call (common/openblas_threads.h); the tiles run in parallel.
  const GemmTiling tiling = gemm_tiling(m, n, k);
  const int64_t row_tiles = (m + tiling.rows - 1) / tiling.rows;
  const int64_t col_tiles = (n + tiling.cols - 1) / tiling.cols;
  const int64_t tiles_per_item = row_tiles * col_tiles;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 22) / tiling.tile_macs);
  node.parallel_for(batch * tiles_per_item, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const GemmOperands<T> op = operands_of(t / tiles_per_item);
      const int64_t r0 = (t % tiles_per_item) / col_tiles * tiling.rows;
      const int64_t c0 = (t % col_tiles) * tiling.cols;
      const int64_t rows = std::min(tiling.rows, m - r0);
      const int64_t cols = std::min(tiling.cols, n - c0);
      const T* b = b_transposed ? op.b + c0 * op.ldb : op.b + c0;
      blas::gemm(false, b_transposed, static_cast<int>(rows), static_cast<int>(cols), static_cast<int>(k),
                op.a + r0 * op.lda, static_cast<int>(op.lda), b, static_cast<int>(op.ldb), beta,
                op.c + r0 * op.ldc + c0, static_cast<int>(op.ldc));
    }
  });
}

}  // namespace graphrun::core
