// random: uniform or normal values from the counter-based Philox4x32-10 generator. Element i
// depends only on (seed, i), so results are the same for any thread count or device. The
// mapping from (seed, i) to a value is random_value.h, shared with random.cu; normal draws
// run on the CPU in SIMD blocks (random_normal_cpu.cpp, stream version 2: see random_value.h).
#include "core_ops.h"
#include "cuda_launchers.h"
#include "random_normal_cpu.h"
#include "random_value.h"
#include "source_shape.h"

#include <cmath>
#include <string>

namespace graphrun::core {
namespace {

using plugin::Node;
using plugin::OutTensor;
using plugin::Shape;
using plugin::UserError;

/// The attributes, validated.
RandomParams attributes(const Node& node) {
  RandomParams r{node.attr_string("dist") == "normal", static_cast<uint64_t>(node.attr_int("seed")),
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

template <typename T> void fill(const Node& node, const RandomParams& r, OutTensor& out) {
  T* y = out.data<T>();
  if (r.normal) {
    node.parallel_for(out.numel(), kSourceGrain, [&](int64_t b, int64_t e) {
      random_normal_cpu(r, static_cast<uint64_t>(b), e - b, y + b);
    });
    return;
  }
  node.parallel_for(out.numel(), kSourceGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = random_value<T>(r, static_cast<uint64_t>(i));
  });
}

void kernel(const Node& node, std::span<OutTensor> outputs) {
  RandomParams r = attributes(node);
  plugin::dispatch(node.dtype(), [&]<typename T>() { fill<T>(node, r, outputs[0]); });
}

void cuda_kernel(const Node& node, std::span<OutTensor> outputs) {
  random_cuda(node, attributes(node), outputs[0].data<void>(), outputs[0].numel());
}

}  // namespace

plugin::OpDef random_op() {
  return plugin::OpDef("random",
                       "Random values, uniform in [low, high) or normal (mean, std), from the "
                       "counter-based Philox4x32-10 generator: element i depends only on "
                       "(seed, i), the same on any thread count. Normal draws: Box-Muller, stream "
                       "version 2 (2026-12-01: SIMD log and cos on the CPU; values may differ "
                       "from version 1 and between devices in the last bits).")
      .output("out", "the values")
      .attr("shape", GR_ATTR_INT_LIST, "shape of the output")
      .attr_choice("dist", "uniform", "normal|uniform", "distribution")
      .attr_int("seed", 0, "seed (any 64-bit integer)")
      .attr("mean", 0.0, "mean of the normal distribution")
      .attr("std", 1.0, "standard deviation of the normal distribution (>= 0)")
      .attr("low", 0.0, "lower bound of the uniform distribution (included)")
      .attr("high", 1.0, "upper bound of the uniform distribution (excluded)")
      .infer(infer)
      .cpu(kernel)
      .cuda(if_built(random_cuda, cuda_kernel));
}

}  // namespace graphrun::core
