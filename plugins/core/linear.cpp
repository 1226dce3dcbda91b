// linear: y = x·Wᵀ + bias over the last axis (torch.nn.functional.linear), one tiled gemm.
#include "axis_index.h"
#include "blas_gemm.h"
#include "core_ops.h"
#include "cuda_launchers.h"
#include "parallel_copy.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace graphrun::core {
namespace {

using plugin::Node;
using plugin::UserError;

void infer_linear(const Node& node, plugin::Outputs& outs) {
  const plugin::Tensor x = node.input("x"), w = node.input("W");
  if (x.rank() == 0)
    throw UserError("port 'x': linear needs at least one dimension, got shape ()", "x");
  if (w.rank() != 2)
    throw UserError(
        "port 'W': expected a matrix (out, in), got shape " + plugin::shape_str(w.shape()), "W");
  if (w.dim(1) != x.dim(-1))
    throw UserError("port 'W': shape " + plugin::shape_str(w.shape()) + " does not match " +
                        plugin::shape_str(x.shape()) + " of port 'x' on the contracted axis (" +
                        std::to_string(w.dim(1)) + " vs " + std::to_string(x.dim(-1)) + ")",
                    "W");
  if (node.has_input("bias")) {
    const plugin::Tensor bias = node.input("bias");
    if (bias.rank() != 1 || bias.dim(0) != w.dim(0))
      throw UserError("port 'bias': shape " + plugin::shape_str(bias.shape()) +
                          " does not match (" + std::to_string(w.dim(0)) +
                          ",), the output size of port 'W' with shape " +
                          plugin::shape_str(w.shape()),
                      "bias");
  }
  plugin::Shape shape = x.shape_vec();
  shape.back() = w.dim(0);
  outs.add(shape);
}

void run_linear(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor x = node.input("x"), w = node.input("W"), bias = node.input("bias");
  const int64_t in = w.dim(1), out = w.dim(0);
  const int64_t rows = dims_product(x.shape(), 0, x.rank() - 1);
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    T* y = outs[0].data<T>();
    if (bias.valid() && rows * out > 0) {  // y starts as the bias; the gemm adds x·Wᵀ onto it
      const T* b = bias.data<T>();
      auto fill_rows = [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
          std::memcpy(y + r * out, b, static_cast<size_t>(out) * sizeof(T));
      };
      node.parallel_for(rows, copy_grain_rows(out), std::move(fill_rows));
    }
    const T beta = bias.valid() ? T(1) : T(0);
    parallel_gemm<T>(node, 1, rows, out, in, true, beta, [&](int64_t) {
      return GemmOperands<T>{x.data<T>(), in, w.data<T>(), in, y, out};
    });
  });
}

void run_linear_cuda(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor x = node.input("x"), w = node.input("W"), bias = node.input("bias");
  const int64_t in = w.dim(1), out = w.dim(0);
  const int64_t rows = dims_product(x.shape(), 0, x.rank() - 1);
  if (rows * out == 0) return;
  void* y = outs[0].data<void>();
  if (bias.valid()) linear_bias_cuda(node, bias.data<void>(), y, rows, out);
  const GemmBatch g{rows, out, in, true, in, in, out, 0, 0, 0, 1, bias.valid()};
  cublas_gemm(node, g, x.data<void>(), w.data<void>(), y);
}

}  // namespace

plugin::OpDef linear_op() {
  plugin::OpDef op("linear",
                   "y = x·Wᵀ + bias over the last axis of x, as torch.nn.functional.linear; "
                   "W has shape (out, in). One OpenBLAS gemm over all leading rows.");
  op.input("x", "input (..., in)")
      .input("W", "weight (out, in)")
      .input("bias", "bias (out,), added to every row", true)
      .output("out", "the result (..., out)")
      .infer(infer_linear)
      .cpu(run_linear)
      .cuda(if_built(cublas_gemm, run_linear_cuda));
  return op;
}

}  // namespace graphrun::core
