// graphrun::testing runs ops through the real host and reports failures exactly as the
// graphrun command does.
#include "support/command.h"

#include <graphrun/testing.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace graphrun::testing {
namespace {

// The Failure f throws; fails the test when it throws none.
template <typename F> Failure failure_of(F&& f) {
  try {
    f();
  } catch (const Failure& e) {
    return e;
  }
  ADD_FAILURE() << "no Failure thrown";
  return Failure(0, "");
}

// Line `number` (1-based) of text.
std::string line_of(const std::string& text, int number) {
  std::istringstream in(text);
  std::string line;
  for (int i = 0; i < number && std::getline(in, line); ++i) {
  }
  return line;
}

// What `graphrun check` prints for the graph text, with its path shown as test.yaml.
CommandResult cli_check(const std::string& text) {
  TempDir dir;
  std::ofstream(dir.path() + "/test.yaml") << text;
  CommandResult r = run_graphrun({"check", dir.path() + "/test.yaml"});
  for (size_t at; (at = r.err.find(dir.path() + "/")) != std::string::npos;) r.err.erase(at, dir.path().size() + 1);
  return r;
}

TEST(OpTest, RunsABuiltInElementwiseOp) {
  auto out = OpTest("scale").attrs("{a: 2, b: 1}").input("x", {{2, 2}, {1, -2, 0.5, 4}}).run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.at("out").shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(out.at("out").values, (std::vector<double>{3, -3, 2, 9}));
}

TEST(OpTest, AnF32GraphRoundsInputsAndComputesInFloat) {
  auto out = OpTest("square").dtype("f32").input("x", {{1}, {0.1}}).run();
  const float x = 0.1f;
  EXPECT_EQ(out.at("out").values, std::vector<double>{x * x});
  EXPECT_NE(out.at("out").values, std::vector<double>{0.1 * 0.1});
}

TEST(OpTest, InferGivesEveryOutputNamedByTheOp) {
  // ode names one output per state (dynamic outputs).
  OpTest ode = OpTest("ode")
                   .attrs("{rhs: {x: '-k * x', y: 'x'}, method: euler, dt: 0.25, steps: 4}")
                   .param("k", 0.5)
                   .input("x", {{2}, {1, 2}})
                   .input("y", {{2}, {0, 0}});
  EXPECT_EQ(ode.infer(), (std::vector<OutputInfo>{{"x", {2}}, {"y", {2}}}));
  auto out = ode.run();
  // Euler in f64, step by step: x' = -k x, y' = x.
  std::vector<double> x = {1, 2}, y = {0, 0};
  for (int step = 0; step < 4; ++step)
    for (int i = 0; i < 2; ++i) {
      const double dx = -0.5 * x[i], dy = x[i];
      x[i] = x[i] + 0.25 * dx;
      y[i] = y[i] + 0.25 * dy;
    }
  for (int i = 0; i < 2; ++i) {
    EXPECT_DOUBLE_EQ(out.at("x").values[i], x[i]);
    EXPECT_DOUBLE_EQ(out.at("y").values[i], y[i]);
  }
}

TEST(OpTest, BlockAttributesAndSingleOnesAreWrittenAsGiven) {
  OpTest t = OpTest("sum").attrs("axis: 0\nkeepdims: true").input("x", {{2, 3}, {1, 2, 3, 4, 5, 6}});
  EXPECT_NE(t.graph_text().find("    axis: 0\n    keepdims: true\n"), std::string::npos) << t.graph_text();
  auto out = t.run();
  EXPECT_EQ(out.at("out").shape, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(out.at("out").values, (std::vector<double>{5, 7, 9}));
  // A quoted value stays quoted: expr's formula is a string.
  auto e = OpTest("expr").attr("expr", "\"x * k + 1\"").param("k", 2).input("x", {{3}, {0, 1, 2}}).run();
  EXPECT_EQ(e.at("out").values, (std::vector<double>{1, 3, 5}));
}

TEST(OpTest, AnInvalidNodeFailsAsGraphrunCheckReportsIt) {
  OpTest t = OpTest("scale").attrs("{a: 2, bb: 1}").input("x", {{3}, {1, 2, 3}});
  Failure f = failure_of([&] { t.infer(); });
  EXPECT_EQ(f.exit_code(), 2);
  CommandResult cli = cli_check(t.graph_text());
  EXPECT_EQ(cli.exit_code, 2);
  EXPECT_EQ(std::string(f.what()) + "\n", cli.err);
  // The location points into graph_text(), at the unknown attribute.
  const std::string what = f.what();
  ASSERT_EQ(what.rfind("test.yaml:", 0), 0u) << what;
  const int line = std::stoi(what.substr(10));
  EXPECT_NE(line_of(t.graph_text(), line).find("bb: 1"), std::string::npos) << t.graph_text() << what;
  EXPECT_NE(what.find("unknown attribute 'bb' for op 'scale' (did you mean 'b'?)"), std::string::npos) << what;
  // run() checks the same way before running.
  EXPECT_EQ(failure_of([&] { t.run(); }).what(), what);
}

TEST(OpTest, AThrowingKernelIsARunFailureNamingNodeOpAndPlugin) {
  load_plugin(TEST_THIRD_PARTY_PLUGIN);
  Failure f = failure_of([] { OpTest("always_fails").input("x", {{2}, {1, 2}}).run(); });
  EXPECT_EQ(f.exit_code(), 1);
  EXPECT_EQ(std::string(f.what()).rfind("graphrun: test.yaml:", 0), 0u) << f.what();
  EXPECT_NE(std::string(f.what()).find("node 'always_fails' (op 'always_fails' from "), std::string::npos) << f.what();
  EXPECT_NE(std::string(f.what()).find("libtest_third_party.so) failed: the kernel gave up on purpose"),
            std::string::npos)
      << f.what();
  // Shape inference alone does not run the kernel.
  EXPECT_EQ(OpTest("always_fails").input("x", {{2}, {1, 2}}).infer(), (std::vector<OutputInfo>{{"out", {2}}}));
}

TEST(LoadPlugin, RefusesWhatGraphrunRefuses) {
  Failure missing = failure_of([] { load_plugin("/nonexistent/libnothing.so"); });
  EXPECT_EQ(missing.exit_code(), 2);
  EXPECT_STREQ(missing.what(), "graphrun: plugin /nonexistent/libnothing.so: no such file");
  Failure duplicate = failure_of([] { load_plugin(TEST_DUPLICATE_OP_PLUGIN); });
  EXPECT_EQ(duplicate.exit_code(), 2);
  EXPECT_NE(std::string(duplicate.what()).find("duplicate op 'exp', already registered by"), std::string::npos)
      << duplicate.what();
  // Loading a plugin twice is harmless.
  load_plugin(TEST_THIRD_PARTY_PLUGIN);
  load_plugin(TEST_THIRD_PARTY_PLUGIN);
  EXPECT_EQ(OpTest("cube").input("x", {{1}, {2}}).run().at("out").values, std::vector<double>{8});
}

const char* const kEpilogueGraph = R"(format: 1
graph: epilogue
dtype: f64
inputs:
  x: {shape: [3, 5]}
nodes:
  - {id: s, op: running_sum, in: [x]}
  - {id: y, op: cube, in: [s], gain: 0.5}
outputs: [y]
)";

TEST(RunGraph, AnEpilogueGivesTheUnfusedResults) {
  load_plugin(TEST_THIRD_PARTY_PLUGIN);
  Array x{{3, 5}, {}};
  for (int i = 0; i < 15; ++i) x.values.push_back(i * 0.75 - 4);
  auto fused = run_graph(kEpilogueGraph, {{"x", x}});
  auto unfused = run_graph(kEpilogueGraph, {{"x", x}}, {.fuse = false});
  EXPECT_EQ(fused.at("y").shape, (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(fused.at("y").values, unfused.at("y").values);
  std::vector<double> expected;
  for (int r = 0; r < 3; ++r) {
    double sum = 0;
    for (int i = 0; i < 5; ++i) {
      sum += x.values[r * 5 + i];
      expected.push_back(0.5 * sum * sum * sum);
    }
  }
  EXPECT_EQ(unfused.at("y").values, expected);
}

TEST(RunGraph, InputsMustMatchTheGraph) {
  load_plugin(TEST_THIRD_PARTY_PLUGIN);
  Failure missing = failure_of([] { run_graph(kEpilogueGraph); });
  EXPECT_EQ(missing.exit_code(), 2);
  EXPECT_STREQ(missing.what(), "graphrun: graph input 'x' was not given");
  Failure shape = failure_of([] { run_graph(kEpilogueGraph, {{"x", {{5}, {1, 2, 3, 4, 5}}}}); });
  EXPECT_STREQ(shape.what(), "graphrun: input 'x' has shape (5,), the graph declares (3, 5) (-1 = any size)");
  Failure count = failure_of([] { run_graph(kEpilogueGraph, {{"x", {{3, 5}, {1, 2}}}}); });
  EXPECT_STREQ(count.what(), "graphrun: input 'x': shape (3, 5) holds 15 values, the array has 2");
  Failure unknown = failure_of([] { run_graph(kEpilogueGraph, {{"x", {{3, 5}, std::vector<double>(15)}}, {"xx", {}}}); });
  EXPECT_STREQ(unknown.what(), "graphrun: the graph has no input 'xx' (did you mean 'x'?)");
}

TEST(CheckGraph, ReportsEveryProblemLikeTheCommand) {
  const std::string bad = "format: 1\ngraph: g\nnodes:\n  - {id: a, op: constnt, value: 1}\n  - {id: b, op: neg, in: [zz]}\noutputs: [b]\n";
  Failure f = failure_of([&] { check_graph(bad); });
  EXPECT_EQ(f.exit_code(), 2);
  EXPECT_EQ(std::string(f.what()) + "\n", cli_check(bad).err);
  EXPECT_NE(std::string(f.what()).find('\n'), std::string::npos) << "both problems: " << f.what();
  check_graph("format: 1\ngraph: g\nnodes:\n  - {id: a, op: constant, value: 1}\noutputs: [a]\n");
}

TEST(YamlQuote, KeepsAnyTextAsOneString) {
  const std::string path = "/nonexistent/a \"b\" \\ c: d.npy";
  Failure f = failure_of([&] { OpTest("read").attr("path", yaml_quote(path)).infer(); });
  EXPECT_EQ(f.exit_code(), 2);
  EXPECT_NE(std::string(f.what()).find(path), std::string::npos) << f.what();
}

TEST(OpTest, RunsFromManyThreadsAtOnce) {
  Array x{{64, 33}, {}};
  for (int i = 0; i < 64 * 33; ++i) x.values.push_back(i % 7 - 3.5);
  const auto expected = OpTest("sum").attr("axis", "-1").input("x", x).run({.threads = 1});
  std::vector<std::thread> threads;
  std::vector<int> same(6, 0);
  for (int k = 0; k < 6; ++k)
    threads.emplace_back([&, k] {
      same[k] = OpTest("sum").attr("axis", "-1").input("x", x).run({.threads = 2}).at("out").values ==
                expected.at("out").values;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(same, std::vector<int>(6, 1));
}

}  // namespace
}  // namespace graphrun::testing
