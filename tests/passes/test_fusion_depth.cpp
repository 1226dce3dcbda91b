// Fusion never makes a formula deeper than one a user may write (1000 levels): a chain of
// long exprs stays a chain of nodes, each computed on its own, instead of one tree of 4000
// levels that the expression compiler would recurse through (a stack overflow under the
// sanitizers).
#include "support/command.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace graphrun::testing {
namespace {

// "v + v + ... + v", `terms` times.
std::string sum_of(const std::string& v, int terms) {
  std::string sum = v;
  for (int i = 1; i < terms; ++i) sum += " + " + v;
  return sum;
}

TEST(FusionDepth, LongExprsInARowAreNotFusedIntoOneTooDeepFormula) {
  TempDir dir;
  const std::string path = dir.path() + "/deep.yaml";
  std::ofstream(path) << "format: 1\ngraph: deep\ndtype: f64\nnodes:\n"
                         "  - {id: x, op: constant, value: [1.0, 2.0, 3.0]}\n"
                         "  - {id: a, op: expr, in: {v: x}, expr: \"" << sum_of("v", 1000) << "\"}\n"
                         "  - {id: b, op: expr, in: {v: a}, expr: \"" << sum_of("v", 1000) << "\"}\n"
                         "  - {id: c, op: expr, in: {v: b}, expr: \"" << sum_of("v", 1000) << "\"}\n"
                         "  - {id: d, op: expr, in: {v: c}, expr: \"" << sum_of("v", 1000) << "\"}\n"
                         "outputs: [d]\n";
  const CommandResult plan = run_graphrun({"explain", path});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("fusion groups: none"), std::string::npos) << plan.out;
  // Sums of whole numbers: exact. 1000^4 x.
  const CommandResult r = run_graphrun({"run", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("d: f64 (3,) = [1000000000000.0, 2000000000000.0, 3000000000000.0]"), std::string::npos)
      << r.out;
}

TEST(FusionDepth, ShortExprsInARowStillFuse) {
  TempDir dir;
  const std::string path = dir.path() + "/shallow.yaml";
  std::ofstream(path) << "format: 1\ngraph: shallow\ndtype: f64\ninputs: {x: {shape: [3]}}\nnodes:\n"
                         "  - {id: a, op: expr, in: {v: x}, expr: \"" << sum_of("v", 100) << "\"}\n"
                         "  - {id: b, op: expr, in: {v: a}, expr: \"" << sum_of("v", 100) << "\"}\n"
                         "outputs: [b]\n";
  const CommandResult plan = run_graphrun({"explain", path});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_EQ(plan.out.find("fusion groups: none"), std::string::npos) << plan.out;
}

}  // namespace
}  // namespace graphrun::testing
