// linspace: `num` evenly spaced values from start to stop, exactly as numpy.linspace.
#include "core_ops.h"
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

/// numpy 1.24 function_base.linspace, in double, then cast: y = i*step + start with
/// step = (stop - start)/div; when step underflows to 0, y = i/div*delta + start; the last
/// value is stop itself when endpoint.
template <typename T> void fill(const Node& node, const Linspace& l, OutTensor& out) {
  T* y = out.data<T>();
  int64_t div = l.endpoint ? l.num - 1 : l.num;
  double delta = l.stop - l.start;
  double step = div > 0 ? delta / static_cast<double>(div) : 0.0;
  bool step_is_zero = div > 0 && step == 0.0;
  node.parallel_for(l.num, kSourceGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      double x = static_cast<double>(i);
      double v;
      if (div <= 0)
        v = x * delta + l.start;
      else if (step_is_zero)
        v = x / static_cast<double>(div) * delta + l.start;
      else
        v = x * step + l.start;
      y[i] = static_cast<T>(v);
    }
  });
  if (l.endpoint && l.num > 1) y[l.num - 1] = static_cast<T>(l.stop);
}

void kernel(const Node& node, std::span<OutTensor> outputs) {
  Linspace l = attributes(node);
  plugin::dispatch(node.dtype(), [&]<typename T>() { fill<T>(node, l, outputs[0]); });
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
      .cpu(kernel);
}

}  // namespace graphrun::core
