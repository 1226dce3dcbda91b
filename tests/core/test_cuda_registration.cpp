// In a build with CUDA every core op has a CUDA kernel (its <op>.cu defines the launcher
// that cuda_launchers.h declares weak; a signature that drifted would leave it null and the
// op without one); in a build without CUDA none has.
#include "support/command.h"

#include <gtest/gtest.h>

#include <sstream>
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

// Every op of `graphrun ops` runs on the device in a CUDA build, but `read` (which reads a file
// on the host) and `subgraph` (whose nodes join the graph); without CUDA, none does.
TEST(CoreCudaKernels, EveryOpButReadRunsOnCudaInACudaBuild) {
  const CommandResult r = run_graphrun({"ops"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  int ops = 0;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string name, devices;
    words >> name >> devices;
    if (name.empty()) continue;
    ++ops;
    const bool cuda = line.find(" cpu, cuda ") != std::string::npos;
    if (name == "subgraph") EXPECT_EQ(devices, "inlined") << line;
    else if (name == "read" || GRAPHRUN_TEST_CUDA_BUILT != 1) EXPECT_FALSE(cuda) << line;
    else EXPECT_TRUE(cuda) << line;
  }
  EXPECT_GE(ops, 40) << r.out;
}

}  // namespace
}  // namespace graphrun::testing
