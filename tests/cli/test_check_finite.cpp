// NaN/inf hunting: a run warns of each output holding non-finite values, with the counts;
// `run --check-finite` names the first node in plan order that produced one (its position,
// op and port, the counts, the first index), exits 1 and writes no output file.
#include "support/command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

// The counts hold by construction. x is the integers 500, 499, ..., -499 (step exactly -1),
// as (10, 100); a = 2x is 0 at flat index 500 and negative after it, so log(a) has one -inf
// (index 500 = [5, 0]) and 499 NaN, all of which y = 2 log(a) keeps. s = sqrt of (-1, 0, 1)
// has one NaN; it is a branch of its own, after lx in plan order (file order among ready
// nodes), small enough to finish first when branches run at once.
const char* kGraph =
    "format: 1\n"
    "graph: blowup\n"
    "dtype: f64\n"
    "nodes:\n"
    "  - {id: x1, op: linspace, start: 500, stop: -499, num: 1000}\n"
    "  - {id: x, op: reshape, in: [x1], shape: [10, 100]}\n"
    "  - {id: a, op: scale, in: [x], a: 2}\n"
    "  - {id: lx, op: log, in: [a]}\n"
    "  - {id: y, op: scale, in: [lx], a: 2}\n"
    "  - {id: z, op: linspace, start: -1, stop: 1, num: 3}\n"
    "  - {id: s, op: sqrt, in: [z]}\n"
    "outputs: [y, s, x]\n";

std::string write(const TempDir& dir, const std::string& text, const std::string& name = "g.yaml") {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// "PATH:LINE:COL" of the id's value in the file's text.
std::string position_of(const std::string& path, const std::string& text, const std::string& id) {
  const size_t at = text.find("{id: " + id + ",") + 5;
  const size_t line_start = text.rfind('\n', at) + 1;
  const long line = std::count(text.begin(), text.begin() + static_cast<long>(at), '\n') + 1;
  return path + ":" + std::to_string(line) + ":" + std::to_string(at - line_start + 1);
}

TEST(CheckFinite, RunWarnsOfNonFiniteOutputsWithTheirCounts) {
  TempDir dir;
  for (const char* dtype : {"f64", "f32"}) {  // the values are whole numbers in both
    SCOPED_TRACE(dtype);
    std::string text = kGraph;
    text.replace(text.find("f64"), 3, dtype);
    CommandResult r = run_graphrun({"run", write(dir, text)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("graphrun: warning: output 'y' has 499 NaN and 1 inf of 1000 values\n"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("graphrun: warning: output 's' has 1 NaN and 0 inf of 3 values\n"), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("output 'x'"), std::string::npos) << "x is finite:\n" << r.err;
  }

  CommandResult quiet = run_graphrun({"run", "-q", write(dir, kGraph)});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "") << "-q prints nothing but errors";
}

TEST(CheckFinite, NamesTheFirstNodeInPlanOrderAndWritesNothing) {
  TempDir dir;
  const std::string path = write(dir, kGraph);
  const std::string expected = position_of(path, kGraph, "lx") +
                               ": node 'lx' (log) produced the first non-finite value: output 'out' has 499 NaN and "
                               "1 inf of 1000 values (first at index [5, 0])";
  // Without --check-finite, a, lx and y are one fused group: naming lx shows the flag runs
  // unfused. Any thread count names the same node.
  for (const char* threads : {"1", "4"}) {
    SCOPED_TRACE(std::string("threads ") + threads);
    const std::string out = dir.path() + "/out" + threads;
    CommandResult r = run_graphrun({"run", path, "--check-finite", "--threads", threads, "-o", out});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("graphrun: " + expected + "\n"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out)) << "--check-finite stopped the run, yet -o made its folder";
  }
  // An existing folder keeps what it held, and gets nothing new.
  const std::string out = dir.path() + "/kept";
  fs::create_directory(out);
  std::ofstream(out + "/y.npy") << "old";
  CommandResult r = run_graphrun({"run", path, "--check-finite", "-o", out});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(read_text(out + "/y.npy"), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(out), fs::directory_iterator()), 1);
}

TEST(CheckFinite, PassesAFiniteRunAndIgnoresUnusedNodes) {
  TempDir dir;
  // lx and y are unused when only x and z are asked for: their NaN never exists.
  std::string text = kGraph;
  text.replace(text.find("outputs: [y, s, x]"), std::string("outputs: [y, s, x]").size(), "outputs: [x, z]");
  const std::string path = write(dir, text);
  CommandResult plain = run_graphrun({"run", "-q", path});
  CommandResult checked = run_graphrun({"run", "-q", "--check-finite", path});
  ASSERT_EQ(checked.exit_code, 0) << checked.err;
  EXPECT_EQ(checked.out, plain.out);
}

// RK4 past a blow-up (the reported case): x' = x^2 from 1 blows up at t = 1, from 0.1 at
// t = 10, so at t = 5 element 0 of x is no longer finite and element 1 is 0.2. The state y
// (y' = y) stays finite. The port x is checked only when something reads it.
TEST(CheckFinite, NamesTheOdeAndPortPastABlowUp) {
  TempDir dir;
  const std::string text =
      "format: 1\ngraph: ode\ndtype: f64\nnodes:\n"
      "  - {id: x0, op: constant, value: [1, 0.1]}\n"
      "  - {id: y0, op: constant, value: [1, 1]}\n"
      "  - {id: sol, op: ode, in: {x: x0, y: y0}, rhs: {x: \"x * x\", y: \"y\"}, method: rk4, dt: 0.05, steps: 100}\n"
      "  - {id: out, op: scale, in: [\"sol:PORT\"], a: 1}\n"
      "outputs: [out]\n";
  std::string reads_x = text, reads_y = text;
  reads_x.replace(reads_x.find("PORT"), 4, "x");
  reads_y.replace(reads_y.find("PORT"), 4, "y");
  const std::string path = write(dir, reads_x, "x.yaml");
  CommandResult r = run_graphrun({"run", path, "--check-finite"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const std::regex expected(std::regex_replace(position_of(path, reads_x, "sol"), std::regex(R"([.\[\]])"), R"(\$&)") +
                            R"(: node 'sol' \(ode\) produced the first non-finite value: output 'x' has )"
                            R"((1 NaN and 0 inf|0 NaN and 1 inf) of 2 values \(first at index \[0\]\))");
  EXPECT_TRUE(std::regex_search(r.err, expected)) << r.err;

  CommandResult y_only = run_graphrun({"run", write(dir, reads_y, "y.yaml"), "--check-finite"});
  EXPECT_EQ(y_only.exit_code, 0) << "the NaN of x reaches no output:\n" << y_only.err;
}

TEST(CheckFinite, BlamesAnInputThatIsAlreadyNonFinite) {
  TempDir dir;
  const std::string graph = write(dir,
                                  "format: 1\ngraph: inp\ndtype: f64\ninputs: {u: {shape: [4]}}\nnodes:\n"
                                  "  - {id: v, op: scale, in: [u], a: 2}\noutputs: [v]\n");
  const std::string csv = dir.path() + "/u.csv";
  std::ofstream(csv) << "1\nnan\n3\ninf\n";
  CommandResult r = run_graphrun({"run", graph, "--input", "u=" + csv, "--check-finite"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("the graph input 'u' already has non-finite values: 1 NaN and 1 inf of 4 values "
                       "(first at index [1])"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("node 'v'"), std::string::npos) << r.err;

  // An input only an unused node reads cannot reach an output: not looked at.
  const std::string two = write(dir,
                                "format: 1\ngraph: inp2\ndtype: f64\ninputs: {u: {shape: [4]}, w: {shape: [4]}}\n"
                                "nodes:\n  - {id: v, op: scale, in: [u], a: 2}\n  - {id: unused, op: neg, in: [w]}\n"
                                "outputs: [v]\n",
                                "two.yaml");
  const std::string finite = dir.path() + "/finite.csv";
  std::ofstream(finite) << "1\n2\n3\n4\n";
  CommandResult unused = run_graphrun({"run", two, "--input", "u=" + finite, "--input", "w=" + csv, "--check-finite"});
  EXPECT_EQ(unused.exit_code, 0) << unused.err;
}

// A scalar: one value, no index to give.
TEST(CheckFinite, AScalarHasNoIndex) {
  TempDir dir;
  const std::string path = write(dir,
                                 "format: 1\ngraph: scalar\ndtype: f32\nnodes:\n  - {id: x, op: constant, value: -1}\n"
                                 "  - {id: l, op: log, in: [x]}\noutputs: [l]\n");
  CommandResult warned = run_graphrun({"run", path});
  EXPECT_NE(warned.err.find("graphrun: warning: output 'l' has 1 NaN and 0 inf of 1 value\n"), std::string::npos)
      << warned.err;
  CommandResult r = run_graphrun({"run", path, "--check-finite"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(": node 'l' (log) produced the first non-finite value: output 'out' has 1 NaN and 0 inf of "
                       "1 value\n"),
            std::string::npos)
      << r.err;
}

TEST(CheckFinite, RefusedOnTheCudaDevice) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", write(dir, kGraph), "--check-finite", "--device", "cuda"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--check-finite is not available for runs on the CUDA device"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace graphrun::testing
