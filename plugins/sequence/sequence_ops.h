// The ops of the sequence family, one factory per op (each defined in <op>.cpp).
#pragma once

#include <graphrun/plugin.hpp>

namespace graphrun::sequence {

plugin::OpDef recurrence_op();
plugin::OpDef rnn_op();
plugin::OpDef ssm_op();
plugin::OpDef selective_scan_op();

}  // namespace graphrun::sequence
