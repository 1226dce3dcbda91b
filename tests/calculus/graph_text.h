// Running a graph written by a test: its YAML text and input arrays go to a temporary
// folder, graphrun runs it, and its outputs come back as arrays.
#pragma once

#include "support/command.h"

#include "io/tensor_file.h"

#include <map>
#include <string>
#include <vector>

namespace graphrun::testing {

/// An input array (row-major values as double, written in the graph's dtype).
struct InputArray {
  std::vector<int64_t> shape;
  std::vector<double> values;
};

/// What a run gave: the command's result and the outputs it wrote, by name.
struct GraphRun {
  CommandResult result;
  std::map<std::string, io::HostArray> outputs;
};

/// Writes `yaml` as graph.yaml and each input as <name>.npy next to it (the graph reads them
/// with `read`), runs `graphrun run` with `args`, and reads `outputs` back in `dtype`.
GraphRun run_graph_text(const std::string& yaml, const std::map<std::string, InputArray>& inputs,
                        gr_dtype dtype, const std::vector<std::string>& outputs,
                        const std::vector<std::string>& args = {});

/// Values of an output as double.
std::vector<double> values_of(const io::HostArray& a);

}  // namespace graphrun::testing
