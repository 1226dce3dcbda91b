// The loader beyond single invalid files: --set values, the order of diagnostics, and
// inputs that used to take time or memory out of proportion to the file (alias bombs,
// long chains through the passes).
#include "driver/session.h"
#include "graph/diagnostics.h"
#include "support/command.h"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <filesystem>
#include <fstream>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = (fs::path(dir.path()) / name).string();
  std::ofstream(path) << text;
  return path;
}

const char* kParamGraph =
    "format: 1\ngraph: params\nparams: {n: 3, label: first}\nnodes:\n"
    "  - {id: x, op: linspace, start: 0, stop: 1, num: $n}\n"
    "outputs: [x]\n";

class SetValue : public ::testing::TestWithParam<std::string> {};

TEST_P(SetValue, ThatIsNotANumberIsRefusedNamingTheParam) {
  TempDir dir;
  CommandResult r = run_graphrun({"check", write_file(dir, "g.yaml", kParamGraph), "--set", "n=" + GetParam()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--set n=" + GetParam() + ": '" + GetParam() + "' is not a"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("number (in the graph, 'n' is 3)"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("unknown name"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Values, SetValue, ::testing::Values("[", "{", "abc", "[1, 2]", "1e999", "", "3 4", "*x", "&a 1"),
                         [](const auto& param) { return "case" + std::to_string(param.index); });

TEST(SetValue, NumbersAndTextForTextParams) {
  TempDir dir;
  std::string g = write_file(dir, "g.yaml", kParamGraph);
  CommandResult number = run_graphrun({"run", g, "--set", "n=2"});
  EXPECT_EQ(number.exit_code, 0) << number.err;
  EXPECT_NE(number.out.find("(2,)"), std::string::npos) << number.out;
  // A param written as text takes any text, YAML-looking or not.
  CommandResult text = run_graphrun({"check", g, "--set", "label=[x"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
}

TEST(Diagnostics, SortedByFileLineColumnThenMessage) {
  DiagnosticSink sink;
  sink.error({"b.yaml", 2, 1}, "late file");
  sink.error({"a.yaml", 9, 1}, "line 9");
  sink.error({"b.yaml", 1, 5}, "early in b");
  sink.error({"a.yaml", 2, 7}, "zeta");
  sink.error({"a.yaml", 2, 7}, "alpha");
  sink.error({"a.yaml", 0, 0}, "no position");
  sink.error({"a.yaml", 2, 3}, "column 3");
  sink.error({"a.yaml", 2, 7}, "alpha");  // reported once
  try {
    sink.throw_if_any();
    FAIL() << "no GraphError";
  } catch (const GraphError& e) {
    std::vector<std::string> got;
    for (const auto& d : e.diagnostics()) got.push_back(d.str());
    EXPECT_EQ(got, (std::vector<std::string>{"a.yaml: no position", "a.yaml:2:3: column 3", "a.yaml:2:7: alpha",
                                             "a.yaml:2:7: zeta", "a.yaml:9:1: line 9", "b.yaml:1:5: early in b",
                                             "b.yaml:2:1: late file"}));
  }
}

TEST(Limits, InputOfRankAboveEightIsRefusedAtItsDeclaration) {
  // An input that passed its declaration (-1 axes) but arrives with 9 axes: nothing may read
  // the ninth size out of a gr_tensor.
  TempDir dir;
  std::string path = write_file(dir, "g.yaml",
                                "format: 1\ngraph: g\ninputs:\n  u: {shape: [-1]}\nnodes:\n"
                                "  - {id: y, op: neg, in: [u]}\noutputs: [y]\n");
  Graph graph = load_graph(path, {});
  TensorData nine;
  nine.shape = Shape(GR_MAX_RANK + 1, 1);
  try {
    run_passes(graph, {{"u", nine}}, true);
    FAIL() << "no GraphError";
  } catch (const GraphError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":4:3: input 'u' has shape (1, 1, 1, 1, 1, 1, 1, 1, 1): tensors have "
                                                "at most 8 axes"),
              std::string::npos)
        << e.what();
  }
}

TEST(Outputs, AnInputOfAnySizeMayBeAnOutputItself) {
  // An input declared with a -1 axis, listed as an output (an x axis for --plot-x): loading
  // gave "internal error: output 'x' refers to output -1" when its size was not known yet.
  TempDir dir;
  std::string path = write_file(dir, "g.yaml",
                                "format: 1\ngraph: g\ndtype: f64\ninputs:\n  x: {shape: [-1]}\nnodes:\n"
                                "  - {id: y, op: neg, in: [x]}\noutputs: [x, y]\n");
  Graph graph = load_graph(path, {});
  ASSERT_EQ(graph.outputs.size(), 2u);
  EXPECT_EQ(graph.outputs[0].second.port, 0);
  TensorData five;
  five.dtype = GR_F64;
  five.shape = {5};
  run_passes(graph, {{"x", five}}, true);
  EXPECT_EQ(graph.nodes[graph.outputs[0].second.node].output_shapes[0], (Shape{5}));
}

// CPU seconds (user + system) a graphrun command takes: unlike the wall clock, not
// stretched by whatever else the machine runs.
double cpu_seconds_of(const std::vector<std::string>& args, CommandResult& r) {
  auto children = [] {
    rusage u{};
    getrusage(RUSAGE_CHILDREN, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  };
  double before = children();
  r = run_graphrun(args);
  return children() - before;
}

TEST(Limits, AliasBombIsRefusedAtOnce) {
  // Before the YAML events were counted this took minutes and gigabytes.
  CommandResult r;
  double s = cpu_seconds_of({"check", (fs::path(GRAPHRUN_SOURCE_DIR) / "graphs/invalid/yaml_alias_bomb.yaml").string()}, r);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_LT(s, 10.0);
}

// A chain of `nodes` unary elementwise nodes, as tools/make_chain_graph.py writes.
std::string chain_graph(int nodes) {
  const char* ops[] = {"neg", "sin", "tanh", "sigmoid", "abs", "cos"};
  std::string text = "format: 1\ngraph: chain\ndtype: f64\nnodes:\n  - {id: n0, op: linspace, start: 0, stop: 1, num: 64}\n";
  for (int i = 1; i < nodes; ++i)
    text += "  - {id: n" + std::to_string(i) + ", op: " + ops[i % 6] + ", in: [n" + std::to_string(i - 1) + "]}\n";
  return text + "outputs: [n" + std::to_string(nodes - 1) + "]\n";
}

TEST(Limits, LongFusibleChainPlansInNearLinearTime) {
  // Fusion was quadratic in the chain's length: 20k nodes took 14 s. Compare 4k and 32k
  // nodes: 8x the nodes may take at most ~20x the time (a quadratic pass takes 64x).
  TempDir dir;
  CommandResult small_r, large_r;
  double small = cpu_seconds_of({"explain", write_file(dir, "small.yaml", chain_graph(4000))}, small_r);
  double large = cpu_seconds_of({"explain", write_file(dir, "large.yaml", chain_graph(32000))}, large_r);
  ASSERT_EQ(small_r.exit_code, 0) << small_r.err;
  ASSERT_EQ(large_r.exit_code, 0) << large_r.err;
  EXPECT_NE(large_r.out.find("n31999"), std::string::npos);
  EXPECT_LT(large, 20 * std::max(small, 0.05)) << "4k nodes: " << small << " s, 32k nodes: " << large << " s";
}

}  // namespace
}  // namespace graphrun::testing
