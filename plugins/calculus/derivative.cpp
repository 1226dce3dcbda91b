// derivative: first or second derivative along the last axis by finite differences.
#include "calculus_cuda.h"
#include "calculus_ops.h"
#include "derivative_rule.h"
#include "spacing.h"

#include <algorithm>

namespace graphrun::calculus {
namespace {

using plugin::Node;
using plugin::UserError;

/// Output elements per parallel chunk (fixed: results never depend on the thread count).
constexpr int64_t kGrain = int64_t{1} << 16;

void infer(const Node& node, plugin::Outputs& outs) {
  plugin::Tensor x = node.input("x");
  if (x.rank() == 0) throw UserError("port 'x' must have at least one axis, got a scalar", "x");
  const DerivativeScheme scheme = read_derivative_scheme(node);
  const int64_t length = x.dim(-1);
  read_spacing(node, length);
  const int64_t need = min_derivative_length(scheme);
  if (length < need && x.numel() > 0)
    throw UserError("port 'x' has " + std::to_string(length) + " samples along its last axis " +
                        plugin::shape_str(x.shape()) + "; this scheme needs at least " +
                        std::to_string(need),
                    "x");
  outs.add(x.shape());
}

template <typename T> void run(const Node& node, plugin::OutTensor& out) {
  plugin::Tensor x = node.input("x");
  const int64_t length = x.dim(-1);
  const int64_t total = x.numel();
  if (total == 0) return;
  const Spacing spacing = read_spacing(node, length);
  const DerivativeRule<T> rule(read_derivative_scheme(node), length,
                               spacing.has_t() ? spacing.t.data<T>() : nullptr, spacing.dx);
  const T* xs = x.data<T>();
  T* ys = out.data<T>();
  node.parallel_for(total, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t row_start = b - b % length; row_start < e; row_start += length) {
      const T* row = xs + row_start;
      T* dst = ys + row_start;
      const int64_t p0 = std::max(b, row_start) - row_start;
      const int64_t p1 = std::min(e, row_start + length) - row_start;
      const int64_t i0 = std::clamp(rule.interior_begin(), p0, p1);
      const int64_t i1 = std::clamp(rule.interior_end(), i0, p1);
      for (int64_t i = p0; i < i0; ++i) dst[i] = rule.at(row, i);
      rule.interior(row, dst, i0, i1);
      for (int64_t i = i1; i < p1; ++i) dst[i] = rule.at(row, i);
    }
    node.apply_epilogue(ys + b, e - b);
  });
}

void kernel(const Node& node, std::span<plugin::OutTensor> outs) {
  plugin::dispatch(node.dtype(), [&]<typename T>() { run<T>(node, outs[0]); });
}

void cuda_kernel(const Node& node, std::span<plugin::OutTensor> outs) {
  plugin::Tensor x = node.input("x");
  if (x.numel() == 0) return;
  const int64_t length = x.dim(-1);
  const Spacing spacing = read_spacing(node, length);
  derivative_cuda(node, read_derivative_scheme(node), length, spacing.has_t() ? spacing.t.data<void>() : nullptr,
                  spacing.dx, x.data<void>(), outs[0].data<void>(), x.numel());
}

}  // namespace

plugin::OpDef derivative_op() {
  plugin::OpDef op(
      "derivative",
      "Derivative of x along its last axis by finite differences. scheme central, order 1, "
      "accuracy 2 equals numpy.gradient(x, dx or t, axis=-1, edge_order=edge_order). forward: "
      "(x[i+1] - x[i])/h, the last point backward; backward mirrors it. accuracy 4 uses the "
      "5-point stencil at positions 2..L-3 (positions 1 and L-2 keep the 3-point one, the end "
      "points follow edge_order). order 2: the 3-point (or 5-point) second difference; its end "
      "points repeat the nearest 3-point value (edge_order 1) or use the 4-point one-sided "
      "formula (edge_order 2); forward/backward take the 3 points from i on / up to i. "
      "Non-uniform t: numpy's formulas for order 1 accuracy 2, Fornberg weights otherwise.");
  op.input("x", "the samples, shape (..., L)")
      .input("t", "optional sample positions, shape (L,), not necessarily uniform", true)
      .output("out", "the derivative, shape of x")
      .attr_optional("dx", GR_ATTR_FLOAT, "uniform sample step (default 1; not with port t)")
      .attr_int("order", 1, "1: first derivative, 2: second derivative")
      .attr_choice("scheme", "central", "central|forward|backward", "which differences to take")
      .attr_int("accuracy", 2, "order of accuracy of the central stencil: 2 (3 points) or 4 (5 points)")
      .attr_int("edge_order", 1, "central: accuracy order of the two end points, 1 or 2 (numpy's edge_order)")
      .supports_epilogue()
      .applies_epilogue_on_device()  // derivative.cu: the epilogue folded into a generated kernel
      .infer(infer)
      .cpu(kernel)
      .cuda(core::if_built(derivative_cuda, cuda_kernel));
  return op;
}

}  // namespace graphrun::calculus
