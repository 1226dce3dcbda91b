// reshape: the same elements in row-major order under a new shape (numpy.reshape).
#include "core_ops.h"
#include "cuda_launchers.h"
#include "parallel_copy.h"

namespace graphrun::core {
namespace {

using plugin::Node;
using plugin::UserError;

/// The `shape` attribute with its one -1 resolved against the input's element count.
plugin::Shape resolve_shape(const Node& node) {
  const plugin::Tensor x = node.input("x");
  plugin::Shape shape = node.attr_ints("shape");
  const int64_t size = x.numel();
  auto cannot = [&] {
    return UserError("cannot reshape array of size " + std::to_string(size) + " into shape " +
                         plugin::shape_str(shape),
                     "shape");
  };
  int unknown = -1;
  int64_t known = 1;
  bool overflow = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (unknown >= 0) throw UserError("can only specify one unknown dimension", "shape");
      unknown = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw UserError("negative dimension " + std::to_string(shape[i]) + " in shape " +
                          plugin::shape_str(shape),
                      "shape");
    } else {
      overflow = overflow || __builtin_mul_overflow(known, shape[i], &known);
    }
  }
  if (overflow) throw cannot();
  if (unknown >= 0) {
    if (known == 0 || size % known != 0) throw cannot();
    shape[unknown] = size / known;
  } else if (known != size) {
    throw cannot();
  }
  return shape;
}

void infer_reshape(const Node& node, plugin::Outputs& outs) { outs.add(resolve_shape(node)); }

void run_reshape(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor x = node.input("x");
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    parallel_copy(node, outs[0].data<T>(), x.data<T>(), x.numel());
  });
}

// A copy, as on the CPU (the host has no aliasing of outputs to inputs).
void run_reshape_cuda(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor x = node.input("x");
  const int64_t bytes = x.numel() * (node.dtype() == GR_F64 ? 8 : 4);
  reshape_cuda(node, x.data<void>(), outs[0].data<void>(), bytes);
}

}  // namespace

plugin::OpDef reshape_op() {
  plugin::OpDef op("reshape",
                   "The elements of x in row-major order under a new shape, as "
                   "numpy.reshape; one dimension may be -1 and is then inferred.");
  op.input("x", "the tensor to reshape")
      .output("out", "x with the new shape")
      .attr("shape", GR_ATTR_INT_LIST,
            "the new shape; its element count must equal x's; at most one -1")
      .infer(infer_reshape)
      .cpu(run_reshape)
      .cuda(if_built(reshape_cuda, run_reshape_cuda));
  return op;
}

}  // namespace graphrun::core
