// Axis arguments as numpy takes them: negative values count from the last axis.
#pragma once

#include <graphrun/plugin.hpp>

#include <cstdint>
#include <span>
#include <string>

namespace graphrun::core {

/// `axis` made non-negative for a tensor of `rank` dimensions; a UserError on attribute
/// `attr`, worded as numpy's AxisError, when it is out of range.
inline int normalize_axis(int64_t axis, int rank, const std::string& attr) {
  if (axis < -rank || axis >= rank)
    throw plugin::UserError("axis " + std::to_string(axis) +
                                " is out of bounds for array of dimension " + std::to_string(rank),
                            attr);
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

/// Product of dims[begin, end): the element count of that run of axes.
inline int64_t dims_product(std::span<const int64_t> dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= dims[i];
  return p;
}

}  // namespace graphrun::core
