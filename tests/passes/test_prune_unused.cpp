// The prune_unused pass: nodes that reach no output are left out of every plan (the CPU
// executor's and the CUDA device's placement) and do not run; `check`, `explain` and `run`
// warn about each, at its position; the outputs keep their order and names.
#include "passes/prune_unused.h"
#include "scheduler/execution_plan.h"
#include "scheduler/placement.h"
#include "support/command.h"
#include "support/graph_text.h"

#include <gtest/gtest.h>

#include <fstream>

namespace graphrun::testing {
namespace {

// sol5 cannot meet its tolerance (x' = x^2 from 5 blows up at t = 0.2, long before t = 10)
// and tail reads only sol5: both are unused when only sol4 is asked for. x0 feeds both
// sides and stays.
const char* kNodes =
    "  - {id: x0, op: constant, value: [5]}\n"
    "  - {id: sol4, op: ode, in: {x: x0}, rhs: {x: \"-x\"}, method: rk4, dt: 0.01, steps: 10}\n"
    "  - {id: sol5, op: ode, in: {x: x0}, rhs: {x: \"x * x\"}, method: dopri5, dt: 0.1, steps: 100,\n"
    "     rtol: 1e-12, atol: 1e-12}\n"
    "  - {id: tail, op: scale, in: [sol5], a: 2}\n"
    "  - {id: half, op: scale, in: [sol4], a: 0.5}\n";

std::string graph_text(const std::string& outputs) {
  return std::string("format: 1\ngraph: prune\ndtype: f64\nnodes:\n") + kNodes + "outputs: " + outputs + "\n";
}

std::string write(const TempDir& dir, const std::string& text) {
  const std::string path = dir.path() + "/g.yaml";
  std::ofstream(path) << text;
  return path;
}

// "PATH:LINE:COL: warning: node 'ID' (OP) reaches no output", LINE and COL those of the id's
// value in the file's text.
std::string expected_warning(const std::string& path, const std::string& text, const std::string& id,
                             const std::string& op) {
  const size_t at = text.find("{id: " + id + ",") + 5;
  const size_t line_start = text.rfind('\n', at) + 1;
  const long line = std::count(text.begin(), text.begin() + static_cast<long>(at), '\n') + 1;
  return path + ":" + std::to_string(line) + ":" + std::to_string(at - line_start + 1) + ": warning: node '" + id +
         "' (" + op + ") reaches no output: it does not run";
}

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(PruneUnused, FindsNodesReadOnlyByUnusedNodes) {
  auto g = load_graph_text(graph_text("[half]"), {});
  std::vector<std::string> removed, kept;
  for (const Node& n : g->nodes) (n.removed ? removed : kept).push_back(n.id);
  EXPECT_EQ(removed, (std::vector<std::string>{"sol5", "tail"}));
  EXPECT_EQ(kept, (std::vector<std::string>{"x0", "sol4", "half"}));
  EXPECT_TRUE(unused_nodes(*g).empty()) << "removed nodes are not reported twice";
}

TEST(PruneUnused, NoExecutorPlansThem) {
  auto g = load_graph_text(graph_text("[half]"), {});
  for (Device device : {Device::kCpu, Device::kCuda}) {
    ExecutionPlan plan(*g, device);
    std::vector<std::string> steps;
    for (const auto& s : plan.steps()) steps.push_back(g->nodes[s.node].id);
    EXPECT_EQ(steps, (std::vector<std::string>{"x0", "sol4", "half"}));
  }
  // What the CUDA run checks its memory with, before it builds its plan.
  PlacementProblem problem = placement_problem(*g);
  std::vector<std::string> steps;
  for (const auto& s : problem.steps) steps.push_back(g->nodes[s.node].id);
  EXPECT_EQ(steps, (std::vector<std::string>{"x0", "sol4", "half"}));
}

TEST(PruneUnused, UnusedNodeThatWouldFailDoesNotRun) {
  TempDir dir;
  // Asked for, sol5 fails: the graph is one whose unused node would break the run.
  CommandResult failing = run_graphrun({"run", write(dir, graph_text("[sol4, tail]"))});
  ASSERT_EQ(failing.exit_code, 1) << failing.err;
  EXPECT_NE(failing.err.find("node 'sol5'"), std::string::npos) << failing.err;

  const std::string text = graph_text("[sol4]");
  const std::string path = write(dir, text);
  CommandResult r = run_graphrun({"run", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("sol4: f64 (1,)"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find(expected_warning(path, text, "sol5", "ode")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(expected_warning(path, text, "tail", "scale")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(expected_warning(path, text, "half", "scale")), std::string::npos) << r.err;
  EXPECT_EQ(count_of(r.err, "warning:"), 3) << r.err;

  CommandResult quiet = run_graphrun({"run", "-q", path});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "");
}

TEST(PruneUnused, CheckAndExplainWarnNamingThem) {
  TempDir dir;
  const std::string text = graph_text("[half]");
  const std::string path = write(dir, text);
  for (const char* command : {"check", "explain"}) {
    SCOPED_TRACE(command);
    CommandResult r = run_graphrun({command, path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find(expected_warning(path, text, "sol5", "ode")), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(expected_warning(path, text, "tail", "scale")), std::string::npos) << r.err;
    EXPECT_EQ(count_of(r.err, "warning:"), 2) << r.err;
  }
  CommandResult explain = run_graphrun({"explain", path});
  EXPECT_EQ(explain.out.find("sol5"), std::string::npos) << "an unused node in the plan:\n" << explain.out;
  CommandResult each = run_graphrun({"explain", "--each-pass", path});
  EXPECT_NE(each.out.find("== after prune_unused"), std::string::npos) << each.out;

  CommandResult all_used = run_graphrun({"check", write(dir, graph_text("[half, tail]"))});
  ASSERT_EQ(all_used.exit_code, 0) << all_used.err;
  EXPECT_EQ(all_used.err, "") << "a graph whose nodes all reach an output has nothing to warn about";
}

TEST(PruneUnused, OutputsKeepTheirOrderAndNames) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", write(dir, graph_text("{b: half, a: sol4, c: x0}"))});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t b = r.out.find("b: f64"), a = r.out.find("a: f64"), c = r.out.find("c: f64");
  ASSERT_NE(b, std::string::npos) << r.out;
  ASSERT_NE(a, std::string::npos) << r.out;
  ASSERT_NE(c, std::string::npos) << r.out;
  EXPECT_LT(b, a);
  EXPECT_LT(a, c);
}

}  // namespace
}  // namespace graphrun::testing
