// Unit tests of the plugin's ops, run by graphrun's own host in this process
// (graphrun::testing): the same attribute checks, shape inference, fusion and kernels as the
// graphrun command. Usage: my_plugin_test PATH/TO/libmy_plugin.so (ctest passes it).
// Plain checks keep the template free of dependencies; any test framework works the same way.
#include <graphrun/testing.hpp>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace {

using graphrun::testing::Array;
using graphrun::testing::Failure;
using graphrun::testing::OpTest;
using graphrun::testing::OutputInfo;

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
    ++failures;
  }
}

// The Failure that f throws (what graphrun would print, and its exit code).
Failure failure_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Failure& e) {
    return e;
  }
  return Failure(0, "no failure");
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void cube_is_gain_times_x_cubed() {
  const std::vector<double> x = {-1.5, 0, 0.5, 3};
  auto out = OpTest("cube").attrs("{gain: 2}").input("x", {{2, 2}, x}).run();
  std::vector<double> expected;
  for (double v : x) expected.push_back(2 * v * v * v);
  expect(out.at("out").shape == std::vector<int64_t>{2, 2}, "cube keeps the shape of x");
  expect(out.at("out").values == expected, "cube computes 2 * x^3 in f64");

  // In an f32 graph the op computes in float.
  auto out32 = OpTest("cube").dtype("f32").input("x", {{1}, {0.1}}).run();
  const float v = 0.1f;
  expect(out32.at("out").values == std::vector<double>{v * v * v}, "cube computes in float in an f32 graph");
}

void moving_average_infers_a_shorter_last_axis() {
  auto outputs = OpTest("moving_average").attrs("{window: 3}").input("x", {{2, 5}, std::vector<double>(10)}).infer();
  expect(outputs == std::vector<OutputInfo>{{"out", {2, 3}}}, "moving_average: (2, 5) with window 3 gives (2, 3)");
}

void moving_average_averages_each_window() {
  const std::vector<double> x = {1, 2, 4, 8, 16, 0.5, 0.25, 0.125, 3, 5};
  auto out = OpTest("moving_average").input("x", {{2, 5}, x}).run();  // default window 3
  std::vector<double> expected;
  for (int r = 0; r < 2; ++r)
    for (int i = 0; i < 3; ++i) expected.push_back((x[r * 5 + i] + x[r * 5 + i + 1] + x[r * 5 + i + 2]) / 3);
  expect(out.at("out").values == expected, "moving_average with the default window of 3");
}

void moving_average_rejects_a_window_longer_than_the_axis() {
  Failure f = failure_of([] { OpTest("moving_average").attrs("{window: 6}").input("x", {{5}, {1, 2, 3, 4, 5}}).infer(); });
  expect(f.exit_code() == 2, "a window too long is an invalid graph (exit code 2)");
  expect(contains(f.what(), "node 'moving_average': window 6 is longer than the last axis of x (5)"),
         std::string("the message names the node and the problem: ") + f.what());
  // Checked before anything runs: an attribute of the wrong type.
  Failure typed = failure_of([] { OpTest("moving_average").attrs("{window: 2.5}").input("x", {{5}, {1, 2, 3, 4, 5}}).infer(); });
  expect(typed.exit_code() == 2 && contains(typed.what(), "window"), std::string("window must be an int: ") + typed.what());
}

void cube_fuses_into_moving_average_with_the_same_results() {
  // cube after moving_average runs inside moving_average's kernel (its epilogue); the
  // results must equal the unfused graph's, bit for bit.
  const std::string graph = R"(
format: 1
graph: fused
dtype: f64
inputs:
  x: {shape: [40, 100]}
nodes:
  - {id: m, op: moving_average, in: [x], window: 4}
  - {id: y, op: cube, in: [m], gain: 0.5}
outputs: [y]
)";
  Array x{{40, 100}, {}};
  for (int i = 0; i < 4000; ++i) x.values.push_back((i % 17) * 0.25 - 2);
  auto fused = graphrun::testing::run_graph(graph, {{"x", x}});
  auto unfused = graphrun::testing::run_graph(graph, {{"x", x}}, {.fuse = false});
  auto one_thread = graphrun::testing::run_graph(graph, {{"x", x}}, {.threads = 1});
  expect(fused.at("y").shape == std::vector<int64_t>{40, 97}, "fused graph output shape");
  expect(fused.at("y").values == unfused.at("y").values, "the epilogue gives the unfused results");
  expect(fused.at("y").values == one_thread.at("y").values, "results do not depend on the thread count");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PATH/TO/PLUGIN.so\n", argv[0]);
    return 2;
  }
  try {
    graphrun::testing::load_plugin(argv[1]);
    cube_is_gain_times_x_cubed();
    moving_average_infers_a_shorter_last_axis();
    moving_average_averages_each_window();
    moving_average_rejects_a_window_longer_than_the_axis();
    cube_fuses_into_moving_average_with_the_same_results();
  } catch (const Failure& e) {  // an unexpected failure: what graphrun would have printed
    std::fprintf(stderr, "FAILED with exit code %d:\n%s\n", e.exit_code(), e.what());
    return 1;
  }
  if (failures) {
    std::fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  std::printf("all checks passed\n");
  return 0;
}
