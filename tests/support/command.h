// Running the graphrun executable from tests and reading what it wrote.
#pragma once

#include <string>
#include <vector>

namespace graphrun::testing {

/// What a command printed and its exit code.
struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

/// Runs GRAPHRUN_EXE with `args` (each shell-quoted), capturing stdout and stderr.
CommandResult run_graphrun(const std::vector<std::string>& args);

/// The same, started by `launcher` (a command and its arguments, e.g. mpirun -n 2).
CommandResult run_graphrun_under(const std::vector<std::string>& launcher, const std::vector<std::string>& args);

/// Runs `command` (a program and its arguments, each shell-quoted), capturing stdout and stderr.
CommandResult run_command(const std::vector<std::string>& command);

/// A fresh empty folder under the system temp folder, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Writes dir/NAME_DTYPE.yaml: a graph of that name and dtype with `nodes` (YAML list lines)
/// and `outputs` (references such as "s:y"); returns its path.
std::string write_graph(const std::string& dir, const std::string& name, const std::string& dtype,
                        const std::string& nodes, const std::vector<std::string>& outputs);

/// The file `graphrun run -o` writes for an output reference: "n:p" -> "n_p.npy".
std::string output_file(std::string reference);

/// Text of a file ("" when missing).
std::string read_text(const std::string& path);

}  // namespace graphrun::testing
