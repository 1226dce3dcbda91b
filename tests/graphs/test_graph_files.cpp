// Every file under graphs/invalid/ states on its first line the error `graphrun check` must
// report (`# error: LINE:COL: TEXT`); every other graph under graphs/ must check and run.
#include "support/command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> graph_files(bool invalid) {
  std::vector<std::string> files;
  fs::path root = fs::path(GRAPHRUN_SOURCE_DIR) / "graphs";
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (e.path().extension() != ".yaml") continue;
    std::string rel = fs::relative(e.path(), root).string();
    bool in_invalid = rel.rfind("invalid/", 0) == 0;
    // Subgraph parts (files that only make sense inside another graph) live in parts/.
    if (in_invalid == invalid && rel.find("/parts/") == std::string::npos) files.push_back(rel);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string test_name(const std::string& rel) {
  std::string s;
  for (char c : rel) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

class InvalidGraph : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidGraph, ReportsTheStatedError) {
  fs::path file = fs::path(GRAPHRUN_SOURCE_DIR) / "graphs" / GetParam();
  std::string text = read_text(file.string());
  std::smatch m;
  static const std::regex header(R"(^# error: (\d+):(\d+): (.*))");
  std::string first_line = text.substr(0, text.find('\n'));
  ASSERT_TRUE(std::regex_match(first_line, m, header)) << file << " must start with '# error: LINE:COL: TEXT'";
  CommandResult r = run_graphrun({"check", file.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  std::string where = file.string() + ":" + m[1].str() + ":" + m[2].str() + ": ";
  EXPECT_NE(r.err.find(where), std::string::npos) << "expected an error at " << where << "\ngot:\n" << r.err;
  EXPECT_NE(r.err.find(m[3].str()), std::string::npos) << "expected '" << m[3] << "'\ngot:\n" << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Graphs, InvalidGraph, ::testing::ValuesIn(graph_files(true)),
                         [](const auto& param) { return test_name(param.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(InvalidGraph);

class ShippedGraph : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedGraph, ChecksAndRuns) {
  fs::path file = fs::path(GRAPHRUN_SOURCE_DIR) / "graphs" / GetParam();
  CommandResult check = run_graphrun({"check", file.string()});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  if (read_text(file.string()).find("\ninputs:") != std::string::npos) return;  // needs --input files
  TempDir out;
  CommandResult run = run_graphrun({"run", file.string(), "-o", out.path(), "--quiet"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

INSTANTIATE_TEST_SUITE_P(Graphs, ShippedGraph, ::testing::ValuesIn(graph_files(false)),
                         [](const auto& param) { return test_name(param.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ShippedGraph);

}  // namespace
}  // namespace graphrun::testing
