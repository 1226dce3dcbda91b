// Command-line messages: ranges said in words, unknown commands with a suggestion, a folder
// given as the graph, repeatable options that never swallow the graph path.
#include "support/command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace graphrun::testing {
namespace {

std::string small_graph(const TempDir& dir) {
  std::string path = dir.path() + "/g.yaml";
  std::ofstream(path) << "format: 1\ngraph: g\ndtype: f64\nparams: {k: 1}\ninputs:\n  u: {shape: [2]}\n"
                         "nodes:\n  - {id: y, op: scale, in: [u], a: $k, b: 0}\noutputs: [y]\n";
  std::ofstream(dir.path() + "/u.csv") << "1\n2\n";
  return path;
}

TEST(Messages, NumericRangesAreSaidInWords) {
  TempDir dir;
  std::string g = small_graph(dir);
  std::string input = "u=" + dir.path() + "/u.csv";
  CommandResult threads = run_graphrun({"run", g, "--input", input, "--threads", "-1"});
  EXPECT_EQ(threads.exit_code, 2);
  EXPECT_NE(threads.err.find("--threads must be a whole number from 0 (all cores) to 4096, not '-1'"),
            std::string::npos)
      << threads.err;
  CommandResult repeat = run_graphrun({"run", g, "--input", input, "--repeat", "0"});
  EXPECT_EQ(repeat.exit_code, 2);
  EXPECT_NE(repeat.err.find("--repeat must be a whole number >= 1, not '0'"), std::string::npos) << repeat.err;
  for (const char* bad : {"x", "100000", "1.5", "99999999999"}) {
    CommandResult word = run_graphrun({"run", g, "--input", input, "--threads", bad});
    EXPECT_EQ(word.exit_code, 2) << bad;  // 100000 threads crashed oneTBB
    EXPECT_NE(word.err.find("--threads must be a whole number from 0 (all cores) to 4096, not '" + std::string(bad) + "'"),
              std::string::npos)
        << word.err;
  }
  for (const CommandResult& r : {threads, repeat}) EXPECT_EQ(r.err.find("179769"), std::string::npos) << r.err;
  EXPECT_EQ(run_graphrun({"run", g, "--input", input, "--threads", "0", "--quiet"}).exit_code, 0);
}

TEST(Messages, EmptyNamesAreUsageErrors) {
  TempDir dir;
  std::string g = small_graph(dir);
  std::string input = "u=" + dir.path() + "/u.csv";
  struct Case {
    std::vector<std::string> args;
    std::string wanted;
  };
  for (const Case& c : {Case{{"run", g, "--input", "u="}, "--input u=: no file name after '='"},
                        Case{{"run", g, "--input", input, "-o", ""}, "-o,--output-dir: the name is empty"},
                        Case{{"run", g, "--input", input, "--trace", ""}, "--trace: the name is empty"},
                        Case{{"run", ""}, "the graph file name is empty"},
                        Case{{"check", ""}, "the graph file name is empty"}}) {
    CommandResult r = run_graphrun(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.wanted;
    EXPECT_NE(r.err.find(c.wanted), std::string::npos) << r.err;
  }
}

TEST(Messages, AFolderIsNotAGraphFile) {
  TempDir dir;
  for (const char* command : {"run", "check", "explain", "dot"}) {
    CommandResult r = run_graphrun({command, dir.path()});
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_NE(r.err.find(dir.path() + " is a folder, not a graph file"), std::string::npos) << command << ": " << r.err;
  }
}

TEST(Messages, UnknownCommandsAreNamedWithASuggestion) {
  CommandResult typo = run_graphrun({"rnu", "g.yaml"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("unknown command 'rnu' (did you mean 'run'?)"), std::string::npos) << typo.err;
  CommandResult other = run_graphrun({"frobnicate"});
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.err.find("unknown command 'frobnicate'"), std::string::npos) << other.err;
  EXPECT_NE(other.err.find("run, sweep, check, explain, dot, ops, schema"), std::string::npos) << other.err;
  EXPECT_EQ(other.err.find("A subcommand is required"), std::string::npos) << other.err;
  CommandResult none = run_graphrun({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("a command is required: run, sweep, check"), std::string::npos) << none.err;
}

TEST(Messages, RepeatableOptionsTakeOneValueAndLeaveTheGraphPath) {
  TempDir dir;
  std::string g = small_graph(dir);
  std::string plugin = std::string(GRAPHRUN_PLUGIN_DIR) + "/libgraphrun_io.so";
  std::string input = "u=" + dir.path() + "/u.csv";
  CommandResult r = run_graphrun({"run", "--plugin", plugin, "--set", "k=3", "--input", input, g});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("y: f64 (2,) = [3.0, 6.0]"), std::string::npos) << r.out;
  CommandResult twice = run_graphrun({"run", "--set", "k=3", "--set", "k=4", "--input", input, g});
  ASSERT_EQ(twice.exit_code, 0) << twice.err;
  EXPECT_NE(twice.out.find("[4.0, 8.0]"), std::string::npos) << twice.out;
  for (const char* command : {"check", "explain", "dot"}) {
    CommandResult c = run_graphrun({command, "--plugin", plugin, "--set", "k=2", g});
    EXPECT_EQ(c.exit_code, 0) << command << ": " << c.err;
  }
  // Two values after one flag: the second is a stray argument, not a second value.
  CommandResult stray = run_graphrun({"run", g, "--set", "k=3", "k=4"});
  EXPECT_EQ(stray.exit_code, 2);
}

}  // namespace
}  // namespace graphrun::testing
