// slice: x[..., start:stop:step] on one axis, with Python's slice semantics.
#include "axis_index.h"
#include "core_ops.h"
#include "cuda_launchers.h"
#include "parallel_copy.h"

#include <cstring>
#include <limits>

namespace graphrun::core {
namespace {

using plugin::Node;
using plugin::UserError;

/// The elements a slice keeps on its axis: start, start + step, ... (count of them).
struct SliceRange {
  int64_t start = 0;
  int64_t step = 1;
  int64_t count = 0;
};

/// Python's slice.indices(n) followed by len(range(...)).
SliceRange resolve_slice(const Node& node, int64_t n) {
  SliceRange r;
  r.step = node.attr_int("step");
  if (r.step == 0) throw UserError("slice step cannot be zero", "step");
  const bool backward = r.step < 0;
  const int64_t lower = backward ? -1 : 0;
  const int64_t upper = backward ? n - 1 : n;
  auto clamp_index = [&](const char* attr, int64_t fallback) {
    if (!node.has_attr(attr)) return fallback;
    int64_t i = node.attr_int(attr);
    if (i < 0) return i + n < lower ? lower : i + n;
    return i > upper ? upper : i;
  };
  r.start = clamp_index("start", backward ? upper : lower);
  const int64_t stop = clamp_index("stop", backward ? lower : upper);
  // |step| saturates so that INT64_MIN does not overflow; a step that large keeps <= 1 element.
  const int64_t magnitude = backward ? (r.step == std::numeric_limits<int64_t>::min()
                                            ? std::numeric_limits<int64_t>::max()
                                            : -r.step)
                                     : r.step;
  const int64_t span = backward ? r.start - stop : stop - r.start;
  r.count = span > 0 ? (span - 1) / magnitude + 1 : 0;
  if (r.count <= 1) r.step = 1;  // one element: the step is never used
  return r;
}

void infer_slice(const Node& node, plugin::Outputs& outs) {
  plugin::Tensor x = node.input("x");
  if (x.rank() == 0) throw UserError("port 'x': cannot slice a scalar (shape ())", "x");
  const int axis = normalize_axis(node.attr_int("axis"), x.rank(), "axis");
  plugin::Shape shape = x.shape_vec();
  shape[axis] = resolve_slice(node, shape[axis]).count;
  outs.add(shape);
}

/// The slice of the node's x as (outer, n, inner) rows; outer through *outer.
SliceGeometry slice_geometry(const Node& node, int64_t* outer) {
  plugin::Tensor x = node.input("x");
  const int axis = normalize_axis(node.attr_int("axis"), x.rank(), "axis");
  const int64_t n = x.dim(axis);
  const SliceRange r = resolve_slice(node, n);
  *outer = dims_product(x.shape(), 0, axis);
  return {n, r.start, r.step, r.count, dims_product(x.shape(), axis + 1, x.rank())};
}

void run_slice(const Node& node, std::span<plugin::OutTensor> outs) {
  int64_t outer = 0;
  const SliceGeometry g = slice_geometry(node, &outer);
  const int64_t rows = outer * g.count;
  const int64_t inner = g.inner;
  if (rows == 0 || inner == 0) return;
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    const T* src = node.input("x").data<T>();
    T* dst = outs[0].data<T>();
    node.parallel_for(rows, copy_grain_rows(inner), [&](int64_t b, int64_t e) {
      for (int64_t row = b; row < e; ++row) {
        const T* from = src + g.source_row(row) * inner;
        if (inner == 1)
          dst[row] = *from;
        else
          std::memcpy(dst + row * inner, from, static_cast<size_t>(inner) * sizeof(T));
      }
    });
  });
}

void run_slice_cuda(const Node& node, std::span<plugin::OutTensor> outs) {
  int64_t outer = 0;
  const SliceGeometry g = slice_geometry(node, &outer);
  slice_cuda(node, g, node.input("x").data<void>(), outs[0].data<void>(), outs[0].numel());
}

}  // namespace

plugin::OpDef slice_op() {
  plugin::OpDef op("slice",
                   "x[..., start:stop:step] along one axis, with Python's slice semantics: "
                   "negative indices count from the end, out-of-range bounds are clipped, "
                   "a negative step walks backwards.");
  op.input("x", "the tensor to slice")
      .output("out", "x with the axis cut to the selected elements")
      .attr("axis", GR_ATTR_INT, "the axis to slice (negative counts from the last)")
      .attr_optional("start", GR_ATTR_INT,
                     "first index kept (default: 0, or the last element when step < 0)")
      .attr_optional("stop", GR_ATTR_INT,
                     "index where the slice ends, exclusive (default: past the end in the "
                     "direction of step)")
      .attr_int("step", 1, "stride between kept elements; negative walks backwards, never 0")
      .infer(infer_slice)
      .cpu(run_slice)
      .cuda(if_built(slice_cuda, run_slice_cuda));
  return op;
}

}  // namespace graphrun::core
