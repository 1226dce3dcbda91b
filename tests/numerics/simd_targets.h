// The SIMD targets this machine can run graphrun's kernels on, as GRAPHRUN_SIMD names them,
// and running the graphrun executable capped at one of them.
#pragma once

#include "support/command.h"

#include <string>
#include <vector>

namespace graphrun::testing {

/// GRAPHRUN_SIMD values this CPU supports, best first ("avx512", "avx2", "sse4", "scalar").
std::vector<std::string> simd_targets_here();

/// run_graphrun with GRAPHRUN_SIMD=target in its environment.
CommandResult run_graphrun_on(const std::string& target, const std::vector<std::string>& args);

}  // namespace graphrun::testing
