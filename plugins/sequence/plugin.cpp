// Registers the sequence family: linear recurrence, Elman RNN, SSM, selective scan.
#include "sequence_ops.h"

using namespace graphrun::sequence;

GRAPHRUN_PLUGIN(reg) {
  return graphrun::plugin::register_ops(
      reg, {recurrence_op(), rnn_op(), ssm_op(), selective_scan_op()});
}
