// What every graphrun::testing entry point shares: the process's host (built-in plugins
// loaded once, from the installation this library belongs to), the graph file a test's text
// is written to, and the translation of engine exceptions into what the command prints.
#pragma once

#include <graphrun/testing.hpp>

#include <exception>
#include <string>

namespace graphrun::testing {

/// Loads the built-in plugins and GRAPHRUN_PLUGIN_PATH once per process, as the command does.
/// Thread-safe. Throws Failure when a built-in plugin cannot load.
void ensure_host();

/// A graph given as text, written to a fresh temporary folder as test.yaml (removed by the
/// destructor), so that the engine loads it like any file.
class GraphTextFile {
 public:
  explicit GraphTextFile(const std::string& text);
  ~GraphTextFile();
  GraphTextFile(const GraphTextFile&) = delete;
  GraphTextFile& operator=(const GraphTextFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

/// The exception in flight as the command reports it: its message (with `file`'s temporary
/// path shown as test.yaml) and exit code. Call from a catch block.
Failure current_failure(const GraphTextFile* file);

}  // namespace graphrun::testing
