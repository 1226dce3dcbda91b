// For tests that compile a generated kernel as host C++ while they run (the engine's
// native_function, as derivative's and ode's kernels are made per node, and the fake CUDA
// runtime): the source to compile, and a kernel cache folder of the test process's own.
#pragma once

#include "expr/cuda_source.h"
#include "support/command.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace graphrun::cuda::testing {

/// The text of tests/cuda/host_shim.h, to put before a kernel compiled as host C++.
inline std::string host_shim_text() {
  return graphrun::testing::read_text(std::string(GRAPHRUN_SOURCE_DIR) + "/tests/cuda/host_shim.h");
}

/// host_shim.h, then `kernel` with the elementwise math header written in place of its
/// #include (the host compiler is given no include path to it).
inline std::string host_emulation_source(const std::string& kernel) {
  std::string source = kernel;
  const std::string include = "#include <" + std::string(expr::kElementwiseMathHeaderName) + ">\n";
  const size_t at = source.find(include);
  EXPECT_NE(at, std::string::npos) << "the kernel does not include the math header";
  if (at != std::string::npos) source.replace(at, include.size(), std::string(expr::elementwise_math_header()) + "\n");
  return host_shim_text() + source;
}

/// Points the kernel cache at a fresh folder, removed when the tests end, so that what this
/// process compiles neither reads nor fills the user's cache. Register once per test program:
/// ::testing::AddGlobalTestEnvironment(new OwnKernelCacheFolder).
class OwnKernelCacheFolder : public ::testing::Environment {
 public:
  void SetUp() override { ::setenv("GRAPHRUN_KERNEL_CACHE", dir_.path().c_str(), 1); }

 private:
  graphrun::testing::TempDir dir_;
};

}  // namespace graphrun::cuda::testing
