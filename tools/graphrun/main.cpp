// graphrun: parses the command line (SPEC §3) and calls the engine library.
#include "backends/cuda/device.h"
#include "backends/cuda/device_executor.h"
#include "distributed/world.h"
#include "driver/describe.h"
#include "driver/elementwise_kernel_source.h"
#include "driver/plot/plot.h"
#include "driver/error_report.h"
#include "driver/explain_placement.h"
#include "driver/finite_check.h"
#include "driver/report.h"
#include "scheduler/graph_capture.h"
#include "scheduler/placement.h"
#include "driver/report/run_report.h"
#include "driver/rank_agreement.h"
#include "driver/session.h"
#include "sharding/run_on_ranks.h"
#include "command_line_values.h"
#include "completion.h"
#include "progress_bar.h"
#include "sweep_command.h"
#include "driver/tensor_outputs.h"
#include "text/did_you_mean.h"
#include "io/output_files.h"
#include "io/tensor_file.h"
#include "distributed/blocks.h"
#include "passes/prune_unused.h"
#include "plugin_host/registry.h"
#include "plugin_host/running_step.h"
#include "scheduler/memory_budget.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <oneapi/tbb/global_control.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <limits>
#include <sstream>

namespace {

using namespace graphrun;
using cli::kMaxThreads;
using cli::split_pairs;
using cli::whole_number;

struct RunArgs {
  std::string graph, out_dir, format = "npy", device = "cpu", trace, plot, plot_x, report, max_memory, wav_rate;
  std::string command_line;  // for the --report page
  std::vector<std::string> sets, inputs, plugins, shards;
  int threads = 0, repeat = 0;
  bool format_given = false, no_fuse = false, profile = false, quiet = false, check_finite = false;
};

// A graph path that is a folder gets its own message rather than a YAML error.
void require_graph_file(const std::string& path) {
  if (path.empty()) throw UsageError("the graph file name is empty");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw UsageError(path + " is a folder, not a graph file");
}

// Rethrows a FileError about the path given to `flag` as a usage error (exit code 2).
template <typename F> void check_path(const std::string& flag, F&& check) {
  try {
    check();
  } catch (const io::FileError& e) {
    throw UsageError(flag + " " + e.what());
  }
}

// The graph's warnings on stderr, one per line, in the style of its errors: the nodes that
// reach no output (they do not run).
void print_warnings(const Graph& graph) {
  for (const Diagnostic& w : unused_node_warnings(graph)) std::cerr << w.str() << "\n";
}

TensorOutputRequest tensor_output_request(const RunArgs& a) { return {a.out_dir, a.format, a.format_given, a.wav_rate}; }

// Refuses, before anything runs, output flags that cannot be honoured: -o naming a file or a
// device, --trace or --plot naming a folder or under a file, a plot neither SVG nor PNG.
void check_output_flags(const RunArgs& a) {
  if (!a.plot_x.empty() && a.plot.empty()) throw UsageError("--plot-x " + a.plot_x + " names the x axis of --plot FILE, and no --plot was given");
  check_tensor_output_request(tensor_output_request(a));
  if (!a.trace.empty()) check_path("--trace", [&] { io::output_kind(a.trace); });
  if (!a.plot.empty()) {
    check_path("--plot", [&] { io::output_kind(a.plot); });
    if (!plot::plot_format(a.plot))
      throw UsageError("--plot " + a.plot + ": a plot file is .svg or .png (the extension gives the format)");
    if (!a.trace.empty() && io::same_path(a.trace, a.plot) && io::output_kind(a.plot) != io::OutputKind::kInPlace)
      throw UsageError("--plot " + a.plot + ": is also the --trace file");
  }
  if (!a.report.empty()) {
    check_path("--report", [&] { io::output_kind(a.report); });
    std::string ext = std::filesystem::path(a.report).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext != ".html" && ext != ".htm") throw UsageError("--report " + a.report + ": the report is a page: name it .html");
    for (const auto& [flag, other] : {std::pair{"--trace", a.trace}, {"--plot", a.plot}})
      if (!other.empty() && io::same_path(a.report, other))
        throw UsageError("--report " + a.report + ": is also the " + flag + " file");
  }
}

// The tensor files of -o (none without -o), checked before the run (driver/tensor_outputs.h);
// none may also be the --trace or --plot file.
TensorOutputPlan output_files(const RunArgs& a, const Graph& graph, const std::vector<std::string>& names) {
  TensorOutputPlan plan = plan_tensor_outputs(tensor_output_request(a), graph, names);
  const std::vector<std::string> files = planned_files(plan);
  for (size_t k = 0; k < files.size(); ++k)
    for (const auto& [flag, other] : {std::pair{"--trace", a.trace}, {"--plot", a.plot}})
      if (!other.empty() && io::same_path(other, files[k]))
        throw UsageError(std::string(flag) + " " + other + ": is also the file of " +
                         (plan.kind == TensorOutputPlan::Kind::kArchive ? "-o" : "the output '" + names[k] + "'"));
  return plan;
}

// Refuses, before the run, a --plot-x whose shape does not fit the outputs' inferred shapes.
void check_plot_x(const Graph& graph, const std::vector<std::string>& names, const std::string& x_name) {
  std::vector<Shape> shapes;
  for (const auto& [name, ref] : graph.outputs) shapes.push_back(graph.nodes[ref.node].output_shapes.at(ref.port));
  plot::check_plot_x(names, shapes, x_name);
}

// Refuses a run whose planned peak does not fit in the memory available (or in --max-memory):
// the graph is valid, the machine is too small, so exit code 1 rather than a swap storm or
// the OOM killer half-way through.
void check_memory(const Graph& graph, const std::map<std::string, TensorData>& inputs, const RunArgs& a) {
  MemoryPlan plan = plan_memory(graph);
  if (!plan.known) return;
  uint64_t input_bytes = 0;
  for (const auto& [name, t] : inputs) input_bytes += tensor_bytes(t.shape, t.dtype);
  const uint64_t need = plan.peak + input_bytes;
  uint64_t limit = 0;
  std::string which;
  if (!a.max_memory.empty()) {
    limit = *parse_byte_size(a.max_memory);
    which = "allowed by --max-memory";
  } else {
    std::optional<uint64_t> available = available_memory();
    if (!available) return;
    limit = *available + input_bytes;  // the inputs are read already: what they hold counts as available
    which = "available";
  }
  if (need <= limit) return;
  throw RunError(fmt::format("this run would need {} ({} of tensors at the planned peak + {} of inputs), {} {}{}",
                             human_bytes(need), human_bytes(plan.peak), human_bytes(input_bytes), human_bytes(limit),
                             which,
                             a.max_memory.empty() ? "; give smaller inputs or pass --max-memory SIZE to run anyway"
                                                  : ""));
}

// Writes every output file of the run as one set (io/output_files.h): all are written to
// temporary files first, then renamed together. Lists them on stdout unless --quiet: each
// tensor with its dtype and shape, then --trace and --plot unless written in place (a
// device such as /dev/stdout is not a file written).
void write_output_files(const RunArgs& a, const TensorOutputPlan& tensor_files, const Graph& graph,
                        const std::vector<std::string>& names, const std::vector<TensorData>& outputs,
                        const Executor* executor, const std::string& trace_text, const RunResult* reported) {
  // Drawn first: a --plot-x that does not fit the outputs is refused before any file is written.
  const std::string plot_bytes = a.plot.empty() ? "" : plot::render_plot(names, outputs, a.plot_x, *plot::plot_format(a.plot));
  std::string report_page;
  if (!a.report.empty() && executor && reported)
    report_page = report::run_report_html({&graph, executor, reported->records, reported->peak_bytes, names, outputs,
                                           a.plot_x, a.command_line});
  io::OutputFiles files;
  std::vector<std::string> lines;
  try {
    lines = write_tensor_outputs(files, tensor_files, names, outputs, graph.dtype, a.quiet ? nullptr : &std::cerr);
    for (const std::string& path : {a.trace, a.plot, a.report})
      if (!path.empty() && io::output_kind(path) != io::OutputKind::kInPlace) lines.push_back(path);
    if (!a.trace.empty()) files.write(a.trace, trace_text);
    if (!a.plot.empty()) files.write(a.plot, plot_bytes);
    if (!report_page.empty()) files.write(a.report, report_page);
    files.commit();
  } catch (const io::FileError& e) {
    throw RunError(std::string(e.what()) + (files.replaced_any() ? "" : " (no output file was replaced)"));
  }
  if (!a.quiet)
    for (const auto& line : lines) std::cout << "wrote " << line << "\n";
}

// Where a run goes; for `--device auto` on the CPU, why (--profile says it).
struct DeviceChoice {
  std::string device;
  std::string fallback_reason;
};

DeviceChoice device_choice(const RunArgs& a) {
  const std::string& device = a.device;
  if (device == "cpu") return {"cpu", ""};
  // What a device run cannot honour yet is a usage error (exit 2) whether or not a device is here.
  if (device == "cuda" && a.check_finite)
    throw UsageError("--check-finite is not available for runs on the CUDA device yet (use --device cpu)");
  if (device == "cuda" && !a.report.empty())
    throw UsageError("--report is not available for runs on the CUDA device yet (use --device cpu)");
  const cuda::DeviceProbe& probe = cuda::probe_device();
  if (device == "cuda") {
    if (!probe.device) throw DeviceUnavailable("no CUDA device: " + probe.reason);
    return {"cuda", ""};
  }
  // auto: the device when one is present and the run asks nothing it cannot do there yet
  if (probe.device && !a.report.empty()) return {"cpu", "--report is not available on the CUDA device yet"};
  if (probe.device && a.check_finite) return {"cpu", "--check-finite is not available on the CUDA device yet"};
  if (probe.device) return {"cuda", ""};
  return {"cpu", "no CUDA device: " + probe.reason};
}

// The device `explain --device` plans for: the one found, or why there is none. auto: cuda
// when a device is here, else the CPU (as `run --device auto` chooses, its flags apart).
ExplainDevice explain_device(const std::string& device) {
  ExplainDevice d;
  const cuda::DeviceProbe& probe = cuda::probe_device();
  d.device = device == "cuda" || (device == "auto" && probe.device) ? Device::kCuda : Device::kCpu;
  if (probe.device) {
    d.name = probe.device->name;
    d.memory = probe.device->total_memory;
  } else {
    d.absent = probe.reason;
  }
  return d;
}


// Refuses, before anything runs, a graph whose device peak does not fit in the device's
// memory (exit code 3, naming both sizes).
void check_cuda_run(const Graph& graph) {
  const cuda::DeviceInfo& device = *cuda::probe_device().device;
  const Placement placement = place(placement_problem(graph), Device::kCuda);
  if (auto refusal = device_memory_refusal(placement, device.total_memory, device.name))
    throw DeviceUnavailable("--device cuda: " + *refusal);
}

// A warning for each output holding NaN or inf (unless --quiet): the run still succeeds.
void warn_non_finite(const RunArgs& a, const std::vector<std::string>& names, const std::vector<TensorData>& outputs) {
  if (a.quiet) return;
  for (const std::string& w : non_finite_output_warnings(names, outputs)) std::cerr << "graphrun: " << w << "\n";
}

// "time: median 12.345 ms, min 12.001 ms, runs 10" (SPEC) for the repeated runs' times;
// `what` names another figure than the runs' ("device time"), `note` follows in parentheses.
void print_repeat_times(std::vector<double> ms, const char* what = "time", const char* note = nullptr) {
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  const double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  std::cerr << fmt::format("{}: median {:.3f} ms, min {:.3f} ms, runs {}{}\n", what, median, ms.front(), n,
                           note ? fmt::format(" ({})", note) : std::string());
}

// What every run shows once its steps are done: the --repeat times, the outputs (unless
// written with -o or --quiet) and the warning about non-finite values.
void show_outputs(const RunArgs& a, const std::vector<std::string>& names, const std::vector<TensorData>& outputs,
                  const std::vector<double>& ms) {
  if (!ms.empty()) print_repeat_times(ms);
  if (a.out_dir.empty() && !a.quiet)
    for (size_t k = 0; k < outputs.size(); ++k) std::cout << format_output(names[k], outputs[k]) << "\n";
  warn_non_finite(a, names, outputs);
}

// `run` on the CUDA device: one warm-up run (compiling nothing: the kernels were compiled
// when the executor was made), then --repeat runs, replayed as one CUDA graph when the run
// can be captured (scheduler/graph_capture.h); outputs printed or written as on the CPU.
// --trace records every step of every run, so its runs are not captured. A replay has no
// step times: --profile then times one more run, step by step.
int run_on_device(const RunArgs& a, const Graph& graph, const std::map<std::string, TensorData>& inputs,
                  const std::vector<std::string>& names, const TensorOutputPlan& tensor_files) {
  const std::string device = cuda::probe_device().device->name;
  const bool traced_runs = !a.trace.empty();
  cuda::DeviceExecutor executor(graph);
  std::vector<TracedRun> traced;
  RunResult observed = executor.run(inputs, (a.profile && a.repeat == 0) || traced_runs);
  if (traced_runs) traced.push_back({a.repeat > 0 ? "warm-up" : "run", observed.records});
  std::unique_ptr<cuda::CapturedRun> replay;
  std::string repeats = "step by step: --trace records every step";
  if (a.repeat > 0 && !traced_runs) {
    try {
      replay = executor.capture();
      const ExecutionPlan& plan = executor.plan();
      const size_t steps = plan_graph_capture(graph, placement_problem(plan), plan.placement()).device_steps.size();
      repeats = fmt::format("replayed as one CUDA graph of {} step{} ({} graph node{}: kernels, copies, allocations)",
                            steps, steps == 1 ? "" : "s", replay->graph_nodes(), replay->graph_nodes() == 1 ? "" : "s");
    } catch (const cuda::GraphCaptureRefused& e) {
      repeats = std::string("step by step: ") + e.what();
    }
  }
  std::vector<double> ms, graph_ms;
  for (int r = 0; r < a.repeat; ++r) {
    const bool timed = traced_runs || (a.profile && r + 1 == a.repeat && !replay);
    auto t0 = std::chrono::steady_clock::now();
    observed = replay ? replay->run(inputs) : executor.run(inputs, timed);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (replay) graph_ms.push_back(replay->last_graph_ms());
    if (traced_runs) traced.push_back({"repeat " + std::to_string(r + 1), observed.records});
  }
  replay.reset();  // its device memory, before a profiled run
  const std::vector<TensorData> outputs = observed.outputs;
  if (!graph_ms.empty()) print_repeat_times(graph_ms, "device time", "the CUDA graph alone: copies in and out excluded");
  show_outputs(a, names, outputs, ms);
  if (a.profile) {
    std::cerr << "device: cuda (" << device << ")\n";
    if (a.repeat > 0) std::cerr << "repeats: " << repeats << "\n";
    if (observed.records.empty()) {
      std::cerr << "steps timed in one more run, outside the CUDA graph:\n";
      observed = executor.run(inputs, true);
    }
    print_device_profile(std::cerr, executor.plan(), observed, device);
  }
  if (!a.out_dir.empty() || !a.plot.empty() || traced_runs)
    write_output_files(a, tensor_files, graph, names, outputs, nullptr,
                       traced_runs ? device_trace_json(executor.plan(), traced, device) : std::string(), nullptr);
  return kOk;
}

// A run's graph after the passes, with its inputs and output plan, before any step runs.
struct PreparedRun {
  DeviceChoice device;
  Graph graph;
  std::vector<std::string> names;
  TensorOutputPlan tensor_files;
  std::map<std::string, TensorData> inputs;
};

// Everything SPEC says is checked before a run: flags, the graph, the inputs, the output
// files, the memory. `share` over several ranks: this rank's part of a sharded run.
std::unique_ptr<PreparedRun> prepare_run(const RunArgs& a, RankShare share = {}, bool fuse = true) {
  auto p = std::make_unique<PreparedRun>();
  if (!a.max_memory.empty() && !parse_byte_size(a.max_memory))
    throw UsageError("--max-memory " + a.max_memory + ": expected a size such as 24G, 512M or 1.5T");
  check_output_flags(a);
  p->device = device_choice(a);  // after the flags: a usage error is one on any machine
  require_graph_file(a.graph);
  LoadOptions options{split_pairs(a.sets, "--set"), a.plugins, split_pairs(a.shards, "--shard")};
  Graph& graph = p->graph = load_graph(a.graph, options);
  for (const auto& [name, ref] : graph.outputs) p->names.push_back(name);
  p->tensor_files = output_files(a, graph, p->names);
  ShardedInputs sharded{share, {}};
  p->inputs = read_sharded_inputs(graph, split_pairs(a.inputs, "--input"), share, sharded.whole_shapes,
                                  a.quiet || !distributed::world().root() ? nullptr : &std::cerr);
  for (const auto& [node, shape] : graph.input_specs)
    if (!p->inputs.count(graph.nodes[node].id))
      throw UsageError("graph input '" + graph.nodes[node].id + "' was not given (use --input " + graph.nodes[node].id +
                       "=FILE)");
  if (!a.quiet && distributed::world().root()) print_warnings(graph);
  // --check-finite runs unfused, so that the node it names is the one that made the value.
  run_passes(graph, p->inputs, fuse && !a.no_fuse && !a.check_finite, {}, sharded);
  check_tensor_output_shapes(p->tensor_files, graph);
  if (!a.plot_x.empty()) check_plot_x(graph, p->names, a.plot_x);
  if (p->device.device == "cuda") check_cuda_run(graph);
  check_memory(graph, p->inputs, a);
  return p;
}

int reported(const RankFailure& failure) {
  if (!failure.message.empty()) std::cerr << failure.message << "\n";
  return failure.exit_code;
}

// -o DIR of .npy files under mpirun, outputs in blocks: rank 0 starts each such file with its
// header under a temporary name, every rank writes its block at its place in one collective
// MPI-IO write, and rank 0 writes the outputs held whole and renames all files together. A
// failure anywhere leaves no file written or replaced (rank 0 removes the temporaries).
int write_blocks_together(const RunArgs& a, const PreparedRun& p, std::vector<TensorData> outputs,
                          const distributed::World& world) {
  const Graph& g = p.graph;
  std::unique_ptr<io::OutputFiles> files;
  std::vector<Shape> whole(outputs.size());
  std::string temporaries;
  for (size_t k = 0; k < outputs.size(); ++k) {
    whole[k] = outputs[k].shape;
    if (g.output_shards[k].first >= 0) whole[k][static_cast<size_t>(g.output_shards[k].first)] = g.output_shards[k].second;
  }
  if (auto failure = on_every_rank([&] {
        if (!world.root()) return;
        files = std::make_unique<io::OutputFiles>();
        io::make_output_folder(p.tensor_files.target);
        for (size_t k = 0; k < outputs.size(); ++k) {
          if (g.output_shards[k].first < 0) continue;
          const std::string& path = p.tensor_files.files[k];
          io::OutputStream& out = files->open(path);
          out.write(io::npy_header_bytes(g.dtype, whole[k]));
          out.flush();
          if (files->temporary_of(path).empty()) throw RunError(path + ": the ranks write it together, so it must be a file");
          temporaries += files->temporary_of(path) + "\n";
        }
      }))
    return reported(*failure);
  std::istringstream names(distributed::all_gather(temporaries)[0]);
  if (auto failure = on_every_rank([&] {
        for (size_t k = 0; k < outputs.size(); ++k) {
          const auto [axis, length] = g.output_shards[k];
          if (axis < 0) continue;
          std::string temporary;
          std::getline(names, temporary);
          const uint64_t header = io::npy_header_bytes(g.dtype, whole[k]).size();
          const int64_t begin = distributed::block_of(length, world.rank, world.size).begin;
          distributed::write_block_at(temporary, header, whole[k], axis, begin, outputs[k].shape,
                                      outputs[k].data.get(), g.dtype == GR_F64);
        }
      }))
    return reported(*failure);
  if (auto failure = on_every_rank([&] {
        if (!world.root()) return;
        for (size_t k = 0; k < outputs.size(); ++k)
          if (g.output_shards[k].first >= 0) outputs[k] = TensorData{g.dtype, whole[k], nullptr};
        const std::vector<std::string> lines =
            write_tensor_outputs(*files, p.tensor_files, p.names, outputs, g.dtype, nullptr);
        try {
          files->commit();
        } catch (const io::FileError& e) {
          throw RunError(std::string(e.what()) + (files->replaced_any() ? "" : " (no output file was replaced)"));
        }
        if (!a.quiet)
          for (const auto& line : lines) std::cout << "wrote " << line << "\n";
      }))
    return reported(*failure);
  return kOk;
}

// A rank's executor: the CPU's, or its own GPU's (one per rank: cuda::choose_device_for_local_rank).
struct RankExecutor {
  std::unique_ptr<Executor> cpu;
  std::unique_ptr<cuda::DeviceExecutor> gpu;

  const ExecutionPlan& plan() const { return gpu ? gpu->plan() : cpu->plan(); }
  RunResult run(const std::map<std::string, TensorData>& inputs) const {
    // The device's steps go one at a time in plan order already.
    return gpu ? sharding::run_on_ranks([&] { return gpu->run(inputs); }) : sharding::run_on_ranks(*cpu, inputs);
  }
};

// `run` under mpirun: each rank runs its part of the graph (docs/distributed.md); rank 0 alone
// prints and writes the outputs, which every rank holds whole after the last gathers.
int run_command_on_ranks(const RunArgs& a, const distributed::World& world) {
  cuda::choose_device_for_local_rank(world.local_rank);  // before anything probes the device
  const RankShare share{world.rank, world.size};
  std::unique_ptr<PreparedRun> p;
  RankExecutor executor;
  auto plan = [&](bool fuse) {
    executor = {};
    p = prepare_run(a, share, fuse);
    if (p->device.device == "cuda")
      executor.gpu = std::make_unique<cuda::DeviceExecutor>(p->graph);
    else
      executor.cpu = std::make_unique<Executor>(p->graph, a.threads);
  };
  if (auto failure = on_every_rank([&] { plan(true); })) return reported(*failure);
  if (p->graph.input_shards.empty() && world.root() && !a.quiet)
    std::cerr << "graphrun: warning: no input is sharded, so each of the " << world.size
              << " ranks runs the whole graph (shard an input with `shard: AXIS` in the graph file or --shard name=AXIS)\n";
  // Fusion decides on the blocks' shapes, which may differ between ranks; unfused, every rank
  // has the same steps in the same order.
  const std::vector<std::string> orders = distributed::all_gather(sharding::communication_order(executor.plan()));
  if (std::adjacent_find(orders.begin(), orders.end(), std::not_equal_to<>()) != orders.end()) {
    if (auto failure = on_every_rank([&] { plan(false); })) return reported(*failure);
  }
  RunResult observed;
  std::vector<double> ms;
  try {
    observed = executor.run(p->inputs);
    for (int r = 0; r < a.repeat; ++r) {
      distributed::barrier();  // every rank starts together: the time is the slowest rank's
      auto t0 = std::chrono::steady_clock::now();
      observed = executor.run(p->inputs);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  } catch (const sharding::RanksFailed& e) {
    return reported(e.failure);
  }
  const bool in_blocks = std::any_of(p->graph.output_shards.begin(), p->graph.output_shards.end(),
                                     [](const auto& s) { return s.first >= 0; });
  if (in_blocks && p->tensor_files.kind == TensorOutputPlan::Kind::kFolder && p->tensor_files.format == "npy" &&
      a.plot.empty()) {
    if (!ms.empty() && world.root()) print_repeat_times(ms);
    return write_blocks_together(a, *p, std::move(observed.outputs), world);
  }
  // Gathered only when printed or written: a quiet timing run leaves them in blocks.
  std::vector<TensorData> outputs;
  const bool wanted = !a.quiet || !a.out_dir.empty() || !a.plot.empty();
  if (auto failure = on_every_rank([&] {
        if (wanted) outputs = sharding::outputs_on_root(p->graph, std::move(observed.outputs));
      }))
    return reported(*failure);
  if (auto failure = on_every_rank([&] {
        if (!world.root()) return;
        show_outputs(a, p->names, outputs, ms);
        if (!a.out_dir.empty() || !a.plot.empty())
          write_output_files(a, p->tensor_files, p->graph, p->names, outputs, nullptr, "", nullptr);
      }))
    return reported(*failure);
  return kOk;
}

int run_command(const RunArgs& a) {
  if (distributed::launched_by_mpi() && distributed::world().size > 1)
    return run_command_on_ranks(a, distributed::world());
  std::unique_ptr<PreparedRun> prepared = prepare_run(a);
  const DeviceChoice& device = prepared->device;
  const Graph& graph = prepared->graph;
  const std::vector<std::string>& names = prepared->names;
  const TensorOutputPlan& tensor_files = prepared->tensor_files;
  const std::map<std::string, TensorData>& inputs = prepared->inputs;
  if (device.device == "cuda") return run_on_device(a, graph, inputs, names, tensor_files);
  Executor executor(graph, a.threads);
  if (a.check_finite)
    if (std::string why = non_finite_inputs(executor.plan(), inputs); !why.empty()) throw RunError(why);
  RunObserver observer;
  observer.record_steps = a.profile || !a.trace.empty() || !a.report.empty();
  RunResult observed;  // the run --profile shows: the only one, or the last repeat
  std::vector<TracedRun> traced;  // --trace shows every run: the warm-up and each repeat
  RunObserver trace_only;  // a repeat that --profile does not show
  trace_only.record_steps = !a.trace.empty();
  std::vector<double> ms;
  {
    ProgressBar progress(!a.quiet, executor.steps());
    observer.progress = progress.progress();
    RunObserver first = a.repeat > 0 ? RunObserver{} : observer;
    if (a.check_finite) first.check_step = first_non_finite_check(executor.plan());  // one checked run is enough
    if (a.repeat > 0) first.record_steps = trace_only.record_steps;
    observed = executor.run(inputs, first);
    if (!a.trace.empty()) traced.push_back({a.repeat > 0 ? "warm-up" : "run", observed.records});
    for (int r = 0; r < a.repeat; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      RunResult result = executor.run(inputs, r + 1 == a.repeat ? observer : trace_only);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!a.trace.empty()) traced.push_back({"repeat " + std::to_string(r + 1), result.records});
      if (r + 1 == a.repeat) observed = std::move(result);
    }
  }
  std::vector<TensorData>& outputs = observed.outputs;
  show_outputs(a, names, outputs, ms);
  if (a.profile && !device.fallback_reason.empty())
    std::cerr << "device: " << device.device << " (--device auto: " << device.fallback_reason << ")\n";
  if (a.profile) print_profile(std::cerr, executor, observed);
  if (!a.out_dir.empty() || !a.trace.empty() || !a.plot.empty() || !a.report.empty())
    write_output_files(a, tensor_files, graph, names, outputs, &executor,
                       a.trace.empty() ? std::string() : trace_json(executor, traced), &observed);
  return kOk;
}

// A repeatable option: one value each time it is given (`--plugin a.so --plugin b.so`), so
// that it never swallows the graph path that follows it.
CLI::Option* add_repeatable(CLI::App* cmd, const std::string& name, std::vector<std::string>& values,
                            const std::string& help) {
  return cmd->add_option(name, values, help)->take_all()->allow_extra_args(false);
}

// `graphrun` alone or `graphrun frobnicate`: the commands there are, and the closest one to
// what was typed. False when argv[1] is a command or an option.
bool missing_or_unknown_command(const CLI::App& app, int argc, char** argv) {
  if (argc >= 2 && argv[1][0] == '-') return false;
  std::vector<std::string> names;
  for (const CLI::App* cmd : app.get_subcommands({})) names.push_back(cmd->get_name());
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
  if (argc < 2) {
    std::cerr << "graphrun: a command is required: " << all << " (graphrun --help)\n";
    return true;
  }
  if (std::find(names.begin(), names.end(), argv[1]) != names.end()) return false;
  std::vector<std::string_view> candidates(names.begin(), names.end());
  std::string best = text::closest_name(argv[1], candidates);
  std::cerr << "graphrun: unknown command '" << argv[1] << "'" << (best.empty() ? "" : " (did you mean '" + best + "'?)")
            << "; the commands are " << all << " (graphrun --help)\n";
  return true;
}

int graphrun_main(int argc, char** argv) {
  CLI::App app{"graphrun: run computation graphs of numerical operators described in YAML"};
  app.require_subcommand(1);
  install_crash_reporter();
  app.set_version_flag("--version", "graphrun 0.1.0 (plugin API " + std::to_string(GRAPHRUN_API_MAJOR) + "." +
                                        std::to_string(GRAPHRUN_API_MINOR) + ")");

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "run a graph and print or write its outputs");
  run_cmd->add_option("graph", run.graph, "graph file (.yaml)")->required();
  auto* out_dir_opt = run_cmd->add_option("-o,--output-dir", run.out_dir,
                                          "write each output to DIR/<name>.npy (or .csv, .wav), or all to FILE.npz");
  auto* format_opt =
      run_cmd->add_option("--format", run.format, "file format with -o DIR: npy, csv or wav")->check(CLI::IsMember({"npy", "csv", "wav"}));
  run_cmd->add_option("--wav-rate", run.wav_rate, "sample rate of --format wav files (default: param fs, else 48000)");
  add_repeatable(run_cmd, "--set", run.sets, "override a param: name=value");
  add_repeatable(run_cmd, "--input", run.inputs, "a graph input from a file: name=FILE (.npy, .npz[:KEY], .csv, .wav)");
  add_repeatable(run_cmd, "--shard", run.shards, "under mpirun, hold the input in blocks along an axis: name=AXIS");
  run_cmd->add_option("--device", run.device, "cpu, cuda or auto")->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  std::string threads_text, repeat_text;
  run_cmd->add_option("--threads", threads_text, "worker threads (default 0: all cores)");
  run_cmd->add_flag("--no-fuse", run.no_fuse, "turn elementwise fusion off");
  run_cmd->add_flag("--profile", run.profile, "print time, bytes and GB/s per node, and peak memory");
  auto* trace_opt = run_cmd->add_option("--trace", run.trace, "write Chrome trace-event JSON to FILE");
  auto* report_opt = run_cmd->add_option(
      "--report", run.report, "write one self-contained page FILE.html: the graph, the profile, each output's plot");
  auto* plot_opt = run_cmd->add_option("--plot", run.plot,
                                       "plot the outputs to FILE.svg or FILE.png: a panel per output, scalars listed");
  run_cmd->add_option("--plot-x", run.plot_x, "with --plot: the output NAME (e.g. time) as the x axis");
  run_cmd->add_option("--repeat", repeat_text, "after a warm-up, run N times and print the time");
  run_cmd->add_option("--max-memory", run.max_memory,
                      "refuse a run planned above SIZE (e.g. 64G) instead of above the available memory; "
                      "a SIZE above it runs anyway");
  add_repeatable(run_cmd, "--plugin", run.plugins, "load a plugin library");
  run_cmd->add_flag("--check-finite", run.check_finite,
                    "stop at the first node (in plan order) that produces a NaN or inf, name it and exit 1; "
                    "runs unfused, one node at a time");
  run_cmd->add_flag("-q,--quiet", run.quiet, "print nothing but errors");

  cli::SweepArgs sweep;
  CLI::App* sweep_cmd = cli::add_sweep_command(app, sweep);

  std::string graph_path, op_name;
  std::vector<std::string> sets, plugins, inputs;
  bool no_fuse = false;
  auto add_graph_options = [&](CLI::App* cmd) {
    cmd->add_option("graph", graph_path, "graph file (.yaml)")->required();
    add_repeatable(cmd, "--set", sets, "override a param: name=value");
    add_repeatable(cmd, "--plugin", plugins, "load a plugin library");
  };
  auto* check_cmd = app.add_subcommand("check", "validate a graph; exit 0 when valid");
  add_graph_options(check_cmd);
  auto* explain_cmd = app.add_subcommand("explain", "the plan after passes: order, shapes, fusion groups, memory");
  add_graph_options(explain_cmd);
  add_repeatable(explain_cmd, "--input", inputs, "a graph input from a file, for its shape: name=FILE");
  std::vector<std::string> shards;
  add_repeatable(explain_cmd, "--shard", shards, "hold the input in blocks along an axis (with --ranks or mpirun): name=AXIS");
  explain_cmd->add_flag("--no-fuse", no_fuse, "show the plan without fusion");
  std::string ranks_text;
  explain_cmd->add_option("--ranks", ranks_text, "show rank 0's plan of a run over N MPI ranks (sharded inputs)");
  std::string explain_device_name = "cpu";
  explain_cmd->add_option("--device", explain_device_name, "cpu, cuda or auto: where each node runs, transfers, device peak")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  bool each_pass = false;
  explain_cmd->add_flag("--each-pass", each_pass, "print the graph after each pass, not only the final plan");
  auto* dot_cmd = app.add_subcommand("dot", "Graphviz DOT of the graph, fusion groups as clusters");
  add_graph_options(dot_cmd);
  dot_cmd->add_flag("--no-fuse", no_fuse, "draw the graph without fusion");
  add_repeatable(dot_cmd, "--input", inputs, "a graph input from a file, for its shape: name=FILE");
  auto* ops_cmd = app.add_subcommand("ops", "every registered op, or one op in detail");
  ops_cmd->add_option("op", op_name, "an op name");
  std::string ops_format = "text";
  ops_cmd->add_option("--format", ops_format, "text, or markdown: the op reference of docs/ops.md")
      ->check(CLI::IsMember({"text", "markdown"}));
  add_repeatable(ops_cmd, "--plugin", plugins, "load a plugin library");
  auto* schema_cmd = app.add_subcommand("schema", "JSON Schema of graph files, for editor completion");
  add_repeatable(schema_cmd, "--plugin", plugins, "load a plugin library");
  std::string shell;
  auto* completion_cmd = app.add_subcommand("completion", "print a shell completion script: bash or zsh");
  completion_cmd->add_option("shell", shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));

  if (missing_or_unknown_command(app, argc, argv)) return kInvalid;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream discarded;  // under mpirun, rank 0 alone prints the usage error
    const bool printing = distributed::launcher_rank() == 0;
    int rc = printing ? app.exit(e) : app.exit(e, discarded, discarded);
    return rc == 0 ? kOk : kInvalid;
  }

  if (completion_cmd->parsed()) {
    std::cout << (shell == "bash" ? graphrun::cli::bash_completion(app) : graphrun::cli::zsh_completion(app));
    return kOk;
  }
  try {
    if (run_cmd->parsed()) {
      if (!threads_text.empty())
        run.threads = whole_number(threads_text, 0, kMaxThreads,
                                   "--threads must be a whole number from 0 (all cores) to " + std::to_string(kMaxThreads));
      if (!repeat_text.empty())
        run.repeat = whole_number(repeat_text, 1, std::numeric_limits<int>::max(), "--repeat must be a whole number >= 1");
      run.format_given = format_opt->count() > 0;
      for (auto [option, value] : {std::pair{out_dir_opt, &run.out_dir}, {trace_opt, &run.trace}, {plot_opt, &run.plot}, {report_opt, &run.report}})
        if (option->count() && value->empty()) throw UsageError(option->get_name(false, true) + ": the name is empty");
      for (int i = 0; i < argc; ++i) run.command_line += (i ? " " : "") + std::string(argv[i]);
      return run_command(run);
    }
    if (sweep_cmd->parsed()) return cli::sweep_command(sweep);
    if (check_cmd->parsed() || explain_cmd->parsed() || dot_cmd->parsed()) require_graph_file(graph_path);
    LoadOptions options{split_pairs(sets, "--set"), plugins, {}};
    if (check_cmd->parsed()) {
      print_warnings(load_graph(graph_path, options));
      std::cout << graph_path << ": ok\n";
      return kOk;
    }
    if (explain_cmd->parsed() || dot_cmd->parsed()) {
      options.shards = split_pairs(shards, "--shard");
      Graph graph = load_graph(graph_path, options);
      // Under mpirun, or for --ranks N: the plan of rank 0 of a sharded run.
      ShardedInputs sharded;
      if (!ranks_text.empty() && distributed::launched_by_mpi() && distributed::world().size > 1)
        throw UsageError("--ranks " + ranks_text + " under mpirun: explain shows the plan of the ranks it runs on; " +
                         "leave out --ranks, or run explain --ranks without mpirun");
      if (!ranks_text.empty())
        sharded.share.ranks = whole_number(ranks_text, 1, 1 << 20, "--ranks must be a whole number >= 1");
      else if (distributed::launched_by_mpi())
        sharded.share = {distributed::world().rank, distributed::world().size};
      auto tensors = read_sharded_inputs(graph, split_pairs(inputs, "--input"), sharded.share, sharded.whole_shapes);
      if (!distributed::world().root()) return kOk;  // the ranks' plans differ only in their blocks
      print_warnings(graph);
      std::function<void(const PassInfo&, const Graph&)> show_pass;
      if (each_pass && explain_cmd->parsed())
        show_pass = [](const PassInfo& pass, const Graph& g) {
          std::cout << "== after " << pass.name << " (" << pass.doc << ")\n" << explain_text(g) << "\n";
        };
      run_passes(graph, tensors, !no_fuse, show_pass, sharded);
      if (!each_pass || dot_cmd->parsed()) std::cout << (dot_cmd->parsed() ? graph.to_dot() : explain_text(graph));
      if (explain_cmd->parsed() && explain_device_name != "cpu") {
        const ExplainDevice device = explain_device(explain_device_name);
        if (device.device == Device::kCpu)  // auto without a device: the CPU plan above is the run's
          std::cout << "device: cpu (--device auto: no CUDA device: " << device.absent << ")\n";
        else
          std::cout << placement_text(graph, device, elementwise_kernel_source);
      }
      return kOk;
    }
    Registry& registry = Registry::global();
    registry.load_defaults();
    for (const auto& p : plugins) registry.load(p);
    if (ops_cmd->parsed() && ops_format == "markdown") {
      if (!op_name.empty() || !plugins.empty())
        throw UsageError("ops --format markdown prints the built-in ops' reference: no op name, no --plugin");
      std::cout << ops_markdown(registry);
    } else if (ops_cmd->parsed()) {
      std::cout << ops_text(registry, op_name);
    }
    if (schema_cmd->parsed()) std::cout << schema_json(registry);
    return kOk;
  } catch (...) {
    const ErrorReport report = report_current_exception();
    if (distributed::launcher_rank() == 0) std::cerr << report.message << "\n";  // once, not per rank
    return report.exit_code;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // oneTBB's workers otherwise end while the process exits, racing its teardown: LeakSanitizer
  // then saw a worker already unregistered but its thread-specific data not yet freed by glibc.
  tbb::task_scheduler_handle workers{tbb::attach{}};
  const int rc = graphrun_main(argc, argv);
  distributed::finalize();  // MPI, if a command started it (under mpirun)
  (void)tbb::finalize(workers, std::nothrow);  // false only if another scheduler user is left
  return rc;
}
