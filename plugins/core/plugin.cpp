// Registers the core family: sources, shape ops, reductions, matmul/linear.
#include "core_ops.h"

using namespace graphrun::core;

GRAPHRUN_PLUGIN(reg) {
  return graphrun::plugin::register_ops(
      reg, {constant_op(), linspace_op(), arange_op(), random_op(), slice_op(), reshape_op(),
            transpose_op(), concat_op(), sum_op(), mean_op(), max_op(), matmul_op(),
            linear_op()});
}
