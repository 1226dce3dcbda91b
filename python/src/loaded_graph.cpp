#include "loaded_graph.h"

#include "backends/cuda/device.h"
#include "backends/cuda/device_executor.h"
#include "driver/describe.h"
#include "graph/diagnostics.h"
#include "plugin_host/registry.h"

#include <filesystem>
#include <mutex>

namespace graphrun::embed {

struct LoadedGraph::Plan {
  Graph graph;  // after the passes, for one set of input shapes; the executors point at it
  std::unique_ptr<Executor> cpu;
  std::unique_ptr<cuda::DeviceExecutor> device;
};

namespace {

const char* dtype_name(gr_dtype dtype) { return dtype == GR_F64 ? "float64" : "float32"; }

}  // namespace

void load_builtin_plugins(const std::string& builtin_dir, const std::string& fallback_dir) {
  static std::once_flag once;
  std::call_once(once, [&] {
    std::error_code ec;
    Registry::global().load_defaults(std::filesystem::is_directory(builtin_dir, ec) ? builtin_dir : fallback_dir);
  });
}

LoadedGraph::LoadedGraph(const std::string& path, GraphOptions options)
    : graph_(load_graph(path, options.load)), options_(std::move(options)) {
  if (options_.device == DeviceRequest::kCpu) return;
  const cuda::DeviceProbe& probe = cuda::probe_device();
  if (probe.device) {
    on_cuda_ = true;
  } else if (options_.device == DeviceRequest::kCuda) {
    throw DeviceUnavailable("no CUDA device: " + probe.reason);
  } else {
    device_note_ = "device='auto' runs on the CPU: no CUDA device: " + probe.reason;
  }
}

LoadedGraph::~LoadedGraph() = default;

void LoadedGraph::check_inputs(const std::map<std::string, TensorData>& inputs, bool all_given) const {
  std::vector<std::string> names;
  for (const auto& [node, declared] : graph_.input_specs) names.push_back(graph_.nodes[node].id);
  for (const auto& [name, tensor] : inputs)
    if (std::find(names.begin(), names.end(), name) == names.end())
      throw UsageError("the graph has no input '" + name + "'" + did_you_mean(name, names));
  for (const auto& [node, declared] : graph_.input_specs) {
    const std::string& name = graph_.nodes[node].id;
    auto it = inputs.find(name);
    if (it == inputs.end()) {
      if (!all_given) continue;
      throw UsageError("graph input '" + name + "' was not given");
    }
    if (it->second.dtype != graph_.dtype)
      throw UsageError("input '" + name + "' is " + dtype_name(it->second.dtype) + ", the graph computes in " +
                       dtype_name(graph_.dtype));
    if (!matches_declared(it->second.shape, declared))
      throw UsageError("input '" + name + "' has shape " + shape_str(it->second.shape) + ", the graph declares " +
                       shape_str(declared) +
                       (std::find(declared.begin(), declared.end(), -1) != declared.end() ? " (-1 = any size)" : ""));
  }
}

Graph LoadedGraph::planned_copy(const std::map<std::string, TensorData>& inputs) const {
  Graph graph = graph_;
  run_passes(graph, inputs, options_.fuse);
  return graph;
}

const LoadedGraph::Plan& LoadedGraph::plan_for(const std::map<std::string, TensorData>& inputs) const {
  auto same_shapes = [&](const std::vector<Shape>& shapes) {
    size_t k = 0;
    for (const auto& [node, declared] : graph_.input_specs)
      if (inputs.at(graph_.nodes[node].id).shape != shapes[k++]) return false;
    return true;
  };
  std::lock_guard lock(plans_mutex_);
  for (const auto& [shapes, plan] : plans_)
    if (same_shapes(shapes)) return *plan;
  std::vector<Shape> shapes;
  for (const auto& [node, declared] : graph_.input_specs) shapes.push_back(inputs.at(graph_.nodes[node].id).shape);
  auto plan = std::make_unique<Plan>(Plan{planned_copy(inputs), nullptr, nullptr});
  if (on_cuda_)
    plan->device = std::make_unique<cuda::DeviceExecutor>(plan->graph);
  else
    plan->cpu = std::make_unique<Executor>(plan->graph, options_.threads);
  plans_.emplace_back(std::move(shapes), std::move(plan));
  return *plans_.back().second;
}

RunResult LoadedGraph::run(const std::map<std::string, TensorData>& inputs) const {
  check_inputs(inputs, true);
  const Plan& plan = plan_for(inputs);
  RunResult result;
  if (plan.device) {
    result = plan.device->run(inputs, true);
  } else {
    RunObserver observer;
    observer.record_steps = true;
    result = plan.cpu->run(inputs, observer);
  }
  std::lock_guard lock(profile_mutex_);
  last_records_ = std::move(result.records);
  last_plan_ = &plan;
  return result;
}

std::vector<ProfileRecord> LoadedGraph::last_profile() const {
  std::lock_guard lock(profile_mutex_);
  std::vector<ProfileRecord> profile;
  if (!last_plan_) return profile;
  const ExecutionPlan& steps = last_plan_->device ? last_plan_->device->plan() : last_plan_->cpu->plan();
  const auto& step_device = steps.placement().step_device;
  for (const StepRecord& r : last_records_) {
    if (r.step < 0) continue;
    const StepInfo& info = steps.infos()[r.step];
    const bool cuda_step = static_cast<size_t>(r.step) < step_device.size() && step_device[r.step] == Device::kCuda;
    profile.push_back({info.label, info.op, cuda_step ? "cuda" : "cpu", r.start_ns / 1e6, (r.end_ns - r.start_ns) / 1e6,
                       info.bytes_moved, r.thread});
  }
  return profile;
}

std::string LoadedGraph::explain(const std::map<std::string, TensorData>& inputs) const {
  check_inputs(inputs, false);
  return explain_text(planned_copy(inputs));
}

std::string LoadedGraph::dot(const std::map<std::string, TensorData>& inputs) const {
  check_inputs(inputs, false);
  return planned_copy(inputs).to_dot();
}

}  // namespace graphrun::embed
