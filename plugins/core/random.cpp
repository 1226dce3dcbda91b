// random: uniform or normal values from the counter-based Philox4x32-10 generator. Element i
// depends only on (seed, i), so results are the same for any thread count or device.
//
// The mapping (a contract: a CUDA kernel must reproduce it):
//   r = philox4x32_10(counter = (lo32(i), hi32(i), 0, 0), key = (lo32(seed), hi32(seed)))
//   uniform f64: u = ((r0 << 32 | r1) >> 11) * 2^-53;  value = low + (high - low) * u
//   uniform f32: u = (r0 >> 8) * 2^-24;                value = float(low + (high - low) * u)
//   normal (both dtypes, Box–Muller, cosine branch):
//     u1 = ((r0 << 32 | r1) >> 11) * 2^-53,  u2 = ((r2 << 32 | r3) >> 11) * 2^-53
//     z = sqrt(-2 * log(1 - u1)) * cos(2π * u2);  value = T(mean + std * z)
// with every operation in double, rounded once per operation (no fused multiply-add), and
// 2π the double 6.283185307179586.
#include "core_ops.h"
#include "philox.h"
#include "source_shape.h"

#include <cmath>

namespace graphrun::core {
namespace {

using plugin::Node;
using plugin::OutTensor;
using plugin::Shape;
using plugin::UserError;

constexpr double kTwoPi = 6.283185307179586;

/// The attributes, validated.
struct RandomSpec {
  bool normal;
  uint64_t seed;
  double mean, std, low, high;
};

RandomSpec attributes(const Node& node) {
  RandomSpec r{node.attr_string("dist") == "normal", static_cast<uint64_t>(node.attr_int("seed")),
               node.attr_float("mean"), node.attr_float("std"), node.attr_float("low"),
               node.attr_float("high")};
  for (const char* name : {"mean", "std", "low", "high"})
    if (!std::isfinite(node.attr_float(name)))
      throw UserError(std::string(name) + " must be a finite number", name);
  if (r.std < 0) throw UserError("std must be >= 0", "std");
  if (r.high < r.low) throw UserError("high must be >= low", "high");
  return r;
}

void infer(const Node& node, plugin::Outputs& outputs) {
  attributes(node);
  Shape shape = node.attr_ints("shape");
  checked_source_numel(shape, node.dtype(), "shape");
  outputs.add(shape, "out");
}

template <typename T> T draw(const RandomSpec& r, uint64_t index) {
  PhiloxBlock b = philox_block_of_element(r.seed, index);
  if (r.normal) {
    double u1 = unit_double(b[0], b[1]);
    double u2 = unit_double(b[2], b[3]);
    double z = std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(kTwoPi * u2);
    return static_cast<T>(r.mean + r.std * z);
  }
  double u = sizeof(T) == sizeof(double) ? unit_double(b[0], b[1]) : unit_float(b[0]);
  return static_cast<T>(r.low + (r.high - r.low) * u);
}

template <typename T> void fill(const Node& node, const RandomSpec& r, OutTensor& out) {
  T* y = out.data<T>();
  node.parallel_for(out.numel(), kSourceGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = draw<T>(r, static_cast<uint64_t>(i));
  });
}

void kernel(const Node& node, std::span<OutTensor> outputs) {
  RandomSpec r = attributes(node);
  plugin::dispatch(node.dtype(), [&]<typename T>() { fill<T>(node, r, outputs[0]); });
}

}  // namespace

plugin::OpDef random_op() {
  return plugin::OpDef("random",
                       "Random values, uniform in [low, high) or normal (mean, std), from the "
                       "counter-based Philox4x32-10 generator: element i depends only on "
                       "(seed, i), the same on any thread count and device.")
      .output("out", "the values")
      .attr("shape", GR_ATTR_INT_LIST, "shape of the output")
      .attr_choice("dist", "uniform", "normal|uniform", "distribution")
      .attr_int("seed", 0, "seed (any 64-bit integer)")
      .attr("mean", 0.0, "mean of the normal distribution")
      .attr("std", 1.0, "standard deviation of the normal distribution (>= 0)")
      .attr("low", 0.0, "lower bound of the uniform distribution (included)")
      .attr("high", 1.0, "upper bound of the uniform distribution (excluded)")
      .infer(infer)
      .cpu(kernel);
}

}  // namespace graphrun::core
