// Golden tests of the fusion pass: each tests/passes/fusion/<name>.yaml is explained and
// the "fusion groups" section must equal <name>.golden (reviewed by hand when it changes:
// run with GRAPHRUN_UPDATE_GOLDEN=1 to rewrite the files, then read the diff).
// Each graph must also give the same numbers fused and unfused.
#include "support/command.h"
#include "support/compare.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

fs::path fusion_dir() { return fs::path(GRAPHRUN_SOURCE_DIR) / "tests" / "passes" / "fusion"; }

std::vector<std::string> golden_cases() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fusion_dir(), ec))
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string fusion_section(const std::string& explain) {
  size_t begin = explain.find("fusion groups:");
  size_t end = explain.find("\nmemory:", begin);
  return begin == std::string::npos ? std::string() : explain.substr(begin, end - begin + 1);
}

class FusionGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(FusionGolden, PlanMatchesGolden) {
  fs::path graph = fusion_dir() / (GetParam() + ".yaml"), golden = fusion_dir() / (GetParam() + ".golden");
  CommandResult r = run_graphrun({"explain", graph.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string got = fusion_section(r.out);
  if (std::getenv("GRAPHRUN_UPDATE_GOLDEN")) std::ofstream(golden) << got;
  EXPECT_EQ(got, read_text(golden.string()));
}

TEST_P(FusionGolden, FusedEqualsUnfused) {
  fs::path graph = fusion_dir() / (GetParam() + ".yaml");
  TempDir fused, unfused;
  ASSERT_EQ(run_graphrun({"run", graph.string(), "-o", fused.path()}).exit_code, 0);
  ASSERT_EQ(run_graphrun({"run", graph.string(), "-o", unfused.path(), "--no-fuse"}).exit_code, 0);
  for (const auto& e : fs::directory_iterator(unfused.path())) {
    io::HostArray a = io::read_tensor(e.path().string(), GR_F64);
    io::HostArray b = io::read_tensor((fs::path(fused.path()) / e.path().filename()).string(), GR_F64);
    EXPECT_TRUE(tensors_close(b, a, 1e-14, 0)) << e.path().filename();
  }
}

INSTANTIATE_TEST_SUITE_P(Graphs, FusionGolden, ::testing::ValuesIn(golden_cases()),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

}  // namespace
}  // namespace graphrun::testing
