// Where element i of a row-major output comes from in its source, when each output axis
// steps the source by a fixed stride: a transpose (the permuted input strides) or a
// broadcast (stride 0 on broadcast axes). Shared by the CPU and CUDA kernels.
#pragma once

#include "host_device.h"

#include <graphrun/plugin_api.h>

#include <cstdint>

namespace graphrun::core {

/// Output axes (sizes, row-major) and the source stride of each.
struct StridedIndex {
  int rank = 0;
  int64_t dims[GR_MAX_RANK] = {};
  int64_t strides[GR_MAX_RANK] = {};

  /// Source offset of output element `linear` (0 <= linear < product of dims).
  GRAPHRUN_HD int64_t offset(int64_t linear) const {
    int64_t off = 0;
    for (int k = rank; k-- > 0;) {
      off += (linear % dims[k]) * strides[k];
      linear /= dims[k];
    }
    return off;
  }
};

}  // namespace graphrun::core
