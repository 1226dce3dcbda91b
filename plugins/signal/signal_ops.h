// The ops of the signal family, one factory per op (each defined in <op>.cpp).
#pragma once

#include <graphrun/plugin.hpp>

namespace graphrun::signal {

plugin::OpDef conv1d_op();

}  // namespace graphrun::signal
