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

/// Text of a file ("" when missing).
std::string read_text(const std::string& path);

}  // namespace graphrun::testing
