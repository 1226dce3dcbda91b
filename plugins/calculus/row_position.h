// Where element g of a row-major tensor of rows of `length` lies, for the CUDA kernels of
// derivative and integrate (both work along the last axis).
#pragma once

#include "core/host_device.h"

#include <cstdint>

namespace graphrun::calculus {

/// Element g is sample `pos` of row `row`.
struct RowPosition {
  int64_t row, pos;
};

/// row = g / length, pos = g % length; in 32 bits when both fit (a 64-bit division costs a
/// GPU several times as much).
GRAPHRUN_HD inline RowPosition row_position(int64_t g, int64_t length) {
  if (((g | length) >> 32) == 0) {
    const auto g32 = static_cast<uint32_t>(g), l32 = static_cast<uint32_t>(length);
    return {g32 / l32, g32 % l32};
  }
  return {g / length, g % length};
}

}  // namespace graphrun::calculus
