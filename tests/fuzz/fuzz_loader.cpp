// Harness of the graph loader and checker: the input is a graph file. Whatever its bytes,
// `graphrun check` / `explain` must end in success or a GraphError (file:line:col messages,
// exit code 2). Any other exception is what the user sees as "internal error": a finding.
// Crashes, sanitizer reports, hangs and runaway memory are findings through libFuzzer.
// Leading lines "#set name=value" (YAML comments) are passed as --set name=value too.
#include "driver/describe.h"
#include "driver/session.h"
#include "finding.h"
#include "graph/diagnostics.h"
#include "plugin_host/registry.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

namespace {

/// The file each input is written to, one per process, in the folder CMake lays out like
/// the repository (tests/fuzz/CMakeLists.txt) so that the data files and subgraphs the seed
/// graphs name are there: `read` then succeeds and shapes reach the nodes after it.
struct InputFile {
  std::string path = std::string(GRAPHRUN_FUZZ_LOADER_DIR) + "/graph-" + std::to_string(getpid()) + ".yaml";
  ~InputFile() { std::remove(path.c_str()); }
};

const InputFile& input_file() {
  static const InputFile file;
  return file;
}

void write_input(const uint8_t* data, size_t size) {
  FILE* f = std::fopen(input_file().path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0)
    graphrun::fuzz::finding("setup", "cannot write " + input_file().path);
}

/// The --set pairs of the leading "#set name=value" lines.
std::vector<std::pair<std::string, std::string>> leading_sets(std::string_view text) {
  constexpr std::string_view kPrefix = "#set ";
  std::vector<std::pair<std::string, std::string>> sets;
  while (text.substr(0, kPrefix.size()) == kPrefix) {
    std::string_view line = text.substr(kPrefix.size(), text.find('\n') - kPrefix.size());
    size_t eq = line.find('=');
    if (eq != std::string_view::npos) sets.emplace_back(line.substr(0, eq), line.substr(eq + 1));
    if (text.find('\n') == std::string_view::npos) break;
    text.remove_prefix(text.find('\n') + 1);
  }
  return sets;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  graphrun::Registry& registry = graphrun::Registry::global();
  registry.load_defaults();
  // Without the built-in plugins every node is an unknown op and the checker is never reached.
  if (!registry.find("constant") || !registry.find("ode"))
    graphrun::fuzz::finding("setup",
                            "the built-in plugins did not load (build the plugins next to the harness)");
  input_file();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace graphrun;
  write_input(data, size);
  try {
    // What `graphrun explain GRAPH` does without --input: load and check, then the passes.
    LoadOptions options;
    options.sets = leading_sets(std::string_view(reinterpret_cast<const char*>(data), size));
    Graph graph = load_graph(input_file().path, options);
    auto inputs = read_inputs(graph, {});
    run_passes(graph, inputs, /*fuse=*/true);
    std::string text = explain_text(graph) + graph.to_dot();
    if (text.empty()) fuzz::finding("empty explain text", "");
  } catch (const GraphError&) {
    // The expected answer to a bad graph.
  } catch (const std::exception& e) {
    fuzz::finding("exception other than GraphError (the user sees \"internal error\")",
                  std::string(typeid(e).name()) + ": " + e.what());
  } catch (...) {
    fuzz::finding("non-std exception", "");
  }
  return 0;
}
