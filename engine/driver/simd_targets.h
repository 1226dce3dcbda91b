// Which SIMD target graphrun's kernels run on: the best the CPU supports (Highway's run-time
// dispatch), or a lower one named by the environment, to compare or time targets on one
// machine.
#pragma once

namespace graphrun {

/// Applies GRAPHRUN_SIMD (avx512, avx2, sse4 or scalar) when it is set: no kernel then uses
/// a target above that one. Call before any kernel runs. Throws UsageError for another value.
void limit_simd_targets_from_env();

}  // namespace graphrun
