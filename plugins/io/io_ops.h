// The ops of the io family, one factory per op (each defined in <op>.cpp).
#pragma once

#include <graphrun/plugin.hpp>

namespace graphrun::io_ops {

/// `read`: a tensor from a .npy or .csv file.
plugin::OpDef read_op();

}  // namespace graphrun::io_ops
