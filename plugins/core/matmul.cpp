// matmul: numpy.matmul — 1-D operands promoted then squeezed, batch axes broadcast.
#include "blas_gemm.h"
#include "core_ops.h"
#include "cuda_launchers.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace graphrun::core {
namespace {

using plugin::Node;
using plugin::Shape;
using plugin::UserError;

/// A matmul as a batch of (m, k) by (k, n) products.
struct MatmulPlan {
  int64_t m = 1, n = 1, k = 1;
  Shape batch;                    // broadcast batch shape
  std::vector<int64_t> a_stride;  // per batch axis, elements of a between items (0: broadcast)
  std::vector<int64_t> b_stride;
  Shape out;

  /// Offsets of batch item `item`'s a and b (row-major over the batch shape).
  std::pair<int64_t, int64_t> item_offsets(int64_t item) const {
    int64_t a_off = 0, b_off = 0;
    for (size_t d = batch.size(); d-- > 0;) {
      const int64_t i = item % batch[d];
      item /= batch[d];
      a_off += i * a_stride[d];
      b_off += i * b_stride[d];
    }
    return {a_off, b_off};
  }
};

std::string both_shapes(const plugin::Tensor& b, const plugin::Tensor& a) {
  return "port 'b': shape " + plugin::shape_str(b.shape()) + " does not match " +
         plugin::shape_str(a.shape()) + " of port 'a'";
}

MatmulPlan plan_matmul(const Node& node) {
  const plugin::Tensor a = node.input("a"), b = node.input("b");
  for (const char* port : {"a", "b"})
    if (node.input(port).rank() == 0)
      throw UserError(
          std::string("port '") + port + "': matmul needs at least one dimension, got shape ()",
          port);
  MatmulPlan p;
  const bool a_vector = a.rank() == 1, b_vector = b.rank() == 1;
  p.k = a.dim(-1);
  const int64_t kb = b_vector ? b.dim(0) : b.dim(-2);
  if (kb != p.k)
    throw UserError(both_shapes(b, a) + " on the contracted axis (" + std::to_string(kb) + " vs " +
                        std::to_string(p.k) + ")",
                    "b");
  p.m = a_vector ? 1 : a.dim(-2);
  p.n = b_vector ? 1 : b.dim(-1);

  // Batch axes, aligned on the right as numpy broadcasting does.
  const int a_batch = std::max(a.rank() - 2, 0), b_batch = std::max(b.rank() - 2, 0);
  const int rank = std::max(a_batch, b_batch);
  p.batch.assign(rank, 1);
  p.a_stride.assign(rank, 0);
  p.b_stride.assign(rank, 0);
  int64_t a_step = p.m * p.k, b_step = p.k * p.n;
  for (int d = rank - 1; d >= 0; --d) {
    const int ad = d - (rank - a_batch), bd = d - (rank - b_batch);
    const int64_t an = ad >= 0 ? a.dim(ad) : 1, bn = bd >= 0 ? b.dim(bd) : 1;
    if (an != bn && an != 1 && bn != 1)
      throw UserError(both_shapes(b, a) + " on the batch axes (" + std::to_string(bn) + " vs " +
                          std::to_string(an) + " do not broadcast)",
                      "b");
    p.batch[d] = an == 1 ? bn : an;
    if (an != 1) p.a_stride[d] = a_step;
    if (bn != 1) p.b_stride[d] = b_step;
    a_step *= an;
    b_step *= bn;
  }
  p.out = p.batch;
  if (!a_vector) p.out.push_back(p.m);
  if (!b_vector) p.out.push_back(p.n);
  return p;
}

void infer_matmul(const Node& node, plugin::Outputs& outs) { outs.add(plan_matmul(node).out); }

void run_matmul(const Node& node, std::span<plugin::OutTensor> outs) {
  const MatmulPlan p = plan_matmul(node);
  const int64_t batch = plugin::numel(p.batch);
  const plugin::Tensor a = node.input("a"), b = node.input("b");
  const int64_t ldb = p.n;  // a 1-D b is a (k, 1) column: ldb 1 = n
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    const T* a_data = a.data<T>();
    const T* b_data = b.data<T>();
    T* c = outs[0].data<T>();
    const bool b_shared =
        std::all_of(p.b_stride.begin(), p.b_stride.end(), [](int64_t s) { return s == 0; });
    const bool a_whole = plugin::numel(a.shape()) == batch * p.m * p.k;
    if (b_shared && a_whole) {  // every item uses the same b: one product of stacked rows
      parallel_gemm<T>(node, 1, batch * p.m, p.n, p.k, false, T(0),
                       [&](int64_t) { return GemmOperands<T>{a_data, p.k, b_data, ldb, c, p.n}; });
      return;
    }
    parallel_gemm<T>(node, batch, p.m, p.n, p.k, false, T(0), [&](int64_t item) {
      const auto [a_off, b_off] = p.item_offsets(item);
      return GemmOperands<T>{a_data + a_off, p.k, b_data + b_off, ldb, c + item * p.m * p.n, p.n};
    });
  });
}

/// Whether every item's offset in an operand is item * *step (so one strided-batched call
/// covers the batch): the strides of an operand that is whole or broadcast as a block.
bool uniform_step(const MatmulPlan& p, bool of_a, int64_t batch, int64_t* step) {
  auto offset = [&](int64_t item) {
    const auto [a_off, b_off] = p.item_offsets(item);
    return of_a ? a_off : b_off;
  };
  *step = batch > 1 ? offset(1) : 0;
  int64_t inner = 1;  // items per step of batch axis d
  for (size_t d = p.batch.size(); d-- > 0;) {
    const int64_t stride = of_a ? p.a_stride[d] : p.b_stride[d];
    if (p.batch[d] > 1 && stride != *step * inner) return false;
    inner *= p.batch[d];
  }
  return true;
}

void run_matmul_cuda(const Node& node, std::span<plugin::OutTensor> outs) {
  const MatmulPlan p = plan_matmul(node);
  const int64_t batch = plugin::numel(p.batch);
  const char* a = static_cast<const char*>(node.input("a").data<void>());
  const char* b = static_cast<const char*>(node.input("b").data<void>());
  char* c = static_cast<char*>(outs[0].data<void>());
  GemmBatch g{p.m, p.n, p.k, false, p.k, p.n, p.n, 0, 0, p.m * p.n, batch, false};
  if (uniform_step(p, true, batch, &g.stride_a) && uniform_step(p, false, batch, &g.stride_b)) {
    cublas_gemm(node, g, a, b, c);
    return;
  }
  // Batch axes broadcast against each other (a (2, 1, m, k) by b (3, k, n)): one call per item.
  const int64_t size = node.dtype() == GR_F64 ? 8 : 4;
  g.batch = 1;
  for (int64_t item = 0; item < batch; ++item) {
    const auto [a_off, b_off] = p.item_offsets(item);
    cublas_gemm(node, g, a + a_off * size, b + b_off * size, c + item * p.m * p.n * size);
  }
}

}  // namespace

plugin::OpDef matmul_op() {
  plugin::OpDef op("matmul",
                   "Matrix product with numpy.matmul semantics: the last two axes are "
                   "matrices, leading axes are batch axes that broadcast; a 1-D a is a row "
                   "and a 1-D b a column, their axis removed from the result. Uses OpenBLAS.");
  op.input("a", "left operand (..., m, k), or (k,)")
      .input("b", "right operand (..., k, n), or (k,)")
      .output("out", "the product (batch..., m, n), without m or n for 1-D operands")
      .infer(infer_matmul)
      .cpu(run_matmul)
      .cuda(if_built(cublas_gemm, run_matmul_cuda));
  return op;
}

}  // namespace graphrun::core
