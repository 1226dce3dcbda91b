// Registers the signal family: 1-D convolution.
#include "signal_ops.h"

GRAPHRUN_PLUGIN(reg) {
  return graphrun::plugin::register_ops(reg, {graphrun::signal::conv1d_op()});
}
