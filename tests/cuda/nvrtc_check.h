// Compiling a generated kernel with NVRTC for sm_80 and sm_90 and checking what ptxas says.
#pragma once

#include "backends/cuda/nvrtc_compiler.h"
#include "expr/cuda_source.h"

#include <gtest/gtest.h>

/// In a test of a build without CUDA (GRAPHRUN_TEST_HAS_CUDA 0), there is no NVRTC to compile with.
#define SKIP_WITHOUT_CUDA() \
  if (!GRAPHRUN_TEST_HAS_CUDA) GTEST_SKIP() << "built without CUDA (-DGRAPHRUN_CUDA=OFF): no NVRTC"

namespace graphrun::cuda::testing {

/// The architectures graphrun builds for (CMAKE_CUDA_ARCHITECTURES).
inline constexpr int kArchitectures[] = {80, 90};

/// Compiles source for every architecture; expects exactly one kernel, named kernel_name,
/// with registers reported and no spill stores or loads. Returns how many compiles passed.
inline int compile_and_check(const std::string& source, const std::string& kernel_name, const std::string& what) {
  const NamedHeader headers[] = {{expr::kElementwiseMathHeaderName, expr::elementwise_math_header()}};
  int compiled = 0;
  for (int arch : kArchitectures) {
    SCOPED_TRACE(what + " for sm_" + std::to_string(arch));
    CompiledModule module;
    try {
      module = compile_cuda_source(source, what + ".cu", headers, arch);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
      continue;
    }
    EXPECT_FALSE(module.cubin.empty());
    if (module.kernels.size() != 1) {
      ADD_FAILURE() << "ptxas reported " << module.kernels.size() << " kernels:\n" << module.log;
      continue;
    }
    const KernelResources& k = module.kernels[0];
    EXPECT_EQ(k.name, kernel_name);
    EXPECT_GT(k.registers, 0) << module.log;
    EXPECT_EQ(k.spill_store_bytes, 0) << module.log;
    EXPECT_EQ(k.spill_load_bytes, 0) << module.log;
    if (k.name == kernel_name && k.registers > 0 && k.spill_store_bytes == 0 && k.spill_load_bytes == 0) ++compiled;
  }
  return compiled;
}

}  // namespace graphrun::cuda::testing
