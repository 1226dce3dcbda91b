// The plugin's one exported symbol, graphrun_plugin_init: it registers every op. register_ops
// refuses (with both versions named) a graphrun whose plugin API this build cannot use.
#include "ops.h"

GRAPHRUN_PLUGIN(reg) {
  return graphrun::plugin::register_ops(reg, {my_plugin::cube_op(), my_plugin::moving_average_op()});
}
