#include "driver/simd_targets.h"

#include "graph/diagnostics.h"

#include <hwy/targets.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace graphrun {

void limit_simd_targets_from_env() {
  const char* value = std::getenv("GRAPHRUN_SIMD");
  if (!value || !*value) return;
  const std::string name = value;
  // Each name disables the targets above it; Highway's fallback always remains.
  const int64_t above_avx512 = HWY_AVX3_DL;
  const int64_t above_avx2 = above_avx512 | HWY_AVX3;
  const int64_t above_sse4 = above_avx2 | HWY_AVX2;
  const int64_t above_scalar = above_sse4 | HWY_SSE4 | HWY_SSSE3 | HWY_EMU128;
  int64_t disabled;
  if (name == "avx512") disabled = above_avx512;
  else if (name == "avx2") disabled = above_avx2;
  else if (name == "sse4") disabled = above_sse4;
  else if (name == "scalar") disabled = above_scalar;
  else throw UsageError("GRAPHRUN_SIMD=" + name + ": expected avx512, avx2, sse4 or scalar");
  hwy::DisableTargets(disabled);
}

}  // namespace graphrun
