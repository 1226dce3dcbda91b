// concat: joins its inputs along one axis (numpy.concatenate), in the order they are given.
#include "axis_index.h"
#include "core_ops.h"
#include "cuda_launchers.h"
#include "parallel_copy.h"

#include <cstring>
#include <string>
#include <vector>

namespace graphrun::core {
namespace {

using plugin::Node;
using plugin::UserError;

std::string port_name(const Node& node, int i) { return std::string(node.input_name(i)); }

void infer_concat(const Node& node, plugin::Outputs& outs) {
  if (node.num_inputs() == 0)
    throw UserError("concat needs at least one input (in: [a, b, ...])", "in");
  const plugin::Tensor first = node.input(0);
  const std::string first_name = port_name(node, 0);
  if (first.rank() == 0)
    throw UserError("port '" + first_name + "': zero-dimensional arrays cannot be concatenated",
                    first_name);
  const int axis = normalize_axis(node.attr_int("axis"), first.rank(), "axis");
  plugin::Shape shape = first.shape_vec();
  for (int k = 1; k < node.num_inputs(); ++k) {
    const plugin::Tensor t = node.input(k);
    const std::string name = port_name(node, k);
    if (t.rank() != first.rank())
      throw UserError("port '" + name + "': shape " + plugin::shape_str(t.shape()) + " has rank " +
                          std::to_string(t.rank()) + " but port '" + first_name + "' has shape " +
                          plugin::shape_str(first.shape()) + " of rank " +
                          std::to_string(first.rank()),
                      name);
    for (int d = 0; d < first.rank(); ++d)
      if (d != axis && t.dim(d) != first.dim(d))
        throw UserError("port '" + name + "': shape " + plugin::shape_str(t.shape()) +
                            " does not match " + plugin::shape_str(first.shape()) + " of port '" +
                            first_name + "' on axis " + std::to_string(d),
                        name);
    shape[axis] += t.dim(axis);
  }
  outs.add(shape);
}

/// Where each input goes in output rows of out_row elements (outer > 0 rows).
std::vector<ConcatPlacement> placements(const Node& node, int64_t outer, int64_t out_row) {
  std::vector<ConcatPlacement> places;
  int64_t column = 0;
  for (int k = 0; k < node.num_inputs(); ++k) {
    const int64_t width = node.input(k).numel() / outer;
    places.push_back({width, out_row, column});
    column += width;
  }
  return places;
}

void run_concat(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor first = node.input(0);
  const int axis = normalize_axis(node.attr_int("axis"), first.rank(), "axis");
  const int64_t outer = dims_product(first.shape(), 0, axis);
  const int64_t out_row = dims_product(outs[0].shape(), axis, outs[0].rank());
  if (outer == 0 || out_row == 0) return;
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    T* dst = outs[0].data<T>();
    if (outer == 1) {  // one row per input: parallelise within each copy instead
      int64_t offset = 0;
      for (int k = 0; k < node.num_inputs(); ++k) {
        const plugin::Tensor t = node.input(k);
        parallel_copy(node, dst + offset, t.data<T>(), t.numel());
        offset += t.numel();
      }
      return;
    }
    const std::vector<ConcatPlacement> places = placements(node, outer, out_row);
    node.parallel_for(outer, copy_grain_rows(out_row), [&](int64_t b, int64_t e) {
      for (int64_t row = b; row < e; ++row)
        for (int k = 0; k < node.num_inputs(); ++k) {
          const int64_t width = places[k].width;
          if (width == 0) continue;  // an empty input
          std::memcpy(dst + places[k].destination(row * width), node.input(k).data<T>() + row * width,
                      static_cast<size_t>(width) * sizeof(T));
        }
    });
  });
}

void run_concat_cuda(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor first = node.input(0);
  const int axis = normalize_axis(node.attr_int("axis"), first.rank(), "axis");
  const int64_t outer = dims_product(first.shape(), 0, axis);
  const int64_t out_row = dims_product(outs[0].shape(), axis, outs[0].rank());
  if (outer == 0 || out_row == 0) return;
  const std::vector<ConcatPlacement> places = placements(node, outer, out_row);
  for (int k = 0; k < node.num_inputs(); ++k)
    if (places[k].width > 0)
      concat_cuda(node, places[k], node.input(k).data<void>(), node.input(k).numel(),
                  outs[0].data<void>());
}

}  // namespace

plugin::OpDef concat_op() {
  plugin::OpDef op("concat",
                   "Joins the inputs along one axis, as numpy.concatenate, in the order "
                   "given (a positional list in: [a, b, c]). All other axes must match.");
  op.variadic_inputs()
      .output("out", "the inputs joined along axis")
      .attr_int("axis", 0, "the axis to join along (negative counts from the last)")
      .infer(infer_concat)
      .cpu(run_concat)
      .cuda(if_built(concat_cuda, run_concat_cuda));
  return op;
}

}  // namespace graphrun::core
