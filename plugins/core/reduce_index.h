// The index math and the max rule of the reductions (sum, mean, max), shared by the CPU
// kernels (reduce_layout.h, reduce_kernel.h) and the CUDA ones (reduce_cuda.cuh).
#pragma once

#include "host_device.h"

#include <graphrun/plugin_api.h>

#include <math.h>  // ::fabs: glibc on the host, CUDA's device function in a kernel

#include <cstdint>

namespace graphrun::core {

/// A run of adjacent axes with the same role (kept or reduced), merged into one: its
/// element count and the input stride between its consecutive indices.
struct AxisRun {
  int64_t size;
  int64_t stride;
};

/// Input offset of multi-index `index` (row-major over the runs' sizes) over `count` runs.
GRAPHRUN_HD inline int64_t run_offset(const AxisRun* runs, int64_t count, int64_t index) {
  int64_t offset = 0;
  for (int64_t k = count; k-- > 0;) {
    offset += (index % runs[k].size) * runs[k].stride;
    index /= runs[k].size;
  }
  return offset;
}

/// A reduction's layout in fixed-size arrays (a CUDA kernel argument): output element
/// o * inner + i combines input_offset(o * inner + i, r) for r in [0, count).
struct ReduceIndex {
  int64_t inner = 1;
  int64_t count = 1;
  int64_t num_kept = 0, num_reduced = 0;
  AxisRun kept[GR_MAX_RANK] = {};
  AxisRun reduced[GR_MAX_RANK] = {};

  GRAPHRUN_HD int64_t input_offset(int64_t out_index, int64_t r) const {
    return run_offset(kept, num_kept, out_index / inner) + run_offset(reduced, num_reduced, r) +
           out_index % inner;
  }
};

/// numpy.max of two values: the larger, or NaN when either is NaN (v NaN, or m already NaN).
template <typename T>
GRAPHRUN_HD inline T max_keeping_nan(T m, T v) {
  return (v > m || v != v) ? v : m;
}

/// Neumaier's compensated sum in double (the CUDA sums, reduce_cuda.cuh).
struct CompensatedSum {
  double s = -0.0;  // -0.0 so that a sum of -0.0 values stays -0.0, as on the CPU
  double c = 0.0;

  GRAPHRUN_HD void add(double v) {
    const double t = s + v;
    c += ::fabs(s) >= ::fabs(v) ? (s - t) + v : (v - t) + s;
    s = t;
  }
  /// The sum. When s is infinite or NaN it is the answer (the compensation is NaN then);
  /// s - s is 0 exactly when s is finite.
  GRAPHRUN_HD double total() const { return s - s == 0.0 && c != 0.0 ? s + c : s; }
};

}  // namespace graphrun::core
