// Which input element each element of a slice's output is, shared by the CPU and CUDA kernels.
#pragma once

#include "host_device.h"

#include <cstdint>

namespace graphrun::core {

/// A slice of the axis of length n: the input as (outer, n, inner), the output as
/// (outer, count, inner); output row (o, j) is input row (o, start + j * step).
struct SliceGeometry {
  int64_t n = 0;
  int64_t start = 0;
  int64_t step = 1;
  int64_t count = 0;
  int64_t inner = 1;

  /// Input row (in units of inner) of output row `row` (an index into outer * count).
  GRAPHRUN_HD int64_t source_row(int64_t row) const {
    return row / count * n + start + row % count * step;
  }
  /// Input offset of output element i.
  GRAPHRUN_HD int64_t source_offset(int64_t i) const {
    return source_row(i / inner) * inner + i % inner;
  }
};

}  // namespace graphrun::core
