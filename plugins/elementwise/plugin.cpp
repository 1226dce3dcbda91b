// Registers the elementwise family: unary and binary math, scale, expr.
#include "elementwise_ops.h"

GRAPHRUN_PLUGIN(reg) {
  return graphrun::plugin::register_ops(reg, graphrun::elementwise::elementwise_op_defs());
}
