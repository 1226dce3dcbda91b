// `graphrun completion bash|zsh`: shell completion scripts generated from the CLI11 app
// itself (its subcommands, their options and choices), so they cannot go stale.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace graphrun::cli {

/// A bash completion script for `app` (source it, or put it in bash-completion's folder):
/// subcommands, each one's options, an option's choices where it has a fixed set, and file
/// names for graph files and other values.
std::string bash_completion(const CLI::App& app);

/// The same for zsh (#compdef; put it on $fpath as _graphrun, or source it after compinit).
std::string zsh_completion(const CLI::App& app);

}  // namespace graphrun::cli
