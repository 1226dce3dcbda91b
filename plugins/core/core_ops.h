// The ops of the core family, one factory per op (each defined in <op>.cpp).
#pragma once

#include <graphrun/plugin.hpp>

namespace graphrun::core {

plugin::OpDef constant_op();
plugin::OpDef linspace_op();
plugin::OpDef arange_op();
plugin::OpDef random_op();
plugin::OpDef slice_op();
plugin::OpDef reshape_op();
plugin::OpDef transpose_op();
plugin::OpDef concat_op();
plugin::OpDef sum_op();
plugin::OpDef mean_op();
plugin::OpDef max_op();
plugin::OpDef matmul_op();
plugin::OpDef linear_op();

}  // namespace graphrun::core
