// arange: values start, start + step, ... below stop (above it for a negative step), exactly as
// numpy.arange.
#include "core_ops.h"
#include "cuda_launchers.h"
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

/// numpy.arange in double, then cast (source_formulas.h).
template <typename T> void fill(const Node& node, const Arange& a, OutTensor& out) {
  T* y = out.data<T>();
  const ArangeFormula f = ArangeFormula::make(a.start, a.step);
  node.parallel_for(a.length, kSourceGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = static_cast<T>(f.value(i));
  });
}

void kernel(const Node& node, std::span<OutTensor> outputs) {
  Arange a = attributes(node);
  plugin::dispatch(node.dtype(), [&]<typename T>() { fill<T>(node, a, outputs[0]); });
}

void cuda_kernel(const Node& node, std::span<OutTensor> outputs) {
  Arange a = attributes(node);
  arange_cuda(node, ArangeFormula::make(a.start, a.step), outputs[0].data<void>(), a.length);
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
      .cpu(kernel)
      .cuda(if_built(arange_cuda, cuda_kernel));
}

}  // namespace graphrun::core
