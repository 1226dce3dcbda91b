// softsign(x) = x / (1 + |x|): an elementwise op declared by its formula, so it fuses.
#include <graphrun/plugin.hpp>

GRAPHRUN_PLUGIN(reg) {
  graphrun::plugin::OpDef softsign("softsign", "x / (1 + |x|)");
  softsign.input("x", "input").elementwise("x / (1 + abs(x))");
  return graphrun::plugin::register_ops(reg, {softsign});
}
