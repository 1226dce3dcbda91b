#include "graph_runner.h"
#include "host_session.h"

#include "driver/session.h"

namespace graphrun::testing {

std::map<std::string, Array> run_graph(const std::string& yaml, const std::map<std::string, Array>& inputs,
                                       const RunOptions& options) {
  ensure_host();
  GraphTextFile file(yaml);
  try {
    Graph graph = load_graph(file.path(), {});
    return execute(graph, inputs, options);
  } catch (...) {
    throw current_failure(&file);
  }
}

void check_graph(const std::string& yaml) {
  ensure_host();
  GraphTextFile file(yaml);
  try {
    load_graph(file.path(), {});
  } catch (...) {
    throw current_failure(&file);
  }
}

}  // namespace graphrun::testing
