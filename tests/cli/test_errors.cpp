// Errors in graph files: every one is reported (not only the first), each with
// file:line:col, and none crashes.
#include "support/command.h"

#include <gtest/gtest.h>

#include <fstream>

namespace graphrun::testing {
namespace {

std::string write_graph(const TempDir& dir, const std::string& text) {
  std::string path = dir.path() + "/g.yaml";
  std::ofstream(path) << text;
  return path;
}

TEST(GraphErrors, AllErrorsOfAFileAreReported) {
  TempDir dir;
  std::string g = write_graph(dir,
                              "format: 1\n"
                              "graph: many\n"
                              "nodes:\n"
                              "  - {id: a, op: linspase, start: 0, stop: 1, num: 3}\n"
                              "  - {id: b, op: scale, in: [a], scael: 2}\n"
                              "  - {id: c, op: add, in: [b, nowhere]}\n"
                              "  - {id: c, op: exp, in: [a]}\n"
                              "outputs: [c]\n");
  CommandResult r = run_graphrun({"check", g});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(g + ":4:17: node 'a': unknown op 'linspase' (did you mean 'linspace'?)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(g + ":5:33: node 'b': unknown attribute 'scael' for op 'scale'\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(g + ":6:30: node 'c': input 'b' refers to unknown node or input 'nowhere'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(g + ":7:10: duplicate node id 'c'"), std::string::npos) << r.err;
}

TEST(GraphErrors, ACycleNamesItsNodes) {
  TempDir dir;
  std::string g = write_graph(dir,
                              "format: 1\ngraph: loop\nnodes:\n"
                              "  - {id: a, op: exp, in: [c]}\n"
                              "  - {id: b, op: exp, in: [a]}\n"
                              "  - {id: c, op: exp, in: [b]}\n"
                              "outputs: [c]\n");
  CommandResult r = run_graphrun({"check", g});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(g + ":4:10: cycle: a -> b -> c -> a"), std::string::npos) << r.err;
}

TEST(GraphErrors, YamlSyntaxErrorHasItsPosition) {
  TempDir dir;
  std::string g = write_graph(dir, "format: 1\ngraph: x\nnodes: [\n  - {id: a\n");
  CommandResult r = run_graphrun({"check", g});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(g + ":"), std::string::npos);
  EXPECT_NE(r.err.find("YAML syntax error"), std::string::npos) << r.err;
}

TEST(GraphErrors, MissingFileIsAnError) {
  CommandResult r = run_graphrun({"check", "/nonexistent/graph.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/graph.yaml: cannot open the graph file"), std::string::npos) << r.err;
}

TEST(GraphErrors, GarbageNeverCrashes) {
  TempDir dir;
  const char* texts[] = {"", "[]", "42", "format: 1\n", "format: 1\ngraph: g\nnodes: 3\noutputs: 5\n",
                         "format: 1\ngraph: g\nnodes: [1, [2], {}]\noutputs: [{}]\n",
                         "format: 1\ngraph: g\nnodes:\n  - {id: a, op: [x]}\n  - {id: [1], op: exp}\noutputs: {a: [1]}\n",
                         "format: 1\ngraph: g\nparams: [1]\ninputs: 3\nplugins: {}\nnodes: []\noutputs: []\n",
                         "format: 1\ngraph: g\nnodes:\n  - {id: a, op: constant, value: [[1, 2], [3]]}\noutputs: [a]\n",
                         "format: 1\ngraph: g\nnodes:\n  - {id: a, op: constant, value: {x: 1}}\noutputs: [a:zz]\n"};
  for (const char* text : texts) {
    CommandResult r = run_graphrun({"check", write_graph(dir, text)});
    EXPECT_EQ(r.exit_code, 2) << text << "\n" << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << text << "\n" << r.err;
    EXPECT_NE(r.err.find("g.yaml"), std::string::npos) << text << "\n" << r.err;
  }
}

}  // namespace
}  // namespace graphrun::testing
