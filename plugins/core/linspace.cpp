// linspace: `num` evenly spaced values from start to stop, exactly as numpy.linspace.
#include "core_ops.h"
#include "cuda_launchers.h"
#include "source_shape.h"

#include <cmath>

namespace graphrun::core {
namespace {

using plugin::Node;
using plugin::OutTensor;
using plugin::UserError;

/// The attributes, validated.
struct Linspace {
  double start, stop;
  int64_t num;
  bool endpoint;
};

Linspace attributes(const Node& node) {
  Linspace l{node.attr_float("start"), node.attr_float("stop"), node.attr_int("num"),
             node.attr_bool("endpoint")};
  if (!std::isfinite(l.start)) throw UserError("start must be a finite number", "start");
  if (!std::isfinite(l.stop)) throw UserError("stop must be a finite number", "stop");
  if (l.num < 0) throw UserError("num must be >= 0, got " + std::to_string(l.num), "num");
  return l;
}

void infer(const Node& node, plugin::Outputs& outputs) {
  Linspace l = attributes(node);
  checked_source_numel(std::span<const int64_t>(&l.num, 1), node.dtype(), "num");
  outputs.add({l.num}, "out");
}

LinspaceFormula formula(const Node& node) {
  Linspace l = attributes(node);
  return LinspaceFormula::make(l.start, l.stop, l.num, l.endpoint);
}

/// numpy.linspace in double, then cast (source_formulas.h).
template <typename T> void fill(const Node& node, const LinspaceFormula& f, OutTensor& out) {
  T* y = out.data<T>();
  node.parallel_for(f.num, kSourceGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = static_cast<T>(f.value(i));
  });
}

void kernel(const Node& node, std::span<OutTensor> outputs) {
  LinspaceFormula f = formula(node);
  plugin::dispatch(node.dtype(), [&]<typename T>() { fill<T>(node, f, outputs[0]); });
}

void cuda_kernel(const Node& node, std::span<OutTensor> outputs) {
  linspace_cuda(node, formula(node), outputs[0].data<void>());
}

}  // namespace

plugin::OpDef linspace_op() {
  return plugin::OpDef("linspace",
                       "`num` evenly spaced values over [start, stop] (or [start, stop) when "
                       "endpoint is false), as numpy.linspace.")
      .output("out", "the values, shape (num,)")
      .attr("start", GR_ATTR_FLOAT, "first value")
      .attr("stop", GR_ATTR_FLOAT, "last value (excluded when endpoint is false)")
      .attr("num", GR_ATTR_INT, "number of values (>= 0)")
      .attr_bool("endpoint", true, "include stop as the last value")
      .infer(infer)
      .cpu(kernel)
      .cuda(if_built(linspace_cuda, cuda_kernel));
}

}  // namespace graphrun::core
