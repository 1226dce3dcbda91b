// Every folder of tests/cases/ is a graph with reference outputs computed by numpy/scipy
// (tools/ref_*.py). Each runs three ways: default, --threads 1 (must be bit-identical)
// and --no-fuse (must agree to rounding); all must match the references.
#include "support/command.h"
#include "support/compare.h"
#include "support/graph_cases.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

class GraphCase : public ::testing::TestWithParam<std::string> {};

TEST_P(GraphCase, MatchesReference) {
  const fs::path dir = fs::path(GRAPHRUN_SOURCE_DIR) / "tests" / "cases" / GetParam();
  const gr_dtype dtype = case_dtype(dir);
  const auto [rtol, atol] = case_tolerance(dir, dtype);
  const std::vector<fs::path> expected = case_expected(dir);
  ASSERT_FALSE(expected.empty()) << "no expected/*.npy in " << dir;

  struct Variant {
    const char* name;
    std::vector<std::string> flags;
  };
  const Variant variants[] = {{"default", {}}, {"one thread", {"--threads", "1"}}, {"unfused", {"--no-fuse"}}};
  std::map<std::string, io::HostArray> first;
  for (const auto& v : variants) {
    TempDir out;
    std::vector<std::string> args = {"run", (dir / "graph.yaml").string(), "-o", out.path(), "--quiet"};
    for (const auto& a : case_args(dir)) args.push_back(a);
    for (const auto& f : v.flags) args.push_back(f);
    CommandResult r = run_graphrun(args);
    ASSERT_EQ(r.exit_code, 0) << v.name << ": " << r.err;
    for (const auto& ref_path : expected) {
      std::string name = ref_path.filename().string();
      fs::path got_path = fs::path(out.path()) / name;
      ASSERT_TRUE(fs::exists(got_path)) << v.name << ": no output " << name;
      io::HostArray got = io::read_tensor(got_path.string(), dtype);
      io::HostArray ref = io::read_tensor(ref_path.string(), dtype);
      EXPECT_TRUE(tensors_close(got, ref, rtol, atol)) << v.name << ", output " << name;
      if (std::string(v.name) == "default") first[name] = got;
      if (std::string(v.name) == "one thread") {
        EXPECT_TRUE(tensors_identical(got, first[name])) << "--threads 1 vs default, output " << name;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GraphCase, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GraphCase);

}  // namespace
}  // namespace graphrun::testing
