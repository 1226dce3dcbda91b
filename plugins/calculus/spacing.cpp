#include "spacing.h"

#include <cmath>
#include <string>

namespace graphrun::calculus {

Spacing read_spacing(const plugin::Node& node, int64_t length) {
  Spacing s;
  s.t = node.input("t");
  const bool has_dx = node.has_attr("dx");
  if (s.has_t() && has_dx)
    throw plugin::UserError("give either the step dx or the sample positions t, not both", "dx");
  if (has_dx) {
    s.dx = node.attr_float("dx");
    if (!std::isfinite(s.dx) || s.dx == 0)
      throw plugin::UserError("dx must be a finite nonzero number (the step between samples)", "dx");
  }
  if (s.has_t() && (s.t.rank() != 1 || s.t.dim(0) != length))
    throw plugin::UserError("port 't' must have shape (" + std::to_string(length) +
                                ",) (one position per sample of x's last axis), got " +
                                plugin::shape_str(s.t.shape()),
                            "t");
  return s;
}

}  // namespace graphrun::calculus
