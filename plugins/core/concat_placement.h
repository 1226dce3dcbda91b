// Where an input's elements land in concat's output, shared by the CPU and CUDA kernels.
#pragma once

#include "host_device.h"

#include <cstdint>

namespace graphrun::core {

/// One input of a concat seen as (outer, width) rows, placed at column `column` of the
/// output's (outer, out_width) rows.
struct ConcatPlacement {
  int64_t width;
  int64_t out_width;
  int64_t column;

  /// Output offset of the input's element i.
  GRAPHRUN_HD int64_t destination(int64_t i) const {
    return i / width * out_width + column + i % width;
  }
};

}  // namespace graphrun::core
