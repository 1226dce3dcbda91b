// A graph from YAML text, through the real loader and passes: for tests of what comes after
// loading (the scheduler, placement), which build many small graphs.
#pragma once

#include "scheduler/executor.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace graphrun::testing {

/// Writes `yaml` to a temporary file (removed again), loads it with `plugins` and runs the
/// passes for `inputs`' shapes (fusion off unless `fuse`). On the heap: executors and plans
/// keep a reference to their graph.
std::unique_ptr<Graph> load_graph_text(const std::string& yaml, const std::vector<std::string>& plugins,
                                       const std::map<std::string, TensorData>& inputs = {}, bool fuse = false);

}  // namespace graphrun::testing
