// Registers the calculus family: numerical derivative, cumulative integral, ODE solver.
#include "calculus_ops.h"

using namespace graphrun::calculus;

GRAPHRUN_PLUGIN(reg) {
  return graphrun::plugin::register_ops(reg, {derivative_op(), integrate_op(), ode_op()});
}
