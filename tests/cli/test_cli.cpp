// The `graphrun` command as SPEC §3 describes it: subcommands, output printing and files,
// --repeat, --profile, --trace, --plot, exit codes.
#include "support/command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

// Writes a graph file into dir and returns its path.
std::string write_graph(const TempDir& dir, const std::string& text, const std::string& name = "g.yaml") {
  std::string path = dir.path() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

const char* kSmall =
    "format: 1\n"
    "graph: small\n"
    "doc: a few values\n"
    "dtype: f64\n"
    "params: {gain: 2}\n"
    "nodes:\n"
    "  - {id: x, op: linspace, start: 0, stop: 1, num: 5}\n"
    "  - {id: y, op: scale, in: [x], a: $gain, b: 0.1}\n"
    "  - {id: big, op: linspace, start: 0, stop: 1, num: 101}\n"
    "outputs: {scaled: y, x: x, big: big}\n";

TEST(Cli, RunPrintsShortestRoundTripValues) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", write_graph(dir, kSmall)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("x: f64 (5,) = [0.0, 0.25, 0.5, 0.75, 1.0]"), std::string::npos) << r.out;
  // 2 * 0.25 + 0.1 in binary64 is 0.6 exactly as Python prints it; 2*0.75+0.1 = 1.6.
  EXPECT_NE(r.out.find("scaled: f64 (5,) = [0.1, 0.6, 1.1, 1.6, 2.1]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("big: f64 (101,) min 0.0 max 1.0 mean 0.5"), std::string::npos) << r.out;
}

TEST(Cli, SetOverridesAParam) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", write_graph(dir, kSmall), "--set", "gain=0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("scaled: f64 (5,) = [0.1, 0.1, 0.1, 0.1, 0.1]"), std::string::npos) << r.out;
}

TEST(Cli, NumericAttributesMayBeArithmeticOverParams) {
  TempDir dir;
  std::string g = write_graph(dir,
                              "format: 1\ngraph: arith\ndtype: f64\nparams: {t_end: 1, delta: 0.25}\nnodes:\n"
                              "  - {id: x, op: linspace, start: 0, stop: \"2 * $t_end\", num: \"$t_end / $delta + 1\"}\n"
                              "outputs: [x]\n");
  CommandResult r = run_graphrun({"run", g});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("x: f64 (5,) = [0.0, 0.5, 1.0, 1.5, 2.0]"), std::string::npos) << r.out;
  CommandResult finer = run_graphrun({"run", g, "--set", "delta=0.125"});
  EXPECT_NE(finer.out.find("x: f64 (9,)"), std::string::npos) << finer.out;
}

TEST(Cli, SetOfAnUnknownParamIsAnError) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", write_graph(dir, kSmall), "--set", "gian=3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no param 'gian' (did you mean 'gain'?)"), std::string::npos) << r.err;
}

TEST(Cli, WritesNpyAndCsvFiles) {
  TempDir dir;
  std::string g = write_graph(dir, kSmall);
  CommandResult npy = run_graphrun({"run", g, "-o", dir.path() + "/npy"});
  ASSERT_EQ(npy.exit_code, 0) << npy.err;
  // No values printed: only the list of files written.
  EXPECT_EQ(npy.out, "wrote " + dir.path() + "/npy/scaled.npy: f64 (5,)\nwrote " + dir.path() +
                         "/npy/x.npy: f64 (5,)\nwrote " + dir.path() + "/npy/big.npy: f64 (101,)\n");
  for (const char* name : {"scaled", "x", "big"}) EXPECT_TRUE(fs::exists(dir.path() + "/npy/" + name + ".npy")) << name;
  CommandResult csv = run_graphrun({"run", g, "-o", dir.path() + "/csv", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(read_text(dir.path() + "/csv/x.csv"), "0.0\n0.25\n0.5\n0.75\n1.0\n");
  // Nothing but the outputs: no temporary files left behind.
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path() + "/csv")) files += e.is_regular_file();
  EXPECT_EQ(files, 3u);
}

TEST(Cli, NpyOutputsLoadInNumpy) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  TempDir dir;
  ASSERT_EQ(run_graphrun({"run", write_graph(dir, kSmall), "-o", dir.path()}).exit_code, 0);
  std::string cmd = "/usr/bin/python3 -c \"import numpy as np; a = np.load('" + dir.path() +
                    "/x.npy'); assert a.dtype == np.float64 and a.shape == (5,) and a[1] == 0.25\"";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST(Cli, RepeatPrintsTheTimingLine) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", write_graph(dir, kSmall), "--repeat", "3", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  static const std::regex line(R"(time: median \d+\.\d{3} ms, min \d+\.\d{3} ms, runs 3\n)");
  EXPECT_TRUE(std::regex_search(r.err, line)) << r.err;
}

TEST(Cli, ProfileTraceAndPlot) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", write_graph(dir, kSmall), "--profile", "--trace", dir.path() + "/t.json",
                                  "--plot", dir.path() + "/p.svg", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("GB/s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("peak memory"), std::string::npos) << r.err;
  std::string trace = read_text(dir.path() + "/t.json");
  EXPECT_NE(trace.find("\"traceEvents\""), std::string::npos);
  EXPECT_NE(trace.find("\"ph\": \"X\""), std::string::npos);
  std::string svg = read_text(dir.path() + "/p.svg");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("<path"), std::string::npos);
}

TEST(Cli, CheckExplainDot) {
  TempDir dir;
  std::string g = write_graph(dir, kSmall);
  CommandResult check = run_graphrun({"check", g});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  CommandResult explain = run_graphrun({"explain", g});
  ASSERT_EQ(explain.exit_code, 0) << explain.err;
  EXPECT_NE(explain.out.find("graph small (f64): a few values"), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("linspace"), std::string::npos);
  EXPECT_NE(explain.out.find("memory: peak"), std::string::npos);
  CommandResult passes = run_graphrun({"explain", g, "--each-pass"});
  ASSERT_EQ(passes.exit_code, 0) << passes.err;
  EXPECT_NE(passes.out.find("== after infer_shapes"), std::string::npos) << passes.out;
  EXPECT_NE(passes.out.find("== after fuse_elementwise"), std::string::npos) << passes.out;
  CommandResult dot = run_graphrun({"dot", g});
  ASSERT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_EQ(dot.out.rfind("digraph \"small\" {", 0), 0u) << dot.out;
  EXPECT_NE(dot.out.find("->"), std::string::npos);
}

TEST(Cli, DotDrawsFusionGroupsAsClusters) {
  TempDir dir;
  std::string g = write_graph(dir,
                              "format: 1\ngraph: fused\nnodes:\n"
                              "  - {id: x, op: linspace, start: 0, stop: 1, num: 8}\n"
                              "  - {id: a, op: exp, in: [x]}\n"
                              "  - {id: b, op: sin, in: [a]}\n"
                              "outputs: [b]\n");
  CommandResult fused = run_graphrun({"dot", g});
  ASSERT_EQ(fused.exit_code, 0) << fused.err;
  EXPECT_NE(fused.out.find("subgraph cluster_"), std::string::npos) << fused.out;
  EXPECT_NE(fused.out.find("label=\"b (fused)\""), std::string::npos) << fused.out;
  CommandResult plain = run_graphrun({"dot", g, "--no-fuse"});
  ASSERT_EQ(plain.exit_code, 0);
  EXPECT_EQ(plain.out.find("cluster"), std::string::npos) << plain.out;
}

TEST(Cli, ProfileShowsAFusedGroupAsOneRow) {
  TempDir dir;
  std::string g = write_graph(dir,
                              "format: 1\ngraph: fused\nnodes:\n"
                              "  - {id: x, op: linspace, start: 0, stop: 1, num: 8}\n"
                              "  - {id: a, op: exp, in: [x]}\n"
                              "  - {id: b, op: sin, in: [a]}\n"
                              "  - {id: c, op: sqrt, in: [b]}\n"
                              "outputs: [c]\n");
  CommandResult fused = run_graphrun({"run", g, "--profile", "--quiet"});
  ASSERT_EQ(fused.exit_code, 0) << fused.err;
  EXPECT_NE(fused.err.find("fused(3)"), std::string::npos) << fused.err;
  EXPECT_NE(fused.err.find("over 2 steps"), std::string::npos) << fused.err;
  CommandResult unfused = run_graphrun({"run", g, "--profile", "--quiet", "--no-fuse"});
  EXPECT_NE(unfused.err.find("over 4 steps"), std::string::npos) << unfused.err;
}

TEST(Cli, OpsAndSchema) {
  CommandResult ops = run_graphrun({"ops"});
  ASSERT_EQ(ops.exit_code, 0) << ops.err;
  for (const char* op : {"constant", "linspace", "matmul", "exp", "expr", "read"})
    EXPECT_NE(ops.out.find(std::string("\n") + op + " "), std::string::npos) << op;
  CommandResult one = run_graphrun({"ops", "linspace"});
  ASSERT_EQ(one.exit_code, 0);
  EXPECT_NE(one.out.find("endpoint"), std::string::npos) << one.out;
  CommandResult unknown = run_graphrun({"ops", "linspase"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("did you mean 'linspace'?"), std::string::npos) << unknown.err;
  CommandResult schema = run_graphrun({"schema"});
  ASSERT_EQ(schema.exit_code, 0);
  if (fs::exists("/usr/bin/python3")) {
    TempDir dir;
    std::ofstream(dir.path() + "/s.json") << schema.out;
    std::string cmd = "/usr/bin/python3 -c \"import json; s = json.load(open('" + dir.path() +
                      "/s.json')); assert 'nodes' in s['properties']\"";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << schema.out.substr(0, 2000);
  }
}

TEST(Cli, DeviceChoices) {
  TempDir dir;
  std::string g = write_graph(dir, kSmall);
  CommandResult cuda = run_graphrun({"run", g, "--device", "cuda"});
  EXPECT_EQ(cuda.exit_code, 3);
  EXPECT_NE(cuda.err.find("no CUDA device"), std::string::npos) << cuda.err;
  EXPECT_EQ(run_graphrun({"run", g, "--device", "auto", "--quiet"}).exit_code, 0);
}

TEST(Cli, DeviceAutoOnTheCpuSaysWhyUnderProfile) {
  TempDir dir;
  std::string g = write_graph(dir, kSmall);
  const std::string cuda_err = run_graphrun({"run", g, "--device", "cuda"}).err;
  const size_t at = cuda_err.find("no CUDA device: ");
  ASSERT_NE(at, std::string::npos) << cuda_err;
  const std::string reason = cuda_err.substr(at, cuda_err.find('\n', at) - at);  // the probe's reason
  CommandResult r = run_graphrun({"run", g, "--device", "auto", "--profile", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("device: cpu (--device auto: " + reason + ")\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("total "), std::string::npos) << r.err;  // the profile itself follows
  // Without --profile, or with the CPU asked for, nothing is said.
  EXPECT_EQ(run_graphrun({"run", g, "--device", "auto", "--quiet"}).err.find("--device auto"), std::string::npos);
  EXPECT_EQ(run_graphrun({"run", g, "--profile", "--quiet"}).err.find("--device auto"), std::string::npos);
}

TEST(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_graphrun({}).exit_code, 2);
  EXPECT_EQ(run_graphrun({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_graphrun({"run"}).exit_code, 2);
  TempDir dir;
  EXPECT_EQ(run_graphrun({"run", write_graph(dir, kSmall), "--threads", "x"}).exit_code, 2);
  EXPECT_EQ(run_graphrun({"run", write_graph(dir, kSmall), "--set", "novalue"}).exit_code, 2);
}

TEST(Cli, InputsFromNpyAndCsvWithShapeChecks) {
  TempDir dir;
  std::string g = write_graph(dir,
                              "format: 1\ngraph: in\ndtype: f64\n"
                              "inputs:\n  u: {shape: [2, -1]}\n"
                              "nodes:\n  - {id: y, op: mul, in: [u, u]}\n"
                              "outputs: [y]\n");
  std::ofstream(dir.path() + "/u.csv") << "1,2,3\n4,5,6\n";
  CommandResult r = run_graphrun({"run", g, "--input", "u=" + dir.path() + "/u.csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("y: f64 (2, 3) = [[1.0, 4.0, 9.0], [16.0, 25.0, 36.0]]"), std::string::npos) << r.out;
  std::ofstream(dir.path() + "/bad.csv") << "1,2,3\n";
  CommandResult wrong = run_graphrun({"run", g, "--input", "u=" + dir.path() + "/bad.csv"});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("has shape (3,), the graph declares (2, -1)"), std::string::npos) << wrong.err;
  CommandResult missing = run_graphrun({"run", g});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("graph input 'u' was not given"), std::string::npos) << missing.err;
  CommandResult unknown = run_graphrun({"run", g, "--input", "v=" + dir.path() + "/u.csv"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("the graph has no input 'v'"), std::string::npos) << unknown.err;
  CommandResult absent = run_graphrun({"run", g, "--input", "u=" + dir.path() + "/nope.npy"});
  EXPECT_EQ(absent.exit_code, 2);
  EXPECT_NE(absent.err.find("nope.npy"), std::string::npos) << absent.err;
}

}  // namespace
}  // namespace graphrun::testing
