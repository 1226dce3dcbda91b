#include "support/command.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace graphrun::testing {
namespace {
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

std::string write_graph(const std::string& dir, const std::string& name, const std::string& dtype,
                        const std::string& nodes, const std::vector<std::string>& outputs) {
  std::string list;
  for (const auto& o : outputs) list += (list.empty() ? "\"" : ", \"") + o + "\"";
  const std::string path = dir + "/" + name + "_" + dtype + ".yaml";
  std::ofstream(path) << "format: 1\ngraph: " << name << "\ndtype: " << dtype << "\nnodes:\n"
                      << nodes << "outputs: [" << list << "]\n";
  return path;
}

std::string output_file(std::string reference) {
  std::replace(reference.begin(), reference.end(), ':', '_');
  return reference + ".npy";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "graphrun-test-XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  path_ = made ? made : pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CommandResult run_graphrun(const std::vector<std::string>& args) { return run_graphrun_under({}, args); }

CommandResult run_graphrun_under(const std::vector<std::string>& launcher, const std::vector<std::string>& args) {
  std::vector<std::string> command = launcher;
  command.push_back(GRAPHRUN_EXE);
  command.insert(command.end(), args.begin(), args.end());
  return run_command(command);
}

CommandResult run_command(const std::vector<std::string>& command) {
  TempDir dir;
  std::string cmd;
  for (const auto& a : command) cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
  std::string out = dir.path() + "/out", err = dir.path() + "/err";
  cmd += " > " + shell_quote(out) + " 2> " + shell_quote(err) + " < /dev/null";
  int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

}  // namespace graphrun::testing
