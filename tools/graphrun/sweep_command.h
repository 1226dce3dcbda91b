// `graphrun sweep GRAPH --set name=v1,v2,...`: its options and the command (engine/driver/sweep.h
// does the planning, running and writing).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace graphrun::cli {

/// What `graphrun sweep` was given.
struct SweepArgs {
  std::string graph, out_dir, format = "npy", plot, plot_x, plot_y, log, jobs, threads;
  std::vector<std::string> sets, inputs, plugins;
  bool format_given = false, no_fuse = false, quiet = false;
};

/// Adds the `sweep` subcommand to `app`, filling `args` when it is parsed.
CLI::App* add_sweep_command(CLI::App& app, SweepArgs& args);

/// Runs the sweep; the exit code, or throws what report_current_exception reports.
int sweep_command(const SweepArgs& args);

}  // namespace graphrun::cli
