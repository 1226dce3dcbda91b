// What the source ops (constant, linspace, arange, random) share: the check of the shape they
// produce, and the fixed chunk size of their parallel kernels.
#pragma once

#include <graphrun/plugin.hpp>

#include <unistd.h>

#include <cstdio>
#include <span>
#include <string>

namespace graphrun::core {

/// Elements per parallel_for chunk of the source kernels (fixed: results never depend on
/// the thread count).
inline constexpr int64_t kSourceGrain = int64_t{1} << 16;

/// Checks a shape a source op will produce and returns its number of elements. UserError
/// (about `attr`) for a negative size, more than GR_MAX_RANK axes, or a tensor larger than
/// this machine's memory, with its byte size named.
inline int64_t checked_source_numel(std::span<const int64_t> shape, gr_dtype dtype,
                                    const std::string& attr) {
  if (shape.size() > GR_MAX_RANK)
    throw plugin::UserError("shape " + plugin::shape_str(shape) + " has " +
                                std::to_string(shape.size()) + " axes, more than the maximum of " +
                                std::to_string(GR_MAX_RANK),
                            attr);
  double bytes = dtype == GR_F64 ? 8.0 : 4.0;
  for (int64_t d : shape) {
    if (d < 0)
      throw plugin::UserError("shape " + plugin::shape_str(shape) + " has a negative size", attr);
    bytes *= static_cast<double>(d);
  }
  double memory = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) *
                  static_cast<double>(::sysconf(_SC_PAGESIZE));
  if (memory <= 0) memory = 0x1p62;  // unknown: only refuse what no index can address
  if (bytes > memory || bytes >= 0x1p62) {
    char text[160];
    std::snprintf(text, sizeof text, "a tensor of %.3g bytes, more than this machine's memory (%.1f GiB)",
                  bytes, memory / 0x1p30);
    throw plugin::UserError("shape " + plugin::shape_str(shape) + " is " + text, attr);
  }
  return plugin::numel(shape);
}

}  // namespace graphrun::core
