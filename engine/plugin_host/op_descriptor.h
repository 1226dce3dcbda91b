// Reading an op descriptor from a plugin: the host copies the prefix of each struct that
// the plugin's API minor version knows, zero-fills the rest, and checks every field before
// the op can be used (ONNX Runtime's OrtCustomOp and ggml-backend do the same).
#pragma once

#include "plugin_host/registry.h"

#include <string>

namespace graphrun {

/// Fills `op` from `given` in this host's layout. Returns "" when the descriptor is sound,
/// else why it is refused (without the plugin's name, which the caller adds).
std::string read_op_descriptor(const gr_op_desc* given, OpInfo& op);

}  // namespace graphrun
