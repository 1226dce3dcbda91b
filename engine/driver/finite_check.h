// NaN and inf hunting (`graphrun run --check-finite`, and the warning every run prints for
// an output holding them): counts of the non-finite values of a tensor, and the step check
// that stops a run at the first node producing one, like JAX's debug_nans.
#pragma once

#include "scheduler/executor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace graphrun {

/// The non-finite values of one tensor.
struct NonFiniteCount {
  uint64_t nan = 0, inf = 0;
  uint64_t total = 0;  // values looked at
  int64_t first = -1;  // flat index of the first non-finite value; -1 when none
  bool any() const { return nan + inf > 0; }
};

/// Counts the NaN and inf among `count` values of `dtype` (f32 or f64) at `data`.
NonFiniteCount count_non_finite(gr_dtype dtype, const void* data, uint64_t count);

/// "2 NaN and 1 inf of 1000 values (first at index [3, 4])" (no index for a scalar).
std::string non_finite_text(const NonFiniteCount& count, const Shape& shape);

/// One warning per output holding non-finite values, in output order:
/// "warning: output 'y' has 3 NaN and 1 inf of 1000 values".
std::vector<std::string> non_finite_output_warnings(const std::vector<std::string>& names,
                                                    const std::vector<TensorData>& outputs);

/// Why `--check-finite` refuses the inputs of a run of `plan` ("" when every value is
/// finite): names the first input holding a non-finite value, which would otherwise be blamed
/// on its consumer. Inputs that nothing reads are not looked at.
std::string non_finite_inputs(const ExecutionPlan& plan, const std::map<std::string, TensorData>& inputs);

/// The step check of `--check-finite` for runs of `plan`: stops the run at the first step
/// whose outputs hold a NaN or an inf, naming the node, its position and op, the output port
/// and the counts. Ports nothing reads are skipped. A fused group is named with its members
/// and the advice to run unfused.
StepCheck first_non_finite_check(const ExecutionPlan& plan);

}  // namespace graphrun
