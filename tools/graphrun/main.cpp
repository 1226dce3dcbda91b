// graphrun: parses the command line (SPEC §3) and calls the engine library.
#include "driver/describe.h"
#include "driver/report.h"
#include "driver/session.h"
#include "io/tensor_file.h"
#include "plugin_host/registry.h"
#include "plugin_host/running_step.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

namespace {

using namespace graphrun;

enum ExitCode { kOk = 0, kRunFailure = 1, kInvalid = 2, kNoDevice = 3 };

// "name=value" -> pair; UsageError otherwise.
std::vector<std::pair<std::string, std::string>> split_pairs(const std::vector<std::string>& items, const char* flag) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError(std::string(flag) + " " + item + ": expected name=value");
    out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  return out;
}

struct RunArgs {
  std::string graph, out_dir, format = "npy", device = "cpu", trace, plot;
  std::vector<std::string> sets, inputs, plugins;
  int threads = 0, repeat = 0;
  bool no_fuse = false, profile = false, quiet = false;
};

// A progress bar on stderr for runs longer than a second, when stderr is a terminal. The
// executor's workers only update the RunProgress (atomics); this bar's own thread reads it
// every 100 ms and is the only one that draws. It is gone (line cleared, thread joined)
// once the object is, before anything else is printed.
class ProgressBar {
 public:
  ProgressBar(bool enabled, const std::vector<StepInfo>& steps) : steps_(steps) {
    if (enabled && ::isatty(2)) thread_ = std::thread([this] { draw_until_stopped(); });
  }
  ~ProgressBar() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// What a run should update, or null when no bar is shown.
  RunProgress* progress() { return thread_.joinable() ? &progress_ : nullptr; }

 private:
  void draw_until_stopped() {
    std::unique_lock lock(mutex_);
    bool drawn = false;
    if (!wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) {
      do {
        draw(progress_.snapshot());
        drawn = true;
      } while (!wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; }));
    }
    if (drawn) std::cerr << "\r\033[K" << std::flush;
  }

  // "[#####        ] 12/40 nodes, ode 37%": finished steps, plus the fraction a running
  // step reported.
  void draw(const RunProgress::Snapshot& s) const {
    const double done = s.done + (s.step >= 0 ? s.fraction : 0.0);
    const int filled = s.total ? static_cast<int>(30 * done / s.total) : 0;
    std::string line = fmt::format("\r[{:<30}] {}/{} nodes", std::string(static_cast<size_t>(std::clamp(filled, 0, 30)), '#'),
                                   s.done, s.total);
    if (s.step >= 0 && static_cast<size_t>(s.step) < steps_.size())
      line += fmt::format(", {} {:.0f}%", steps_[s.step].label, 100 * s.fraction);
    std::cerr << line << "\033[K" << std::flush;
  }

  const std::vector<StepInfo>& steps_;
  RunProgress progress_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

std::string device_choice(const std::string& device) {
  if (device == "cuda") throw DeviceUnavailable("--device cuda: no CUDA device is available to this graphrun");
  return "cpu";  // auto falls back to the CPU when no device is present
}

int run_command(const RunArgs& a) {
  device_choice(a.device);
  LoadOptions options{split_pairs(a.sets, "--set"), a.plugins};
  Graph graph = load_graph(a.graph, options);
  auto inputs = read_inputs(graph, split_pairs(a.inputs, "--input"));
  for (const auto& [node, shape] : graph.input_specs)
    if (!inputs.count(graph.nodes[node].id))
      throw UsageError("graph input '" + graph.nodes[node].id + "' was not given (use --input " + graph.nodes[node].id +
                       "=FILE)");
  run_passes(graph, inputs, !a.no_fuse);
  Executor executor(graph, a.threads);
  RunObserver observer;
  observer.record_steps = a.profile || !a.trace.empty();
  RunResult observed;  // the run --profile and --trace show: the only one, or the last repeat
  std::vector<double> ms;
  {
    ProgressBar progress(!a.quiet, executor.steps());
    observer.progress = progress.progress();
    observed = executor.run(inputs, a.repeat > 0 ? RunObserver{} : observer);
    for (int r = 0; r < a.repeat; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      RunResult result = executor.run(inputs, r + 1 == a.repeat ? observer : RunObserver{});
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (r + 1 == a.repeat) observed = std::move(result);
    }
  }
  std::vector<TensorData>& outputs = observed.outputs;
  if (a.repeat > 0) {
    std::vector<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    size_t n = sorted.size();
    double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    std::cerr << fmt::format("time: median {:.3f} ms, min {:.3f} ms, runs {}\n", median, sorted.front(), n);
  }
  std::vector<std::string> names;
  for (const auto& [name, ref] : graph.outputs) names.push_back(name);
  if (!a.out_dir.empty()) {
    std::filesystem::create_directories(a.out_dir);
    for (size_t k = 0; k < outputs.size(); ++k) {
      std::string path = (std::filesystem::path(a.out_dir) / (names[k] + "." + a.format)).string();
      try {
        io::write_tensor(path, graph.dtype, outputs[k].shape, outputs[k].data.get());
      } catch (const std::exception& e) {
        throw RunError(e.what());
      }
    }
  } else if (!a.quiet) {
    for (size_t k = 0; k < outputs.size(); ++k) std::cout << format_output(names[k], outputs[k]) << "\n";
  }
  if (a.profile) print_profile(std::cerr, executor, observed);
  if (!a.trace.empty()) write_trace(a.trace, executor, observed);
  if (!a.plot.empty()) write_plot(a.plot, names, outputs);
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"graphrun: run computation graphs of numerical operators described in YAML"};
  app.require_subcommand(1);
  install_crash_reporter();
  app.set_version_flag("--version", "graphrun 0.1.0 (plugin API " + std::to_string(GRAPHRUN_API_MAJOR) + "." +
                                        std::to_string(GRAPHRUN_API_MINOR) + ")");

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "run a graph and print or write its outputs");
  run_cmd->add_option("graph", run.graph, "graph file (.yaml)")->required();
  run_cmd->add_option("-o,--output-dir", run.out_dir, "write each output to DIR/<name>.npy (or .csv)");
  run_cmd->add_option("--format", run.format, "file format with -o")->check(CLI::IsMember({"npy", "csv"}));
  run_cmd->add_option("--set", run.sets, "override a param: name=value")->take_all();
  run_cmd->add_option("--input", run.inputs, "a graph input from a file: name=FILE (.npy or .csv)")->take_all();
  run_cmd->add_option("--device", run.device, "cpu, cuda or auto")->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  run_cmd->add_option("--threads", run.threads, "worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
  run_cmd->add_flag("--no-fuse", run.no_fuse, "turn elementwise fusion off");
  run_cmd->add_flag("--profile", run.profile, "print time, bytes and GB/s per node, and peak memory");
  run_cmd->add_option("--trace", run.trace, "write Chrome trace-event JSON to FILE");
  run_cmd->add_option("--plot", run.plot, "plot the outputs to FILE.svg");
  run_cmd->add_option("--repeat", run.repeat, "after a warm-up, run N times and print the time")->check(CLI::PositiveNumber);
  run_cmd->add_option("--plugin", run.plugins, "load a plugin library")->take_all();
  run_cmd->add_flag("-q,--quiet", run.quiet, "print nothing but errors");

  std::string graph_path, op_name;
  std::vector<std::string> sets, plugins, inputs;
  bool no_fuse = false;
  auto add_graph_options = [&](CLI::App* cmd) {
    cmd->add_option("graph", graph_path, "graph file (.yaml)")->required();
    cmd->add_option("--set", sets, "override a param: name=value")->take_all();
    cmd->add_option("--plugin", plugins, "load a plugin library")->take_all();
  };
  auto* check_cmd = app.add_subcommand("check", "validate a graph; exit 0 when valid");
  add_graph_options(check_cmd);
  auto* explain_cmd = app.add_subcommand("explain", "the plan after passes: order, shapes, fusion groups, memory");
  add_graph_options(explain_cmd);
  explain_cmd->add_option("--input", inputs, "a graph input from a file, for its shape: name=FILE")->take_all();
  explain_cmd->add_flag("--no-fuse", no_fuse, "show the plan without fusion");
  bool each_pass = false;
  explain_cmd->add_flag("--each-pass", each_pass, "print the graph after each pass, not only the final plan");
  auto* dot_cmd = app.add_subcommand("dot", "Graphviz DOT of the graph, fusion groups as clusters");
  add_graph_options(dot_cmd);
  dot_cmd->add_flag("--no-fuse", no_fuse, "draw the graph without fusion");
  auto* ops_cmd = app.add_subcommand("ops", "every registered op, or one op in detail");
  ops_cmd->add_option("op", op_name, "an op name");
  ops_cmd->add_option("--plugin", plugins, "load a plugin library")->take_all();
  auto* schema_cmd = app.add_subcommand("schema", "JSON Schema of graph files, for editor completion");
  schema_cmd->add_option("--plugin", plugins, "load a plugin library")->take_all();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kInvalid;
  }

  try {
    if (run_cmd->parsed()) return run_command(run);
    LoadOptions options{split_pairs(sets, "--set"), plugins};
    if (check_cmd->parsed()) {
      load_graph(graph_path, options);
      std::cout << graph_path << ": ok\n";
      return kOk;
    }
    if (explain_cmd->parsed() || dot_cmd->parsed()) {
      Graph graph = load_graph(graph_path, options);
      auto tensors = read_inputs(graph, split_pairs(inputs, "--input"));
      std::function<void(const PassInfo&, const Graph&)> show_pass;
      if (each_pass && explain_cmd->parsed())
        show_pass = [](const PassInfo& pass, const Graph& g) {
          std::cout << "== after " << pass.name << " (" << pass.doc << ")\n" << explain_text(g) << "\n";
        };
      run_passes(graph, tensors, !no_fuse, show_pass);
      if (!each_pass || dot_cmd->parsed()) std::cout << (dot_cmd->parsed() ? graph.to_dot() : explain_text(graph));
      return kOk;
    }
    Registry& registry = Registry::global();
    registry.load_defaults();
    for (const auto& p : plugins) registry.load(p);
    if (ops_cmd->parsed()) std::cout << ops_text(registry, op_name);
    if (schema_cmd->parsed()) std::cout << schema_json(registry);
    return kOk;
  } catch (const GraphError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.str() << "\n";
    return kInvalid;
  } catch (const UsageError& e) {
    std::cerr << "graphrun: " << e.what() << "\n";
    return kInvalid;
  } catch (const PluginError& e) {
    std::cerr << "graphrun: " << e.what() << "\n";
    return kInvalid;
  } catch (const DeviceUnavailable& e) {
    std::cerr << "graphrun: " << e.what() << "\n";
    return kNoDevice;
  } catch (const RunError& e) {
    std::cerr << "graphrun: " << e.what() << "\n";
    return kRunFailure;
  } catch (const std::bad_alloc&) {
    std::cerr << "graphrun: out of memory\n";
    return kRunFailure;
  } catch (const std::exception& e) {
    std::cerr << "graphrun: internal error: " << e.what() << "\n";
    return kRunFailure;
  }
}
