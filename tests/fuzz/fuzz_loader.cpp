// Harness of the graph loader and checker: the input is a graph file. Whatever its bytes,
// `graphrun check` / `explain` must end in success or a GraphError (file:line:col messages,
// exit code 2). Any other exception is what the user sees as "internal error": a finding.
// Crashes, sanitizer reports, hangs and runaway memory are findings through libFuzzer.
#include "driver/describe.h"
#include "driver/session.h"
#include "finding.h"
#include "graph/diagnostics.h"
#include "plugin_host/registry.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <typeinfo>

namespace {

/// A private folder holding the file each input is written to (the loader reads paths:
/// relative `read` and `subgraph` paths then resolve inside it), removed at exit.
struct InputFile {
  std::filesystem::path dir;
  std::string path;
  InputFile() {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string pattern = (base / "graphrun-fuzz-loader-XXXXXX").string();
    if (!mkdtemp(pattern.data())) graphrun::fuzz::finding("setup", "cannot create " + pattern);
    dir = pattern;
    path = (dir / "graph.yaml").string();
  }
  ~InputFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
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

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  graphrun::Registry& registry = graphrun::Registry::global();
  registry.load_defaults();
  // Without the built-in plugins every node is an unknown op and the checker is never reached.
  if (!registry.find("constant") || !registry.find("ode"))
    graphrun::fuzz::finding("setup", "the built-in plugins did not load (build the plugins next to the harness)");
  input_file();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace graphrun;
  write_input(data, size);
  try {
    // What `graphrun explain GRAPH` does without --input: load and check, then the passes.
    Graph graph = load_graph(input_file().path, {});
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
