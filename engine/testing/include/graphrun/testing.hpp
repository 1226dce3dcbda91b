// graphrun::testing: unit tests for a plugin's ops, run by the real graphrun host inside the
// test's own process: the same loader, attribute checks, shape inference, passes and
// executor as the `graphrun` command, and the same messages. Link graphrun::testing (one
// shared library); this header uses only std types and works with any test framework.
//
//   graphrun::testing::load_plugin(PATH_OF_MY_PLUGIN);
//   auto out = graphrun::testing::OpTest("cube").attrs("{gain: 2}").input("x", {{3}, {1, 2, 3}}).run();
//   // out.at("out").values == {2, 16, 54}
//
// Call load_plugin before running tests from several threads; OpTest and run_graph may then
// be used from any number of threads at once.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(_WIN32)
#define GRAPHRUN_TESTING_API
#else
#define GRAPHRUN_TESTING_API __attribute__((visibility("default")))
#endif

namespace graphrun::testing {

/// A dense row-major array. Values are doubles whatever the graph's dtype: inputs of an f32
/// graph are rounded to float, and f32 outputs widened exactly (compare them with
/// static_cast<float> of the expected value, or with a tolerance).
struct Array {
  std::vector<int64_t> shape;  // {} is a scalar (one value)
  std::vector<double> values;
};

/// An output as shape inference declared it.
struct OutputInfo {
  std::string name;
  std::vector<int64_t> shape;
  bool operator==(const OutputInfo&) const = default;
};

/// How a graph runs.
struct RunOptions {
  int threads = 0;    // worker threads; 0 = all cores (results never depend on it)
  bool fuse = true;   // false: like --no-fuse
};

/// What the graphrun command would do with the same graph: what() is exactly what it prints
/// on stderr (for an invalid graph, one "FILE:LINE:COL: message" line per problem), and
/// exit_code() what it returns: 1 a failure while running (a kernel's exception, a plugin
/// that failed), 2 an invalid graph or a plugin that cannot load.
class GRAPHRUN_TESTING_API Failure : public std::runtime_error {
 public:
  Failure(int exit_code, const std::string& message);
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

/// Loads a plugin library into this process, as `--plugin PATH` does (the built-in plugins
/// of the graphrun installation this library belongs to are loaded first). Loading the same
/// path again does nothing. Throws Failure (exit code 2) when graphrun would refuse it.
GRAPHRUN_TESTING_API void load_plugin(const std::string& path);

/// `text` as a double-quoted YAML string (for attribute values such as file paths).
GRAPHRUN_TESTING_API std::string yaml_quote(std::string_view text);

/// One node of op `op`, its inputs given as arrays. The node is written into a small graph
/// file (graph_text()): each input is a graph input named after its port, and the node's id
/// is the op's name. Messages name that file test.yaml.
class GRAPHRUN_TESTING_API OpTest {
 public:
  explicit OpTest(std::string op);

  /// "f64" (the default) or "f32": the graph's dtype.
  OpTest& dtype(std::string dtype);
  /// Connects graph input `port` (of the array's shape) to the node's port `port`.
  OpTest& input(std::string port, Array value);
  /// The node's attributes as a YAML map, written into the node as given: a flow map
  /// "{gain: 2, axis: -1}" or block lines "gain: 2\naxis: -1". Replaces earlier attrs().
  OpTest& attrs(std::string yaml_map);
  /// One more attribute: `yaml_value` is written as the value, e.g. attr("expr", "\"x * k\"").
  OpTest& attr(std::string name, std::string yaml_value);
  /// A graph param (formulas see it by name).
  OpTest& param(std::string name, double value);

  /// The graph file this test stands for; line and column numbers in messages refer to it.
  std::string graph_text() const;
  /// Loads and checks the graph and infers the node's outputs: name and shape of each, in
  /// order. Throws Failure with what `graphrun check` would print.
  std::vector<OutputInfo> infer() const;
  /// Runs the node once (prepare, the kernel, release): every output by name. Throws Failure
  /// with what `graphrun run` would print.
  std::map<std::string, Array> run(const RunOptions& options = {}) const;

 private:
  std::string op_, dtype_ = "f64", attrs_;
  std::vector<std::pair<std::string, Array>> inputs_;
  std::vector<std::pair<std::string, std::string>> attr_lines_;
  std::vector<std::pair<std::string, double>> params_;
};

/// Runs a whole graph file given as text (its `inputs` fed from `inputs`, by name): every
/// output by name. For what a single node cannot show, such as an op followed by a fused
/// elementwise chain (compare options.fuse true and false). Relative paths in the graph
/// resolve against a temporary folder: use absolute ones. Throws Failure.
GRAPHRUN_TESTING_API std::map<std::string, Array> run_graph(const std::string& yaml,
                                                           const std::map<std::string, Array>& inputs = {},
                                                           const RunOptions& options = {});

/// What `graphrun check` says about a graph file given as text: returns normally when it is
/// valid, else throws Failure.
GRAPHRUN_TESTING_API void check_graph(const std::string& yaml);

}  // namespace graphrun::testing
