// In a build with CUDA every core op has a CUDA kernel (its <op>.cu defines the launcher
// that cuda_launchers.h declares weak; a signature that drifted would leave it null and the
// op without one); in a build without CUDA none has.
#include "support/command.h"

#include <gtest/gtest.h>

#include <string>

namespace graphrun::testing {
namespace {

TEST(CoreCudaKernels, EveryCoreOpHasOneExactlyInACudaBuild) {
  for (const char* op : {"constant", "linspace", "arange", "random", "slice", "reshape", "transpose", "concat", "sum",
                         "mean", "max", "matmul", "linear"}) {
    const CommandResult r = run_graphrun({"ops", op});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const bool has_cuda = r.out.find("kernels: cpu, cuda") != std::string::npos;
    EXPECT_EQ(has_cuda, GRAPHRUN_TEST_CUDA_BUILT == 1) << op << ":\n" << r.out;
  }
}

}  // namespace
}  // namespace graphrun::testing
