// Running a loaded graph on arrays given by a test, as `graphrun run` runs it on files.
#pragma once

#include "ir/graph.h"

#include <graphrun/testing.hpp>

#include <map>
#include <string>

namespace graphrun::testing {

/// Feeds `inputs` (by graph-input name; each checked against the declared shape) to
/// `graph`, runs the passes and the executor, and returns every graph output by name.
/// Throws the engine's exceptions, or Failure for inputs that do not fit the graph.
std::map<std::string, Array> execute(Graph& graph, const std::map<std::string, Array>& inputs,
                                     const RunOptions& options);

}  // namespace graphrun::testing
