// Registers the io family: reading tensors from files.
#include "io_ops.h"

GRAPHRUN_PLUGIN(reg) { return graphrun::plugin::register_ops(reg, {graphrun::io_ops::read_op()}); }
