#include "support/graph_text.h"

#include "driver/session.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

namespace graphrun::testing {

std::unique_ptr<Graph> load_graph_text(const std::string& yaml, const std::vector<std::string>& plugins,
                                       const std::map<std::string, TensorData>& inputs, bool fuse) {
  static std::atomic<int> counter{0};
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("graphrun_test_graph_" + std::to_string(::getpid()) + "_" +
                                      std::to_string(counter++) + ".yaml");
  std::ofstream(path) << yaml;
  struct Remove {
    std::filesystem::path p;
    ~Remove() { std::filesystem::remove(p); }
  } remove{path};
  auto graph = std::make_unique<Graph>(load_graph(path.string(), LoadOptions{{}, plugins, {}}));
  run_passes(*graph, inputs, fuse);
  return graph;
}

}  // namespace graphrun::testing
