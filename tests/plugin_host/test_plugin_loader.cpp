// The plugin loader refuses bad plugins with a message naming the library and the reason,
// never a crash; a good third-party plugin's ops work like built-in ones.
#include "support/command.h"

#include <graphrun/plugin_api.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace graphrun::testing {
namespace {

std::string plugin(const std::string& name) { return std::string(TEST_PLUGIN_DIR) + "/lib" + name + ".so"; }

TEST(PluginLoader, RefusesAWrongApiVersion) {
  CommandResult r = run_graphrun({"ops", "--plugin", plugin("test_wrong_version")});
  EXPECT_EQ(r.exit_code, 2);
  const std::string future = std::to_string(GRAPHRUN_API_MAJOR + 1) + ".0";
  EXPECT_NE(r.err.find("libtest_wrong_version.so: built for plugin API " + future + ", which this graphrun (API " +
                       std::to_string(GRAPHRUN_API_MAJOR) + "." + std::to_string(GRAPHRUN_API_MINOR) + ") cannot load"),
            std::string::npos)
      << r.err;
}

TEST(PluginLoader, RefusesALibraryWithoutEntryPoint) {
  CommandResult r = run_graphrun({"ops", "--plugin", plugin("test_no_entry_point")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a graphrun plugin (no symbol 'graphrun_plugin_init')"), std::string::npos) << r.err;
}

TEST(PluginLoader, RefusesADuplicateOpName) {
  CommandResult r = run_graphrun({"ops", "--plugin", plugin("test_duplicate_op")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("duplicate op 'exp', already registered by"), std::string::npos) << r.err;
}

TEST(PluginLoader, RefusesAMissingFile) {
  CommandResult r = run_graphrun({"ops", "--plugin", "/nonexistent/libnothing.so"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/libnothing.so: no such file"), std::string::npos) << r.err;
}

TEST(PluginLoader, ListsThirdPartyOps) {
  CommandResult r = run_graphrun({"ops", "cube", "--plugin", plugin("test_third_party")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("x cubed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gain"), std::string::npos) << r.out;
}

// A graph file that loads the third-party plugin by a path relative to itself.
std::string graph_with_plugin(const TempDir& dir, const std::string& body) {
  std::string path = dir.path() + "/g.yaml";
  std::ofstream(path) << "format: 1\ngraph: t\ndtype: f64\nplugins: [" << plugin("test_third_party") << "]\n" << body;
  return path;
}

TEST(PluginLoader, ThirdPartyElementwiseOpRunsAndMatchesItsFormula) {
  TempDir dir;
  std::string g = graph_with_plugin(dir,
                                    "nodes:\n"
                                    "  - {id: x, op: constant, value: [-2.0, 0.5, 3.0]}\n"
                                    "  - {id: c, op: cube, in: [x], gain: 0.5}\n"
                                    "outputs: [c]\n");
  CommandResult r = run_graphrun({"run", g});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 0.5 * x^3, exactly representable for these inputs.
  EXPECT_NE(r.out.find("c: f64 (3,) = [-4.0, 0.0625, 13.5]"), std::string::npos) << r.out;
}

TEST(PluginLoader, AThrowingKernelIsAClearRuntimeError) {
  TempDir dir;
  std::string g = graph_with_plugin(dir,
                                    "nodes:\n"
                                    "  - {id: x, op: constant, value: [1.0, 2.0]}\n"
                                    "  - {id: boom, op: always_fails, in: [x]}\n"
                                    "outputs: [boom]\n");
  CommandResult r = run_graphrun({"run", g, "-o", dir.path() + "/out"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("node 'boom'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("libtest_third_party.so"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the kernel gave up on purpose"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/out/boom.npy"));
}

TEST(PluginLoader, APluginListedInTheGraphThatFailsIsReportedAtItsLine) {
  TempDir dir;
  std::string path = dir.path() + "/g.yaml";
  std::ofstream(path) << "format: 1\ngraph: t\nplugins:\n  - " << plugin("test_wrong_version")
                      << "\nnodes:\n  - {id: x, op: constant, value: 1}\noutputs: [x]\n";
  CommandResult r = run_graphrun({"check", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":4:5: plugin "), std::string::npos) << r.err;
}

TEST(PluginLoader, ThirdPartyElementwiseOpsFuseWithBuiltInOnes) {
  TempDir dir;
  std::string g = graph_with_plugin(dir,
                                    "nodes:\n"
                                    "  - {id: x, op: linspace, start: -1, stop: 1, num: 9}\n"
                                    "  - {id: c, op: cube, in: [x], gain: 2}\n"
                                    "  - {id: y, op: tanh, in: [c]}\n"
                                    "outputs: [y]\n");
  CommandResult r = run_graphrun({"explain", g});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("y: c (cube), y (tanh)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("out = tanh((((2 * in0) * in0) * in0))"), std::string::npos) << r.out;
}

TEST(PluginLoader, AnElementwiseChainBecomesTheEpilogueOfAnOpThatSupportsIt) {
  TempDir dir;
  std::string g = graph_with_plugin(dir,
                                    "nodes:\n"
                                    "  - {id: x, op: linspace, start: 0, stop: 1, num: 6}\n"
                                    "  - {id: r, op: reshape, in: [x], shape: [2, 3]}\n"
                                    "  - {id: s, op: running_sum, in: [r]}\n"
                                    "  - {id: e, op: exp, in: [s]}\n"
                                    "  - {id: y, op: scale, in: [e], a: 2, b: -1}\n"
                                    "outputs: [y]\n");
  CommandResult explain = run_graphrun({"explain", g});
  ASSERT_EQ(explain.exit_code, 0) << explain.err;
  EXPECT_NE(explain.out.find("running_sum+epilogue"), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("s (running_sum) + epilogue e (exp), y (scale)"), std::string::npos) << explain.out;
  CommandResult fused = run_graphrun({"run", g});
  CommandResult unfused = run_graphrun({"run", g, "--no-fuse"});
  ASSERT_EQ(fused.exit_code, 0) << fused.err;
  EXPECT_EQ(fused.out, unfused.out);
  EXPECT_NE(fused.out.find("y: f64 (2, 3) = [["), std::string::npos) << fused.out;
}

TEST(PluginLoader, LoadsEveryLibraryOfGraphrunPluginPath) {
  TempDir dir;
  std::filesystem::copy_file(plugin("test_third_party"), dir.path() + "/libthird.so");
  std::string cmd = "GRAPHRUN_PLUGIN_PATH=" + dir.path() + " " + GRAPHRUN_EXE + " ops cube > " + dir.path() + "/o.txt 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << read_text(dir.path() + "/o.txt");
  EXPECT_NE(read_text(dir.path() + "/o.txt").find("x cubed"), std::string::npos);
}

}  // namespace
}  // namespace graphrun::testing
