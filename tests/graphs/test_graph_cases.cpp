// Every folder of tests/cases/ is a graph with reference outputs computed by numpy/scipy
// (tools/ref_*.py). Each runs three ways: default, --threads 1 (must be bit-identical)
// and --no-fuse (must agree to rounding); all must match the references.
#include "support/command.h"
#include "support/compare.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(GRAPHRUN_SOURCE_DIR) / "tests" / "cases", ec))
    if (fs::exists(e.path() / "graph.yaml")) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Extra `graphrun run` arguments from the case's args file (split on spaces).
std::vector<std::string> case_args(const fs::path& dir) {
  std::vector<std::string> args;
  std::istringstream in(read_text((dir / "args").string()));
  for (std::string a; in >> a;) args.push_back(a);
  return args;
}

// rtol, atol: the case's tolerance file, else SPEC's defaults for its dtype.
std::pair<double, double> case_tolerance(const fs::path& dir, gr_dtype dtype) {
  std::pair<double, double> tol = {dtype == GR_F64 ? 1e-12 : 1e-5, 0.0};
  std::istringstream in(read_text((dir / "tolerance").string()));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream(line) >> tol.first >> tol.second;
  }
  return tol;
}

gr_dtype case_dtype(const fs::path& dir) {
  static const std::regex f64(R"((^|\n)dtype:\s*(f64|float64))");
  return std::regex_search(read_text((dir / "graph.yaml").string()), f64) ? GR_F64 : GR_F32;
}

class GraphCase : public ::testing::TestWithParam<std::string> {};

TEST_P(GraphCase, MatchesReference) {
  const fs::path dir = fs::path(GRAPHRUN_SOURCE_DIR) / "tests" / "cases" / GetParam();
  const gr_dtype dtype = case_dtype(dir);
  const auto [rtol, atol] = case_tolerance(dir, dtype);
  std::vector<fs::path> expected;
  for (const auto& e : fs::directory_iterator(dir / "expected"))
    if (e.path().extension() == ".npy") expected.push_back(e.path());
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
