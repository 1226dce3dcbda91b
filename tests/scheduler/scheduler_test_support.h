// Graphs for the scheduler tests: YAML text through the real loader and passes, with the
// scheduler test plugin loaded; tensors made from and read back as doubles.
#pragma once

#include "scheduler/executor.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace graphrun::testing {

/// Loads `yaml` (written to a temporary file) with the test plugin, and runs the passes for
/// `inputs`' shapes (fusion off unless `fuse`). The graph lives on the heap: executors keep
/// a reference to it.
std::unique_ptr<Graph> load_test_graph(const std::string& yaml, const std::map<std::string, TensorData>& inputs = {},
                                       bool fuse = false);

/// A tensor of `shape` and `dtype` holding `values` (row-major).
TensorData make_tensor(const Shape& shape, const std::vector<double>& values, gr_dtype dtype = GR_F64);

/// The elements of `t` as doubles.
std::vector<double> values_of(const TensorData& t);

/// Index of the step running node `id`, or -1.
int step_of(const Executor& executor, const std::string& id);

}  // namespace graphrun::testing
