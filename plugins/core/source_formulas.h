// The element formulas of linspace and arange, shared by their CPU and CUDA kernels so both
// give the same bits (every step in double, rounded once per operation, then cast).
#pragma once

#include "host_device.h"

#include <cstdint>

namespace graphrun::core {

/// numpy 1.24 function_base.linspace: y = i*step + start with step = (stop - start)/div;
/// when step underflows to 0, y = i/div*delta + start; the last value is stop itself when
/// endpoint.
struct LinspaceFormula {
  double start, stop, delta, step;
  int64_t num, div;
  bool endpoint, step_is_zero;

  static LinspaceFormula make(double start, double stop, int64_t num, bool endpoint) {
    LinspaceFormula f{start, stop, stop - start, 0.0, num, endpoint ? num - 1 : num, endpoint, false};
    f.step = f.div > 0 ? f.delta / static_cast<double>(f.div) : 0.0;
    f.step_is_zero = f.div > 0 && f.step == 0.0;
    return f;
  }

  /// Element i (0 <= i < num), in double.
  GRAPHRUN_HD double value(int64_t i) const {
    if (endpoint && num > 1 && i == num - 1) return stop;
    const double x = static_cast<double>(i);
    if (div <= 0) return x * delta + start;
    if (step_is_zero) return x / static_cast<double>(div) * delta + start;
    return x * step + start;
  }
};

/// numpy 1.24 (PyArray_ArangeObj and DOUBLE_fill): y[0] = start, y[1] = start + step,
/// y[i] = start + i*delta with delta = (start + step) - start, which can differ from step
/// in the last bit.
struct ArangeFormula {
  double start, next, delta;

  static ArangeFormula make(double start, double step) {
    return {start, start + step, (start + step) - start};
  }

  /// Element i (i >= 0), in double.
  GRAPHRUN_HD double value(int64_t i) const {
    return i == 0 ? start : i == 1 ? next : start + static_cast<double>(i) * delta;
  }
};

}  // namespace graphrun::core
