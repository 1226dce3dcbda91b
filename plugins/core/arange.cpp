// arange: values start, start + step, ... below stop (above it for a negative step), exactly as
// numpy.arange.
#include "core_ops.h"
#include "source_shape.h"

#include <cmath>
#include <cstdio>

namespace graphrun::core {
namespace {

using plugin::Node;
using plugin::OutTensor;
using plugin::UserError;

/// The attributes, validated, and the length numpy gives them.
struct Arange {
  double start, stop, step;
  int64_t length;
};

Arange attributes(const Node& node) {
  Arange a{node.attr_float("start"), node.attr_float("stop"), node.attr_float("step"), 0};
  if (!std::isfinite(a.start)) throw UserError("start must be a finite number", "start");
  if (!std::isfinite(a.stop)) throw UserError("stop must be a finite number", "stop");
  if (!std::isfinite(a.step)) throw UserError("step must be a finite number", "step");
  if (a.step == 0) throw UserError("step must not be 0", "step");
  // numpy: length = ceil((stop - start) / step), and 0 when that is <= 0.
  double length = std::ceil((a.stop - a.start) / a.step);
  if (!std::isfinite(length) || length >= 0x1p62) {
    char text[128];
    std::snprintf(text, sizeof text, "arange from %g to %g by %g has %.3g values, too many",
                  a.start, a.stop, a.step, length);
    throw UserError(text, "step");
  }
  a.length = length > 0 ? static_cast<int64_t>(length) : 0;
  return a;
}

void infer(const Node& node, plugin::Outputs& outputs) {
  Arange a = attributes(node);
  checked_source_numel(std::span<const int64_t>(&a.length, 1), node.dtype(), "stop");
  outputs.add({a.length}, "out");
}

/// numpy 1.24 (PyArray_ArangeObj and DOUBLE_fill), in double, then cast: y[0] = start,
/// y[1] = start + step, y[i] = start + i*delta with delta = (start + step) - start, which
/// can differ from step in the last bit.
template <typename T> void fill(const Node& node, const Arange& a, OutTensor& out) {
  T* y = out.data<T>();
  double next = a.start + a.step;
  double delta = next - a.start;
  node.parallel_for(a.length, kSourceGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      double v = i == 0 ? a.start : i == 1 ? next : a.start + static_cast<double>(i) * delta;
      y[i] = static_cast<T>(v);
    }
  });
}

void kernel(const Node& node, std::span<OutTensor> outputs) {
  Arange a = attributes(node);
  plugin::dispatch(node.dtype(), [&]<typename T>() { fill<T>(node, a, outputs[0]); });
}

}  // namespace

plugin::OpDef arange_op() {
  return plugin::OpDef("arange",
                       "Values from start (included) to stop (excluded) by step, as "
                       "numpy.arange: ceil((stop - start)/step) values.")
      .output("out", "the values, shape (ceil((stop - start)/step),)")
      .attr("start", 0.0, "first value")
      .attr("stop", GR_ATTR_FLOAT, "end of the interval (excluded)")
      .attr("step", 1.0, "spacing between values (not 0; negative counts down)")
      .infer(infer)
      .cpu(kernel);
}

}  // namespace graphrun::core
