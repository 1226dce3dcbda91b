// The ops of the calculus family, one factory per op (each defined in <op>.cpp).
#pragma once

#include <graphrun/plugin.hpp>

namespace graphrun::calculus {

/// derivative: finite differences along the last axis (numpy.gradient and more stencils).
plugin::OpDef derivative_op();
/// integrate: cumulative trapezoid, rectangle or Simpson integral along the last axis.
plugin::OpDef integrate_op();
/// ode: fixed-step and adaptive solvers for element-wise independent systems.
plugin::OpDef ode_op();

}  // namespace graphrun::calculus
