#include "graph_text.h"

#include <filesystem>
#include <fstream>

namespace graphrun::testing {

GraphRun run_graph_text(const std::string& yaml, const std::map<std::string, InputArray>& inputs,
                        gr_dtype dtype, const std::vector<std::string>& outputs,
                        const std::vector<std::string>& args) {
  TempDir dir;
  const std::string graph = dir.path() + "/graph.yaml";
  std::ofstream(graph) << yaml;
  for (const auto& [name, in] : inputs) {
    const std::string path = dir.path() + "/" + name + ".npy";
    if (dtype == GR_F64) {
      io::write_tensor(path, dtype, in.shape, in.values.data());
    } else {
      std::vector<float> f(in.values.begin(), in.values.end());
      io::write_tensor(path, dtype, in.shape, f.data());
    }
  }
  GraphRun run;
  std::vector<std::string> all = {"run", graph, "-o", dir.path() + "/out", "--quiet"};
  all.insert(all.end(), args.begin(), args.end());
  run.result = run_graphrun(all);
  if (run.result.exit_code != 0) return run;
  for (const auto& name : outputs)
    run.outputs[name] = io::read_tensor(dir.path() + "/out/" + name + ".npy", dtype);
  return run;
}

std::vector<double> values_of(const io::HostArray& a) {
  if (a.dtype == GR_F64) return a.f64;
  return {a.f32.begin(), a.f32.end()};
}

}  // namespace graphrun::testing
