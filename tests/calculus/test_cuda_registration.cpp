// In a build with CUDA, derivative and integrate have CUDA kernels (derivative.cu and
// integrate.cu define the launchers calculus_cuda.h declares weak; a signature that drifted
// would leave one null and the op without a kernel); in a build without CUDA they have none.
#include "support/command.h"

#include <gtest/gtest.h>

#include <string>

namespace graphrun::testing {
namespace {

TEST(CalculusCudaKernels, DerivativeAndIntegrateHaveOneExactlyInACudaBuild) {
  for (const char* op : {"derivative", "integrate"}) {
    const CommandResult r = run_graphrun({"ops", op});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const bool has_cuda = r.out.find("kernels: cpu, cuda") != std::string::npos;
    EXPECT_EQ(has_cuda, GRAPHRUN_TEST_CUDA_BUILT == 1) << op << ":\n" << r.out;
  }
}

}  // namespace
}  // namespace graphrun::testing
