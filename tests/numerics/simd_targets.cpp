#include "numerics/simd_targets.h"

#include <hwy/targets.h>

#include <cstdlib>

namespace graphrun::testing {

std::vector<std::string> simd_targets_here() {
  const int64_t supported = hwy::SupportedTargets();
  std::vector<std::string> names;
  if (supported & HWY_AVX3) names.push_back("avx512");
  if (supported & HWY_AVX2) names.push_back("avx2");
  if (supported & HWY_SSE4) names.push_back("sse4");
  names.push_back("scalar");
  return names;
}

CommandResult run_graphrun_on(const std::string& target, const std::vector<std::string>& args) {
  ::setenv("GRAPHRUN_SIMD", target.c_str(), 1);
  CommandResult r = run_graphrun(args);
  ::unsetenv("GRAPHRUN_SIMD");
  return r;
}

}  // namespace graphrun::testing
