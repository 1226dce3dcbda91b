// Registers an op named like a built-in one: the loader must refuse the plugin.
#include <graphrun/plugin.hpp>

GRAPHRUN_PLUGIN(reg) {
  return graphrun::plugin::register_ops(
      reg, {graphrun::plugin::OpDef("exp", "a second exp").input("x", "input").elementwise("exp(x)")});
}
