// Where the samples along the last axis lie, for derivative and integrate: a constant step
// dx (attribute) or the sample positions t (port, shape (L,)).
#pragma once

#include "core/host_device.h"

#include <graphrun/plugin.hpp>

#include <cstdint>

namespace graphrun::calculus {

/// The spacing of L samples: a constant step, or positions t.
struct Spacing {
  double dx = 1.0;   // the step when t is absent
  plugin::Tensor t;  // sample positions (data only in kernels), shape (L,)
  bool has_t() const { return t.valid(); }
};

/// Reads attribute dx and port t for a last axis of `length` samples. UserError when both
/// are given, when dx is zero or not finite, or when t is not of shape (length,).
Spacing read_spacing(const plugin::Node& node, int64_t length);

/// The step between samples i and i+1 in the graph's dtype: t[i+1] - t[i] (as numpy.diff),
/// or dx. Used by the CPU and CUDA kernels alike.
template <typename T> GRAPHRUN_HD T step_at(const T* t, T dx, int64_t i) { return t ? t[i + 1] - t[i] : dx; }

/// True when every step t[i+1] - t[i] equals the first (numpy.gradient then treats the
/// spacing as uniform).
template <typename T> bool uniformly_spaced(const T* t, int64_t length) {
  for (int64_t i = 1; i + 1 < length; ++i)
    if (!(t[i + 1] - t[i] == t[1] - t[0])) return false;
  return true;
}

}  // namespace graphrun::calculus
