// `graphrun completion bash|zsh`: the scripts parse in their shell, name every subcommand and
// every option that `graphrun --help` and `graphrun CMD --help` list (read from the help, so
// the test does not repeat the lists either), and bash's actually completes.
#include "support/command.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace graphrun::testing {
namespace {

// The first word of each indented line under `heading` in CLI11's help text.
std::vector<std::string> help_entries(const std::string& help, const std::string& heading) {
  std::vector<std::string> entries;
  std::istringstream in(help);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind(heading, 0) == 0) {
      inside = true;
    } else if (inside && line.rfind("  ", 0) == 0) {
      const size_t start = line.find_first_not_of(' ');
      const std::string word = line.substr(start, line.find(' ', start) - start);
      if (start == 2 && !word.empty()) entries.push_back(word);
    } else if (inside && !line.empty()) {
      inside = false;
    }
  }
  return entries;
}

struct Cli {
  std::vector<std::string> commands;
  std::vector<std::vector<std::string>> options;  // per command: "-o", "--output-dir", ...
};

Cli cli_from_help() {
  Cli cli;
  CommandResult top = run_graphrun({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  cli.commands = help_entries(top.out, "Subcommands:");
  for (const std::string& command : cli.commands) {
    CommandResult help = run_graphrun({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    std::vector<std::string> names;
    for (const std::string& entry : help_entries(help.out, "Options:")) {
      std::stringstream parts(entry);
      for (std::string name; std::getline(parts, name, ',');) names.push_back(name);  // "-o,--output-dir"
    }
    cli.options.push_back(names);
  }
  return cli;
}

std::string script(const std::string& shell) {
  CommandResult r = run_graphrun({"completion", shell});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// Runs `body` in bash, in folder `work`, with the bash script sourced first; its output.
std::string run_bash(const TempDir& work, const std::string& completion, const std::string& body) {
  TempDir scratch;  // the script and its output stay out of `work`, whose files are completed
  const std::string script_path = scratch.path() + "/completion.bash", out_path = scratch.path() + "/out.txt";
  std::ofstream(script_path) << completion;
  std::ofstream(scratch.path() + "/body.sh") << "source '" << script_path << "'\n" << body << "\n";
  const std::string command = "cd '" + work.path() + "' && bash '" + scratch.path() + "/body.sh' > '" + out_path + "' 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << read_text(out_path);
  return read_text(out_path);
}

// What bash offers for the command line `words` (the last word is the one being completed).
std::string complete(const TempDir& work, const std::string& completion, const std::string& words) {
  return run_bash(work, completion,
                  "COMP_WORDS=(" + words + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _graphrun; "
                  "printf '%s\\n' \"${COMPREPLY[@]}\" | sort | tr '\\n' ' '");
}

TEST(Completion, HelpListsWhatTheScriptsMustHold) {
  const Cli cli = cli_from_help();
  ASSERT_GE(cli.commands.size(), 7u);  // run check explain dot ops schema completion
  for (const auto& options : cli.options) EXPECT_FALSE(options.empty());
}

TEST(Completion, BashScriptParsesAndNamesEveryCommandAndOption) {
  const Cli cli = cli_from_help();
  const std::string bash = script("bash");
  TempDir dir;
  std::ofstream(dir.path() + "/c.bash") << bash;
  EXPECT_EQ(std::system(("bash -n '" + dir.path() + "/c.bash'").c_str()), 0) << bash;
  for (size_t c = 0; c < cli.commands.size(); ++c) {
    EXPECT_NE(bash.find("    " + cli.commands[c] + ")\n"), std::string::npos) << cli.commands[c];
    for (const std::string& option : cli.options[c])
      EXPECT_TRUE(std::regex_search(bash, std::regex("[ \"|]" + option + "[ \"|)]"))) << cli.commands[c] << " " << option;
  }
}

TEST(Completion, BashCompletesCommandsOptionsChoicesAndGraphFiles) {
  const std::string bash = script("bash");
  TempDir dir;
  std::ofstream(dir.path() + "/model.yaml") << "format: 1\n";
  std::ofstream(dir.path() + "/notes.txt") << "x\n";
  std::ofstream(dir.path() + "/data.npy") << "x\n";
  EXPECT_EQ(complete(dir, bash, "graphrun ex"), "explain ");
  EXPECT_EQ(complete(dir, bash, "graphrun c"), "check completion ");
  EXPECT_EQ(complete(dir, bash, "graphrun run --dev"), "--device ");
  EXPECT_EQ(complete(dir, bash, "graphrun run --device ''"), "auto cpu cuda ");
  EXPECT_EQ(complete(dir, bash, "graphrun explain --device ''"), "auto cpu cuda ");
  EXPECT_EQ(complete(dir, bash, "graphrun check ''"), "model.yaml ");  // graph files only
  EXPECT_EQ(complete(dir, bash, "graphrun run --input ''"), "data.npy model.yaml notes.txt ");
  EXPECT_EQ(complete(dir, bash, "graphrun completion ''"), "bash zsh ");
}

TEST(Completion, ZshScriptParsesAndNamesEveryCommandAndOption) {
  if (std::system("command -v zsh > /dev/null 2>&1") != 0) GTEST_SKIP() << "zsh is not installed (tools/setup.sh installs it)";
  const Cli cli = cli_from_help();
  const std::string zsh = script("zsh");
  TempDir dir;
  std::ofstream(dir.path() + "/_graphrun") << zsh;
  EXPECT_EQ(std::system(("zsh -n '" + dir.path() + "/_graphrun'").c_str()), 0) << zsh;
  for (size_t c = 0; c < cli.commands.size(); ++c) {
    EXPECT_NE(zsh.find("'" + cli.commands[c] + ":"), std::string::npos) << cli.commands[c];
    EXPECT_NE(zsh.find("        " + cli.commands[c] + ")\n"), std::string::npos) << cli.commands[c];
    for (const std::string& option : cli.options[c])
      EXPECT_TRUE(std::regex_search(zsh, std::regex("['*{,]" + option + "[,}\\[]"))) << cli.commands[c] << " " << option;
  }
}

TEST(Completion, AnUnknownShellIsAUsageError) {
  CommandResult r = run_graphrun({"completion", "fish"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("fish not in {bash,zsh}"), std::string::npos) << r.err;
}

// The two other points of the CLI item: a typo of a command, a --set value that is no number.
TEST(Completion, MistypedCommandAndNonNumericSetSayWhatIsWrong) {
  TempDir dir;
  const std::string graph = dir.path() + "/x.yaml";
  std::ofstream(graph) << "format: 1\ngraph: x\nparams: {omega: 2}\nnodes:\n"
                          "  - {id: t, op: linspace, start: 0, stop: 1, num: 3}\n"
                          "  - {id: y, op: expr, in: {t: t}, expr: \"sin(omega * t)\"}\noutputs: [y]\n";
  CommandResult typo = run_graphrun({"runn", graph});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("unknown command 'runn' (did you mean 'run'?)"), std::string::npos) << typo.err;
  CommandResult bad = run_graphrun({"run", graph, "--set", "omega=abc"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--set omega=abc: 'abc' is not a number (in the graph, 'omega' is 2)"), std::string::npos)
      << bad.err;
  EXPECT_EQ(bad.err.find("unknown name"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace graphrun::testing
