#include "sweep_command.h"

#include "command_line_values.h"

#include "distributed/world.h"
#include "driver/error_report.h"
#include "driver/rank_agreement.h"
#include "driver/plot/plot.h"
#include "driver/sweep.h"
#include "driver/tensor_outputs.h"
#include "graph/diagnostics.h"
#include "io/output_files.h"
#include "io/tensor_file.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <numeric>
#include <thread>

#include <oneapi/tbb/info.h>
#include <unistd.h>

namespace graphrun::cli {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
  return all;
}

// The value of a swept param as a number for the plot's x axis.
double plot_number(const std::string& param, const std::string& value) {
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !std::isfinite(v))
    throw UsageError("--plot-x " + param + ": its value '" + value + "' is not a number to plot against");
  return v;
}

// Refuses plot flags that cannot be honoured, before anything is loaded.
void check_plot_flags(const SweepArgs& a, const std::vector<SweepParam>& params) {
  if (a.plot.empty()) {
    for (const auto& [flag, value] : {std::pair{"--plot-x", a.plot_x}, {"--plot-y", a.plot_y}, {"--log", a.log}})
      if (!value.empty()) throw UsageError(std::string(flag) + " " + value + ": goes with --plot FILE, and no --plot was given");
    return;
  }
  // A plot inside the -o folder before the sweep makes it (-o's own check covers the folder).
  namespace fs = std::filesystem;
  const fs::path folder = (fs::path(a.plot).parent_path() / "").lexically_normal();
  const bool in_new_out_dir = !a.out_dir.empty() && folder == (fs::path(a.out_dir) / "").lexically_normal() &&
                              !fs::exists(a.out_dir);
  try {
    if (!in_new_out_dir) io::output_kind(a.plot);
  } catch (const io::FileError& e) {
    throw UsageError(std::string("--plot ") + e.what());
  }
  if (!plot::plot_format(a.plot))
    throw UsageError("--plot " + a.plot + ": a plot file is .svg or .png (the extension gives the format)");
  if (a.plot_x.empty() || a.plot_y.empty())
    throw UsageError("--plot " + a.plot + ": name the axes: --plot-x PARAM (a swept param) --plot-y OUTPUT (a scalar output)");
  std::vector<std::string> swept;
  for (const SweepParam& p : params)
    if (p.swept()) swept.push_back(p.name);
  const auto x = std::find_if(params.begin(), params.end(), [&](const SweepParam& p) { return p.name == a.plot_x; });
  if (x == params.end() || !x->swept())
    throw UsageError("--plot-x " + a.plot_x + ": not a swept param" +
                     (swept.empty() ? std::string(" (no --set gives more than one value)") : " (swept: " + joined(swept) + ")"));
  for (const std::string& v : x->values)
    if (plot_number(a.plot_x, v) <= 0 && a.log.find('x') != std::string::npos)
      throw UsageError("--plot-x " + a.plot_x + ": the value " + v + " cannot be on a log axis (--log " + a.log + ")");
}

// `--plot-y` must name an output of one element in every run.
void check_plot_y(const SweepArgs& a, const std::vector<PreparedRun>& runs) {
  if (a.plot.empty()) return;
  const std::vector<std::string> scalars = scalar_outputs(runs);
  if (std::find(scalars.begin(), scalars.end(), a.plot_y) != scalars.end()) return;
  const std::vector<std::string>& names = runs.front().output_names;
  if (std::find(names.begin(), names.end(), a.plot_y) != names.end())
    throw UsageError("--plot-y " + a.plot_y + ": not one value in every run" +
                     (scalars.empty() ? std::string(" (the graph has no such output)") : " (one value: " + joined(scalars) + ")"));
  throw UsageError("--plot-y " + a.plot_y + ": not an output of the graph (its outputs: " + joined(names) + ")");
}

// The plot: --plot-y against --plot-x, one line per value of the other swept params.
std::string sweep_plot(const SweepArgs& a, const std::vector<SweepParam>& params, const std::vector<PreparedRun>& runs,
                       const std::vector<SweepResult>& results) {
  const SweepParam& x = *std::find_if(params.begin(), params.end(), [&](const SweepParam& p) { return p.name == a.plot_x; });
  std::vector<double> xs;
  for (const std::string& v : x.values) xs.push_back(plot_number(a.plot_x, v));
  std::vector<size_t> order(xs.size());  // columns by increasing x
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return xs[i] < xs[j]; });
  plot::LineChart chart;
  chart.x_title = a.plot_x;
  chart.y_title = a.plot_y;
  chart.log_x = a.log.find('x') != std::string::npos;
  chart.log_y = a.log.find('y') != std::string::npos;
  for (size_t i : order) chart.x.push_back(xs[i]);
  std::map<std::string, size_t> row_of;  // the other swept params' values -> row
  for (size_t r = 0; r < runs.size(); ++r) {
    std::string key;
    size_t column = 0;
    for (const auto& set : runs[r].run->sets) {
      const std::string& name = set.first;  // not a structured binding: clang 14 cannot capture one
      const std::string& value = set.second;
      const auto p = std::find_if(params.begin(), params.end(), [&](const SweepParam& q) { return q.name == name; });
      if (name == a.plot_x)
        column = static_cast<size_t>(std::find(order.begin(), order.end(),
                                               static_cast<size_t>(std::find(x.values.begin(), x.values.end(), value) -
                                                                   x.values.begin())) - order.begin());
      else if (p->swept())
        key += (key.empty() ? "" : ", ") + name + "=" + value;
    }
    auto [it, added] = row_of.emplace(key, chart.row_labels.size());
    if (added) {
      chart.row_labels.push_back(key);
      chart.y.resize(chart.y.size() + xs.size(), NAN);
    }
    const size_t k = static_cast<size_t>(std::find(runs[r].output_names.begin(), runs[r].output_names.end(), a.plot_y) -
                                         runs[r].output_names.begin());
    const TensorData& t = results[r].outputs[k];
    chart.y[it->second * xs.size() + column] =
        t.dtype == GR_F64 ? *static_cast<const double*>(t.data.get()) : *static_cast<const float*>(t.data.get());
  }
  chart.title = a.plot_y + " against " + a.plot_x + " (" + std::to_string(runs.size()) + " runs)";
  return plot::render_line_chart(chart, *plot::plot_format(a.plot));
}

// "sweep: 3 of 15 runs done, 12 s" on stderr while the runs go, when stderr is a terminal
// and the sweep has taken a second; cleared before anything else is printed.
class SweepProgress {
 public:
  SweepProgress(bool enabled, size_t runs) : runs_(runs) {
    if (enabled && ::isatty(2)) thread_ = std::jthread([this](std::stop_token stop) { draw(stop); });
  }
  ~SweepProgress() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
    if (width_) std::cerr << "\r" << std::string(width_, ' ') << "\r" << std::flush;
  }
  std::atomic<size_t>* finished() { return &finished_; }

 private:
  void draw(std::stop_token stop) {
    const auto start = std::chrono::steady_clock::now();
    while (!stop.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (seconds < 1 || stop.stop_requested()) continue;
      std::string line = "sweep: " + std::to_string(finished_.load()) + " of " + std::to_string(runs_) +
                               " runs done, " + std::to_string(static_cast<int>(seconds)) + " s";
      if (line == shown_) continue;
      shown_ = line;
      std::cerr << "\r" << line << std::string(width_ > line.size() ? width_ - line.size() : 0, ' ') << std::flush;
      width_ = std::max(width_, line.size());
    }
  }
  size_t runs_;
  std::atomic<size_t> finished_{0};
  size_t width_ = 0;  // only the drawing thread writes these before the join
  std::string shown_;
  std::jthread thread_;
};

// Prints a failure the ranks agreed on (rank 0 only) and gives its exit code.
int reported(const RankFailure& failure) {
  if (!failure.message.empty()) std::cerr << failure.message << "\n";
  return failure.exit_code;
}

}  // namespace

CLI::App* add_sweep_command(CLI::App& app, SweepArgs& a) {
  auto* cmd = app.add_subcommand("sweep", "run a graph over every combination of param values; a table of the results");
  cmd->add_option("graph", a.graph, "graph file (.yaml)")->required();
  auto repeatable = [&](const std::string& name, std::vector<std::string>& values, const std::string& help) {
    cmd->add_option(name, values, help)->take_all()->allow_extra_args(false);
  };
  repeatable("--set", a.sets, "a param's values: name=v1,v2,... (every combination runs; one value: a fixed override)");
  repeatable("--input", a.inputs, "a graph input from a file, the same in every run: name=FILE");
  repeatable("--plugin", a.plugins, "load a plugin library");
  cmd->add_option("-o,--output-dir", a.out_dir, "write DIR/sweep.csv and each run's outputs in DIR/<run folder>/");
  cmd->add_option("--format", a.format, "file format of the runs' outputs: npy or csv")
      ->check(CLI::IsMember({"npy", "csv"}))
      ->each([&a](const std::string&) { a.format_given = true; });
  cmd->add_option("--jobs", a.jobs, "runs at once (default: one per core, at most the runs)");
  cmd->add_option("--threads", a.threads, "worker threads in all, shared by the concurrent runs (default 0: all cores)");
  cmd->add_flag("--no-fuse", a.no_fuse, "turn elementwise fusion off");
  cmd->add_option("--plot", a.plot, "plot --plot-y against --plot-x to FILE.svg or FILE.png, a line per other swept value");
  cmd->add_option("--plot-x", a.plot_x, "with --plot: the swept param on the x axis");
  cmd->add_option("--plot-y", a.plot_y, "with --plot: the output (one value per run) on the y axis");
  cmd->add_option("--log", a.log, "with --plot: log-scale axes: x, y or xy")->check(CLI::IsMember({"x", "y", "xy"}));
  cmd->add_flag("-q,--quiet", a.quiet, "print nothing but errors");
  return cmd;
}

int sweep_command(const SweepArgs& a) {
  if (a.sets.empty()) throw UsageError("sweep: give the values to sweep, e.g. --set delta=1e-2,1e-3");
  const std::vector<SweepParam> params = parse_sweep_params(a.sets);
  const int jobs_given = a.jobs.empty() ? 0 : whole_number(a.jobs, 1, kMaxThreads, "--jobs must be a whole number from 1 to " + std::to_string(kMaxThreads));
  const int threads = a.threads.empty() ? 0 : whole_number(a.threads, 0, kMaxThreads, "--threads must be a whole number from 0 (all cores) to " + std::to_string(kMaxThreads));
  if (!a.out_dir.empty()) {
    std::string ext = std::filesystem::path(a.out_dir).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".npz") throw UsageError("-o " + a.out_dir + ": a sweep writes a folder (sweep.csv and a folder per run), not an archive");
  }
  check_tensor_output_request({a.out_dir, a.format, a.format_given, ""});
  check_plot_flags(a, params);
  if (!a.out_dir.empty() && !a.plot.empty() && io::same_path(a.plot, a.out_dir + "/sweep.csv"))
    throw UsageError("--plot " + a.plot + ": is also the sweep's table");
  if (a.graph.empty()) throw UsageError("the graph file name is empty");
  std::error_code ec;
  if (std::filesystem::is_directory(a.graph, ec)) throw UsageError(a.graph + " is a folder, not a graph file");

  // Under mpirun each rank runs a block of the runs; every phase ends with the ranks agreeing
  // on any failure (driver/rank_agreement.h), which rank 0 alone prints.
  const bool root = distributed::world().root();
  const std::vector<SweepRun> runs = plan_sweep(params);
  std::vector<PreparedRun> prepared;
  if (auto failure = on_every_rank([&] {
        prepared = prepare_runs(a.graph, runs, {split_pairs(a.inputs, "--input"), a.plugins, !a.no_fuse});
        check_plot_y(a, prepared);
      }))
    return reported(*failure);
  const std::vector<size_t> mine = runs_of_rank(runs.size());
  const int jobs = std::max(1, jobs_given ? std::min<int>(jobs_given, static_cast<int>(mine.size()))
                                          : default_sweep_jobs(mine.size()));
  const int cores = std::max(1, tbb::info::default_concurrency());  // the CPUs this rank may use
  const int threads_per_run = std::max(1, (threads > 0 ? threads : cores) / jobs);
  std::vector<SweepResult> own;
  if (auto failure = on_every_rank([&] {
        SweepProgress progress(!a.quiet && root, mine.size());
        if (!mine.empty()) own = run_prepared(prepared, jobs, threads_per_run, mine, progress.finished());
      }))
    return reported(*failure);
  const std::vector<SweepResult> results = share_scalar_results(prepared, mine, std::move(own));

  if (a.out_dir.empty() && !a.quiet && root) std::cout << sweep_csv(params, prepared, results);
  if (a.out_dir.empty() && a.plot.empty()) return kOk;
  // Each rank writes its runs' folders, rank 0 also the table and the plot; all as temporary
  // files first, renamed only once every rank has written its own.
  io::OutputFiles files;
  std::vector<std::string> lines;
  if (auto failure = on_every_rank([&] {
        try {
          if (!a.out_dir.empty()) lines = write_sweep(files, a.out_dir, a.format, params, prepared, results, mine, root);
          if (!a.plot.empty() && root) {
            const std::string plot_bytes = sweep_plot(a, params, prepared, results);
            files.write(a.plot, plot_bytes);
          }
        } catch (const io::FileError& e) {
          throw RunError(std::string(e.what()) + " (no output file was replaced)");
        }
      }))
    return reported(*failure);
  if (auto failure = on_every_rank([&] {
        try {
          files.commit();
        } catch (const io::FileError& e) {
          throw RunError(std::string(e.what()) + (files.replaced_any() ? "" : " (no output file was replaced)"));
        }
      }))
    return reported(*failure);
  std::string listing;
  for (const std::string& line : lines) listing += "wrote " + line + "\n";
  const std::vector<std::string> listings = distributed::all_gather(listing);  // in rank order: run order
  if (a.quiet || !root) return kOk;
  for (const std::string& part : listings) std::cout << part;
  // Last, as in a plain run; on stderr when stdout holds the table, which stays pure CSV.
  if (!a.plot.empty() && io::output_kind(a.plot) != io::OutputKind::kInPlace)
    (a.out_dir.empty() ? std::cerr : std::cout) << "wrote " << a.plot << "\n";
  return kOk;
}

}  // namespace graphrun::cli
