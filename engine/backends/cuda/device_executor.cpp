#include "backends/cuda/device_executor.h"

#include "backends/cuda/device.h"
#include "backends/cuda/device_pool.h"
#include "backends/cuda/kernel_cache.h"
#include "backends/cuda/nvrtc_compiler.h"
#include "backends/cuda/plugin_kernels.h"
#include "expr/cuda_source.h"
#include "graph/diagnostics.h"
#include "ir/fused_group.h"
#include "plugin_host/registry.h"
#include "plugin_host/running_step.h"
#include "scheduler/device_support.h"
#include "scheduler/graph_capture.h"
#include "scheduler/placement.h"
#include "scheduler/run_state.h"

#include <cuda_runtime_api.h>
#include <nvrtc.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <span>
#include <utility>

namespace graphrun::cuda {
namespace {

// How a step is executed. A step placed on the device without a device implementation (which
// placement no longer produces: device_support.cpp asks the op) would run on the host between
// a copy of its inputs out and a copy of its outputs in, so the placement's memory stays right.
enum class StepKind { kGeneratedKernel, kPluginCudaKernel, kHostForDevice, kHost };

void check(cudaError_t e, const char* call) {
  if (e == cudaSuccess) return;
  cudaGetLastError();  // ours to report, not the next call's
  throw DeviceError(std::string(call) + " failed: " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

// The host's fixed-chunk parallel_for, for the expression evaluator (as executor.cpp does).
void host_parallel_for(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& body) {
  auto trampoline = [](void* ctx, int64_t b, int64_t e) {
    (*static_cast<const std::function<void(int64_t, int64_t)>*>(ctx))(b, e);
  };
  host_services().parallel_for(begin, end, grain, trampoline,
                               const_cast<std::function<void(int64_t, int64_t)>*>(&body));
}

// "file:line:col: node 'id' (op 'x' from plugin) failed: " as the CPU executor says it.
std::string node_failure(const ExecutionPlan& plan, const PlannedStep& step) {
  const Node& node = plan.graph().nodes[step.node];
  std::string op = node.kind == NodeKind::kFused ? "fused group" : "op '" + std::string(step.op->desc.name) + "'";
  if (node.kind != NodeKind::kFused) op += " from " + step.op->plugin;
  return node.loc.str() + ": node '" + node.id + "' (" + op + ") failed on the CUDA device: ";
}

// The node whose output buffer `b` holds (for messages).
std::string buffer_name(const ExecutionPlan& plan, int b) {
  const Graph& g = plan.graph();
  if (plan.buffers()[b].input_node >= 0) return "'" + g.nodes[plan.buffers()[b].input_node].id + "'";
  for (const PlannedStep& s : plan.steps())
    if (std::find(s.out_buffers.begin(), s.out_buffers.end(), b) != s.out_buffers.end())
      return "the output of '" + g.nodes[s.node].id + "'";
  return "buffer " + std::to_string(b);
}

void* need_copy(void* ptr, int b, const char* side) {
  if (!ptr)
    throw std::logic_error("internal error: buffer " + std::to_string(b) + " has no " + side +
                           " copy where the placement says it has one");
  return ptr;
}

// The run's outputs, from the host copies in `host` (blocks of `host_pool`, which the
// outputs now own) or the caller's inputs.
std::vector<TensorData> hand_back_outputs(const ExecutionPlan& p, const std::map<std::string, TensorData>& inputs,
                                          const std::vector<void*>& host, const std::shared_ptr<BufferPool>& host_pool) {
  const Graph& g = p.graph();
  const auto& buffers = p.buffers();
  std::vector<TensorData> outputs;
  std::map<int, std::shared_ptr<void>> owned;  // an output named twice shares its bytes
  for (const auto& [name, ref] : g.outputs) {
    const int b = p.buffer_of(ref);
    TensorData t;
    t.dtype = g.dtype;
    t.shape = buffers[b].shape;
    if (buffers[b].input_node >= 0) {
      t.data = inputs.at(g.nodes[buffers[b].input_node].id).data;
    } else {
      auto& o = owned[b];
      if (!o) o = std::shared_ptr<void>(host[b], [pool = host_pool](void* ptr) { pool->release(ptr); });
      t.data = o;
    }
    outputs.push_back(std::move(t));
  }
  return outputs;
}

// The sm_XX graphrun compiles for on a device of this compute capability (cubins run on later
// minor versions of the same major one).
int kernel_arch(const DeviceInfo& device) {
  if (device.cc_major == 8) return 80;
  if (device.cc_major == 9) return 90;
  throw DeviceUnavailable("--device cuda: " + device.name + " has compute capability " +
                          std::to_string(device.cc_major) + "." + std::to_string(device.cc_minor) +
                          "; this graphrun compiles its kernels for 8.x and 9.x");
}

std::string nvrtc_version() {
  int major = 0, minor = 0;
  if (nvrtcVersion(&major, &minor) != NVRTC_SUCCESS) return "NVRTC unknown";
  return "NVRTC " + std::to_string(major) + "." + std::to_string(minor);
}

struct LoadedKernel {
  cudaLibrary_t library = nullptr;
  cudaKernel_t kernel = nullptr;
  expr::KernelLaunch launch;
};

// Scratch blocks a plugin's cuda_kernel asked for; freed (stream-ordered) after its call.
struct Scratch {
  DevicePool* pool = nullptr;
  PoolUsage* usage = nullptr;
  std::vector<void*> blocks;
  ~Scratch() {
    for (void* b : blocks) try {
        pool->release(b, usage);
      } catch (...) {  // a broken stream: the run reports its own error
      }
  }
};

void* scratch_block(void* context, size_t bytes) {
  auto* scratch = static_cast<Scratch*>(context);
  try {
    scratch->blocks.push_back(nullptr);  // room first, so a block is never lost
    scratch->blocks.back() = scratch->pool->allocate(bytes, scratch->usage);
    return scratch->blocks.back();
  } catch (...) {
    scratch->blocks.pop_back();
    return nullptr;  // DeviceCall: null when the device is full
  }
}

}  // namespace

struct DeviceExecutor::State {
  std::unique_ptr<ExecutionPlan> plan;
  DeviceInfo device;
  cudaStream_t stream = nullptr;
  std::unique_ptr<DevicePool> pool;
  std::shared_ptr<BufferPool> host_pool = std::make_shared<BufferPool>();
  std::vector<StepKind> kinds;                       // per step
  std::vector<LoadedKernel> kernels;                 // per step (kGeneratedKernel only)
  std::vector<LoadedKernel> epilogues;               // per step (a plugin CUDA kernel's node epilogue)
  std::vector<std::vector<Transfer>> transfers;      // per step, and one more for after the last
  std::vector<std::vector<int>> free_device_after;   // per step (+1): device copies last used there
  std::vector<std::vector<int>> free_host_after;     // per step (+1): host copies last used there
  std::unique_ptr<RunState> run;                     // the headers and gr_nodes of the (one) run
  std::vector<cudaEvent_t> events;                   // per step, start and end (made when first profiled)
  DeviceChecks checks;                               // plugin kernels' cuda_check (API 2.5)

  ~State() {
    pool.reset();  // synchronizes the stream and frees what is left
    for (cudaEvent_t e : events) cudaEventDestroy(e);
    for (auto* loaded : {&kernels, &epilogues})
      for (LoadedKernel& k : *loaded)
        if (k.library) cudaLibraryUnload(k.library);
    if (stream) cudaStreamDestroy(stream);
  }

  void compile_kernels();
  void plan_copies();
  RunResult run_once(const std::map<std::string, TensorData>& inputs, bool record_steps);
  std::vector<StepRecord> step_records(const std::vector<uint64_t>& live_bytes) const;
  std::unique_ptr<CapturedRun::Replay> capture();

  // Points step i's tensor headers in `rs` at `in` / `out` (per port) in memory space `memory`.
  void point(RunState& rs, int i, const std::vector<void*>& in, const std::vector<void*>& out, gr_memory memory) const;
  void call_plugin(RunState& rs, int i, gr_kernel_fn kernel) const;
  // Runs step i on the host with its inputs at `in` and outputs at `out` (host memory).
  void run_on_host(RunState& rs, int i, const std::vector<void*>& in, const std::vector<void*>& out) const;
  // Queues a generated kernel over device pointers `in` then `out` (its parameters).
  void launch(const LoadedKernel& k, std::vector<void*> in, std::vector<void*> out) const;
  // Queues device step i (a generated kernel, or a plugin's CUDA kernel and its epilogue)
  // over device pointers; the plugin's cuda_check copies go to `step_checks`.
  void enqueue_on_device(RunState& rs, DeviceChecks& step_checks, int i, const std::vector<void*>& in,
                         const std::vector<void*>& out);
};

// A plugin's CUDA kernel computes its op alone: the node's epilogue (the elementwise chain
// fused into it, which a CPU kernel applies chunk by chunk through the host's evaluator) is
// applied after it, by a generated kernel run in place on the first output
// (needs_epilogue_kernel) -- unless the op is flagged GR_OP_CUDA_EPILOGUE: its kernel is then
// handed the epilogue and applies it itself (cuda_kernel_applies_epilogue).

void DeviceExecutor::State::compile_kernels() {
  const auto& steps = plan->steps();
  const auto& buffers = plan->buffers();
  const Graph& graph = plan->graph();
  auto needed = [&](size_t i) {
    return kinds[i] == StepKind::kGeneratedKernel ||
           (kinds[i] == StepKind::kPluginCudaKernel && needs_epilogue_kernel(graph.nodes[steps[i].node]));
  };
  // Per step, needed or not: enqueue_on_device looks up every plugin kernel's epilogue.
  kernels.assign(steps.size(), {});
  epilogues.assign(steps.size(), {});
  bool any = false;
  for (size_t i = 0; i < steps.size(); ++i) any = any || needed(i);
  if (!any) return;
  const int arch = kernel_arch(device);
  const std::vector<NamedHeader> headers = {{expr::kElementwiseMathHeaderName, expr::elementwise_math_header()}};
  // Compiles (or finds in the cache) and loads the kernel of `program` over `layout`, whose
  // parameters must be the step's `inputs` inputs and `outputs` outputs.
  auto load = [&](const expr::Program& program, const expr::KernelLayout& layout, size_t inputs, size_t outputs) {
    expr::KernelSource source = expr::generate_cuda_kernel(program, graph.dtype, layout);
    if (static_cast<size_t>(source.launch.num_inputs) != inputs ||
        static_cast<size_t>(source.launch.num_outputs) != outputs)
      throw std::logic_error("internal error: the generated kernel's parameters do not match the step's ports");
    const KernelKey key{source.source, "sm_" + std::to_string(arch), nvrtc_version(), nvrtc_options(arch)};
    const KernelImage& image = KernelCache::process_cache().get_or_compile(key, [&] {
      CompiledModule module = compile_cuda_source(source.source, source.launch.kernel_name, headers, arch);
      return KernelImage(module.cubin.begin(), module.cubin.end());
    });
    LoadedKernel k;
    k.launch = source.launch;
    check(cudaLibraryLoadData(&k.library, image.data(), nullptr, nullptr, 0, nullptr, nullptr, 0),
          "cudaLibraryLoadData");
    check(cudaLibraryGetKernel(&k.kernel, k.library, k.launch.kernel_name.c_str()), "cudaLibraryGetKernel");
    return k;
  };
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!needed(i)) continue;
    const PlannedStep& s = steps[i];
    try {
      expr::KernelLayout layout;
      layout.out_shape = buffers[s.out_buffers.at(0)].shape;
      if (kinds[i] == StepKind::kGeneratedKernel) {
        for (int b : s.in_buffers) layout.in_shapes.push_back(buffers[b].shape);
        kernels[i] = load(*s.program, layout, s.in_buffers.size(), s.out_buffers.size());
      } else {
        layout.in_shapes = {layout.out_shape};  // the op's value, read and written in place
        epilogues[i] = load(*graph.nodes[s.node].epilogue->program, layout, 1, 1);
      }
    } catch (const std::exception& e) {
      throw RunError(node_failure(*plan, s) + e.what());
    }
  }
}

// Which copies each iteration frees: iteration i is the transfers before step i, then step i;
// iteration n (the number of steps) is the transfers after the last step. A copy goes after
// the last iteration that reads or writes it; graph inputs (the caller's) and the host copies
// of graph outputs (handed back) are never freed by the run.
void DeviceExecutor::State::plan_copies() {
  const auto& steps = plan->steps();
  const auto& buffers = plan->buffers();
  const Placement& placement = plan->placement();
  const int n = static_cast<int>(steps.size());
  std::vector<int> device_last(buffers.size(), -1), host_last(buffers.size(), -1);
  auto use = [](std::vector<int>& last, int b, int at) { last[b] = std::max(last[b], at); };
  for (int i = 0; i < n; ++i) {
    std::vector<int>& last = kinds[i] == StepKind::kHost ? host_last : device_last;
    for (int b : steps[i].distinct_in_buffers) use(last, b, i);
    for (int b : steps[i].out_buffers) use(last, b, i);
  }
  transfers.assign(n + 1, {});
  for (const Transfer& t : placement.transfers) {
    transfers.at(t.before_step).push_back(t);
    use(device_last, t.buffer, t.before_step);
    use(host_last, t.buffer, t.before_step);
  }
  free_device_after.assign(n + 1, {});
  free_host_after.assign(n + 1, {});
  for (size_t b = 0; b < buffers.size(); ++b) {
    if (device_last[b] >= 0) free_device_after[device_last[b]].push_back(static_cast<int>(b));
    if (host_last[b] >= 0 && !buffers[b].pinned && buffers[b].input_node < 0)
      free_host_after[host_last[b]].push_back(static_cast<int>(b));
  }
}

DeviceExecutor::DeviceExecutor(const Graph& graph) : state_(std::make_unique<State>()) {
  const DeviceProbe& probe = probe_device();
  if (!probe.device) throw DeviceUnavailable("no CUDA device: " + probe.reason);
  State& st = *state_;
  st.device = *probe.device;
  st.plan = std::make_unique<ExecutionPlan>(graph, Device::kCuda);
  try {
    check(cudaSetDevice(st.device.index), "cudaSetDevice");
    check(cudaStreamCreateWithFlags(&st.stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    st.pool = std::make_unique<DevicePool>(st.device.index, st.stream);
  } catch (const DeviceError& e) {
    throw DeviceUnavailable("--device cuda: " + st.device.name + " cannot be used: " + e.what());
  }
  const auto& steps = st.plan->steps();
  const Placement& placement = st.plan->placement();
  for (size_t i = 0; i < steps.size(); ++i) {
    const PlannedStep& s = steps[i];
    if (placement.step_device[i] != Device::kCuda) st.kinds.push_back(StepKind::kHost);
    else if (s.program) st.kinds.push_back(StepKind::kGeneratedKernel);
    else if (s.op && s.op->desc.cuda_kernel) st.kinds.push_back(StepKind::kPluginCudaKernel);
    else st.kinds.push_back(StepKind::kHostForDevice);
  }
  st.plan_copies();
  st.compile_kernels();
  st.run = std::make_unique<RunState>(*st.plan);
}

DeviceExecutor::~DeviceExecutor() = default;

const ExecutionPlan& DeviceExecutor::plan() const { return *state_->plan; }

uint64_t DeviceExecutor::device_bytes_in_use() const { return state_->pool->in_use(); }

RunResult DeviceExecutor::run(const std::map<std::string, TensorData>& inputs, bool record_steps) const {
  std::lock_guard lock(run_mutex_);
  return state_->run_once(inputs, record_steps);
}

// Each step's time from its two events, since the first step's start (the stream is synchronized).
std::vector<StepRecord> DeviceExecutor::State::step_records(const std::vector<uint64_t>& live_bytes) const {
  std::vector<StepRecord> records;
  if (events.empty()) return records;
  auto since_start_ns = [&](cudaEvent_t e) {
    float ms = 0;
    check(cudaEventElapsedTime(&ms, events[0], e), "cudaEventElapsedTime");
    return static_cast<int64_t>(static_cast<double>(ms) * 1e6);
  };
  for (size_t i = 0; i < kinds.size(); ++i)
    records.push_back({static_cast<int>(i), since_start_ns(events[2 * i]), since_start_ns(events[2 * i + 1]),
                       kinds[i] == StepKind::kGeneratedKernel || kinds[i] == StepKind::kPluginCudaKernel
                           ? StepRecord::kCudaStreamRow
                           : StepRecord::kHostRow,
                       live_bytes[i]});
  return records;
}

void DeviceExecutor::State::point(RunState& rs, int i, const std::vector<void*>& in, const std::vector<void*>& out,
                                  gr_memory memory) const {
  const PlannedStep& s = plan->steps()[i];
  const int32_t ordinal = memory == GR_MEMORY_DEVICE ? device.index : 0;
  for (size_t k = 0; k < s.in_buffers.size(); ++k) {
    gr_tensor& t = rs.inputs[s.first_input + k];
    t.data = in[k], t.memory = memory, t.device = ordinal;
  }
  for (size_t k = 0; k < s.out_buffers.size(); ++k) {
    gr_tensor& t = rs.outputs[s.first_output + k];
    t.data = out[k], t.memory = memory, t.device = ordinal;
  }
}

void DeviceExecutor::State::call_plugin(RunState& rs, int i, gr_kernel_fn kernel) const {
  const PlannedStep& s = plan->steps()[i];
  gr_status status{};
  if (kernel(s.op->desc.user, &rs.nodes[i], rs.output_ptrs.data() + s.first_output,
             static_cast<int32_t>(s.out_buffers.size()), &status) != GR_OK)
    throw RunError(std::string(status.message, strnlen(status.message, sizeof status.message)));
}

void DeviceExecutor::State::run_on_host(RunState& rs, int i, const std::vector<void*>& in,
                                        const std::vector<void*>& out) const {
  const PlannedStep& s = plan->steps()[i];
  point(rs, i, in, out, GR_MEMORY_HOST);
  RunningStepScope running(&rs.running[i]);
  if (s.program)
    expr::eval_tensors(*s.program, plan->graph().dtype,
                       std::span<const gr_tensor>(rs.inputs.data() + s.first_input, in.size()),
                       std::span<gr_tensor>(rs.outputs.data() + s.first_output, out.size()), host_parallel_for);
  else
    call_plugin(rs, i, s.op->desc.cpu_kernel);
}

void DeviceExecutor::State::launch(const LoadedKernel& k, std::vector<void*> in, std::vector<void*> out) const {
  std::vector<void*> args;
  for (void*& ptr : in) args.push_back(&ptr);
  for (void*& ptr : out) args.push_back(&ptr);
  const int64_t grid = k.launch.grid_size(32 * int64_t{device.multiprocessors});
  if (grid > 0)
    check(cudaLaunchKernel(reinterpret_cast<const void*>(k.kernel), dim3(static_cast<unsigned>(grid)),
                           dim3(static_cast<unsigned>(k.launch.block_size)), args.data(), 0, stream),
          "cudaLaunchKernel");
}

void DeviceExecutor::State::enqueue_on_device(RunState& rs, DeviceChecks& step_checks, int i,
                                              const std::vector<void*>& in, const std::vector<void*>& out) {
  const PlannedStep& s = plan->steps()[i];
  if (kinds[i] == StepKind::kGeneratedKernel) {
    launch(kernels[i], in, out);
  } else {
    point(rs, i, in, out, GR_MEMORY_DEVICE);
    Scratch scratch{pool.get(), &rs.usage, {}};
    const int cc = device.cc_major * 10 + device.cc_minor;
    PluginKernels generated(stream, cc, i, &rs.nodes[i], step_checks);
    const DeviceCall call{stream, cc, &scratch_block, &scratch, &generated};
    rs.running[i].device = &call;
    struct Unset {
      RunningStep& r;
      ~Unset() { r.device = nullptr; }
    } unset{rs.running[i]};
    RunningStepScope running(&rs.running[i]);
    // The epilogue goes to a kernel that applies it itself; for any other it is applied
    // below, on the device (a kernel then sees none).
    if (!cuda_kernel_applies_epilogue(plan->graph().nodes[s.node])) rs.nodes[i].epilogue = nullptr;
    call_plugin(rs, i, s.op->desc.cuda_kernel);
    if (epilogues[i].kernel) launch(epilogues[i], {out[0]}, {out[0]});
  }
  check(cudaGetLastError(), "launching the kernel");
}

RunResult DeviceExecutor::State::run_once(const std::map<std::string, TensorData>& inputs, bool record_steps) {
  const ExecutionPlan& p = *plan;
  const Graph& g = p.graph();
  const auto& buffers = p.buffers();
  const auto& steps = p.steps();
  const int n = static_cast<int>(steps.size());
  RunState& rs = *run;
  rs.reset(nullptr, false);
  std::vector<void*> host = graph_input_data(p, inputs), dev(buffers.size(), nullptr);
  auto owned_host = [&](int b) { return host[b] && buffers[b].input_node < 0; };
  checks.clear();
  int at = -1;              // the step being run (or whose transfers are being made)
  // After each synchronization: the plugin kernels' checks (cuda_check), a failure at its node.
  auto sync = [&] {
    check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    DeviceChecks::Failure failure = checks.run();
    if (failure.step >= 0) {
      at = failure.step;
      throw RunError(failure.message);
    }
  };
  auto need = [&](void* ptr, int b, const char* side) { return need_copy(ptr, b, side); };

  std::vector<StepRecord> records;
  std::vector<uint64_t> live_bytes;  // per step, with record_steps: device bytes held after it
  std::string action;       // what failed, when it is not the step itself
  try {
    check(cudaSetDevice(device.index), "cudaSetDevice");  // per thread: runs may come from any
    if (record_steps && events.empty()) {
      events.resize(2 * static_cast<size_t>(n), nullptr);
      for (cudaEvent_t& e : events) check(cudaEventCreate(&e), "cudaEventCreate");
    }
    if (record_steps) live_bytes.assign(static_cast<size_t>(n), 0);
    for (int i = 0; i <= n; ++i) {
      at = -1;  // a failing copy names the value copied, not a step
      if (record_steps && i < n) check(cudaEventRecord(events[2 * i], stream), "cudaEventRecord");
      for (const Transfer& t : transfers[i]) {
        const int b = t.buffer;
        action = "copying " + buffer_name(p, b) + " (" + std::to_string(buffers[b].bytes) + " bytes) " +
                 (t.direction == TransferDirection::kToDevice ? "to the device" : "to the host");
        if (t.direction == TransferDirection::kToDevice) {
          dev[b] = pool->allocate(buffers[b].bytes, &rs.usage);
          check(cudaMemcpyAsync(dev[b], need(host[b], b, "host"), buffers[b].bytes, cudaMemcpyHostToDevice, stream),
                "cudaMemcpyAsync (to the device)");
        } else {
          host[b] = host_pool->allocate(buffers[b].bytes);
          check(cudaMemcpyAsync(host[b], need(dev[b], b, "device"), buffers[b].bytes, cudaMemcpyDeviceToHost, stream),
                "cudaMemcpyAsync (to the host)");
        }
      }
      action.clear();
      at = i;
      if (i < n) {
        const PlannedStep& s = steps[i];
        std::vector<void*> in, out;
        switch (kinds[i]) {
          case StepKind::kHost: {
            sync();  // the device work its inputs' copies wait for
            for (int b : s.in_buffers) in.push_back(need(host[b], b, "host"));
            for (int b : s.out_buffers) out.push_back(host[b] = host_pool->allocate(buffers[b].bytes));
            run_on_host(rs, i, in, out);
            break;
          }
          case StepKind::kGeneratedKernel:
          case StepKind::kPluginCudaKernel: {
            for (int b : s.in_buffers) in.push_back(need(dev[b], b, "device"));
            for (int b : s.out_buffers) out.push_back(dev[b] = pool->allocate(buffers[b].bytes, &rs.usage));
            enqueue_on_device(rs, checks, i, in, out);
            break;
          }
          case StepKind::kHostForDevice: {
            // Inputs copied out to temporary host blocks (unless a host copy exists), the
            // kernel run there, its outputs copied into their device buffers.
            std::vector<void*> temporary;
            struct Release {
              BufferPool& pool;
              std::vector<void*>& blocks;
              ~Release() {
                for (void* block : blocks) pool.release(block);
              }
            } release{*host_pool, temporary};
            for (int b : s.in_buffers) {
              if (host[b]) {
                in.push_back(host[b]);
                continue;
              }
              temporary.push_back(host_pool->allocate(buffers[b].bytes));
              in.push_back(temporary.back());
              check(cudaMemcpyAsync(in.back(), need(dev[b], b, "device"), buffers[b].bytes, cudaMemcpyDeviceToHost,
                                    stream),
                    "cudaMemcpyAsync (to the host)");
            }
            for (int b : s.out_buffers) {
              temporary.push_back(host_pool->allocate(buffers[b].bytes));
              out.push_back(temporary.back());
            }
            sync();
            run_on_host(rs, i, in, out);
            for (size_t k = 0; k < s.out_buffers.size(); ++k) {
              const int b = s.out_buffers[k];
              dev[b] = pool->allocate(buffers[b].bytes, &rs.usage);
              check(cudaMemcpyAsync(dev[b], out[k], buffers[b].bytes, cudaMemcpyHostToDevice, stream),
                    "cudaMemcpyAsync (to the device)");
            }
            sync();  // the temporary blocks are read by the copies
            break;
          }
        }
      }
      if (record_steps && i < n) {
        check(cudaEventRecord(events[2 * i + 1], stream), "cudaEventRecord");
        live_bytes[i] = rs.usage.live.load(std::memory_order_relaxed);
      }
      // Stream-ordered: a device block freed here is reused only by work enqueued later.
      for (int b : free_device_after[i]) pool->release(std::exchange(dev[b], nullptr), &rs.usage);
      if (!free_host_after[i].empty()) {
        sync();  // a host block may still be the target of a copy in flight
        for (int b : free_host_after[i])
          if (owned_host(b)) host_pool->release(std::exchange(host[b], nullptr));
      }
    }
    sync();  // the outputs' copies to the host
    // Nothing is left on the device once the last copy is made (plan_copies), and the host
    // holds only the outputs: this frees whatever a placement rule did not foresee.
    for (size_t b = 0; b < buffers.size(); ++b) {
      if (dev[b]) pool->release(std::exchange(dev[b], nullptr), &rs.usage);
      if (owned_host(static_cast<int>(b)) && !buffers[b].pinned) host_pool->release(std::exchange(host[b], nullptr));
    }
    for (const auto& [name, ref] : g.outputs) need(host[p.buffer_of(ref)], p.buffer_of(ref), "host");
    if (record_steps) records = step_records(live_bytes);
  } catch (const std::exception& e) {
    // Give back everything the run holds, whatever state the stream is in.
    cudaStreamSynchronize(stream);
    cudaGetLastError();
    checks.clear();
    for (size_t b = 0; b < buffers.size(); ++b) {
      try {
        if (dev[b]) pool->release(dev[b], &rs.usage);
      } catch (...) {  // a broken context: the block goes with it
      }
      if (owned_host(static_cast<int>(b))) host_pool->release(host[b]);
    }
    std::string message = e.what();
    if (!action.empty()) message = action + ": " + message;
    if (at >= 0 && at < n) message = node_failure(p, steps[at]) + message;
    throw RunError(message);
  }
  RunResult result;
  result.peak_bytes = rs.usage.peak.load(std::memory_order_relaxed);
  result.records = std::move(records);
  result.outputs = hand_back_outputs(p, inputs, host, host_pool);
  return result;
}

// ---- --repeat as a CUDA graph ----

struct CapturedRun::Replay {
  DeviceExecutor::State* st = nullptr;
  GraphCapture plan;
  std::unique_ptr<RunState> run;  // its own headers and gr_nodes: the graph's checks read them
  DeviceChecks checks;            // its own pinned copies: each launch writes them again
  std::vector<void*> fixed;       // per buffer: the device block of a copy in or out (else null)
  uint64_t peak_bytes = 0;        // device bytes of the captured run at its peak
  cudaGraphExec_t exec = nullptr;
  size_t nodes = 0;
  cudaEvent_t launched = nullptr, done = nullptr;  // around the graph launch
  double last_ms = 0;

  ~Replay() {
    if (st->stream) cudaStreamSynchronize(st->stream);
    if (exec) cudaGraphExecDestroy(exec);
    for (cudaEvent_t e : {launched, done})
      if (e) cudaEventDestroy(e);
    for (void* block : fixed)
      try {
        if (block) st->pool->release(block, &run->usage);
      } catch (...) {  // a broken context: the block goes with it
      }
    cudaStreamSynchronize(st->stream);
    cudaDeviceGraphMemTrim(st->device.index);  // the graph's own blocks go back to the driver
    cudaGetLastError();
  }
};

// Capture, in outline: the device blocks of the copies in and out are allocated first,
// outside the graph, so that each launch finds its inputs where the copies put them and
// leaves its outputs where the copies out read them. Every other device block is allocated
// and freed inside the capture (cudaMallocAsync and cudaFreeAsync become graph memory nodes),
// in the plan's order, so the graph holds no more at once than a run does.
std::unique_ptr<CapturedRun::Replay> DeviceExecutor::State::capture() {
  const ExecutionPlan& p = *plan;
  const auto& buffers = p.buffers();
  const auto& steps = p.steps();
  auto r = std::make_unique<CapturedRun::Replay>();
  r->st = this;
  r->plan = plan_graph_capture(p.graph(), placement_problem(p), p.placement());
  if (r->plan.refusal) throw GraphCaptureRefused(*r->plan.refusal);
  for (int i : r->plan.device_steps)
    if (kinds[i] == StepKind::kHostForDevice)
      throw GraphCaptureRefused("node '" + p.graph().nodes[steps[i].node].id + "' has no CUDA kernel of its own");
  r->run = std::make_unique<RunState>(p);
  RunState& rs = *r->run;
  rs.reset(nullptr, false);
  r->fixed.assign(buffers.size(), nullptr);
  std::vector<void*> dev;  // during the capture: the fixed blocks and the graph's own
  auto graph_owned = [&](int b) { return dev[b] && !r->fixed[b]; };
  cudaGraph_t graph = nullptr;
  int at = -1;
  try {
    check(cudaSetDevice(device.index), "cudaSetDevice");
    for (const std::vector<int>* copies : {&r->plan.copies_in, &r->plan.copies_out})
      for (int b : *copies)
        if (!r->fixed[b]) r->fixed[b] = pool->allocate(buffers[b].bytes, &rs.usage);
    check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    dev = r->fixed;
    // Relaxed: a library's first call may still allocate (cudaMalloc) while we capture.
    check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed), "cudaStreamBeginCapture");
    try {
      for (int i : r->plan.device_steps) {
        at = i;
        const PlannedStep& s = steps[i];
        std::vector<void*> in, out;
        for (int b : s.in_buffers) in.push_back(need_copy(dev[b], b, "device"));
        for (int b : s.out_buffers)
          out.push_back(dev[b] ? dev[b] : (dev[b] = pool->allocate(buffers[b].bytes, &rs.usage)));
        enqueue_on_device(rs, r->checks, i, in, out);
        for (int b : free_device_after[i])
          if (graph_owned(b)) pool->release(std::exchange(dev[b], nullptr), &rs.usage);
      }
      at = -1;
      for (size_t b = 0; b < buffers.size(); ++b)
        if (graph_owned(static_cast<int>(b))) pool->release(std::exchange(dev[b], nullptr), &rs.usage);
    } catch (...) {
      cudaStreamEndCapture(stream, &graph);  // ends the capture; what it made is dropped
      throw;
    }
    check(cudaStreamEndCapture(stream, &graph), "cudaStreamEndCapture");
    check(cudaGraphGetNodes(graph, nullptr, &r->nodes), "cudaGraphGetNodes");
    check(cudaGraphInstantiate(&r->exec, graph, 0), "cudaGraphInstantiate");
    cudaGraphDestroy(graph);
    check(cudaEventCreate(&r->launched), "cudaEventCreate");
    check(cudaEventCreate(&r->done), "cudaEventCreate");
  } catch (const std::exception& e) {
    if (graph) cudaGraphDestroy(graph);
    cudaGetLastError();
    for (size_t b = 0; b < dev.size(); ++b)
      if (graph_owned(static_cast<int>(b))) pool->abandon(dev[b], &rs.usage);
    std::string message = e.what();
    if (at >= 0) message = "capturing node '" + p.graph().nodes[steps[at].node].id + "' failed: " + message;
    throw GraphCaptureRefused(message);  // ~Replay gives back the fixed blocks
  }
  r->peak_bytes = rs.usage.peak.load(std::memory_order_relaxed);
  return r;
}

std::unique_ptr<CapturedRun> DeviceExecutor::capture() const {
  std::lock_guard lock(run_mutex_);
  return std::unique_ptr<CapturedRun>(new CapturedRun(*this, state_->capture()));
}

CapturedRun::CapturedRun(const DeviceExecutor& executor, std::unique_ptr<Replay> replay)
    : executor_(executor), replay_(std::move(replay)) {}

CapturedRun::~CapturedRun() {
  std::lock_guard lock(executor_.run_mutex_);
  replay_.reset();
}

size_t CapturedRun::graph_nodes() const { return replay_->nodes; }

double CapturedRun::last_graph_ms() const {
  std::lock_guard lock(executor_.run_mutex_);
  return replay_->last_ms;
}

RunResult CapturedRun::run(const std::map<std::string, TensorData>& inputs) const {
  std::lock_guard lock(executor_.run_mutex_);
  Replay& r = *replay_;
  DeviceExecutor::State& st = *r.st;
  const ExecutionPlan& p = *st.plan;
  const auto& buffers = p.buffers();
  const auto& steps = p.steps();
  RunState& rs = *r.run;
  std::vector<void*> host = graph_input_data(p, inputs);
  auto owned_host = [&](int b) { return host[b] && buffers[b].input_node < 0; };
  std::vector<bool> output(buffers.size(), false);
  for (const auto& [name, ref] : p.graph().outputs) output[p.buffer_of(ref)] = true;
  int at = -1;
  try {
    check(cudaSetDevice(st.device.index), "cudaSetDevice");
    for (int i : r.plan.host_steps) {
      at = i;
      std::vector<void*> in, out;
      for (int b : steps[i].in_buffers) in.push_back(need_copy(host[b], b, "host"));
      for (int b : steps[i].out_buffers) out.push_back(host[b] = st.host_pool->allocate(buffers[b].bytes));
      st.run_on_host(rs, i, in, out);
    }
    at = -1;
    for (int b : r.plan.copies_in)
      check(cudaMemcpyAsync(r.fixed[b], need_copy(host[b], b, "host"), buffers[b].bytes, cudaMemcpyHostToDevice,
                            st.stream),
            "cudaMemcpyAsync (to the device)");
    check(cudaEventRecord(r.launched, st.stream), "cudaEventRecord");
    check(cudaGraphLaunch(r.exec, st.stream), "cudaGraphLaunch");
    check(cudaEventRecord(r.done, st.stream), "cudaEventRecord");
    for (int b : r.plan.copies_out) {
      host[b] = st.host_pool->allocate(buffers[b].bytes);
      check(cudaMemcpyAsync(host[b], r.fixed[b], buffers[b].bytes, cudaMemcpyDeviceToHost, st.stream),
            "cudaMemcpyAsync (to the host)");
    }
    check(cudaStreamSynchronize(st.stream), "cudaStreamSynchronize (after the CUDA graph)");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, r.launched, r.done), "cudaEventElapsedTime");
    r.last_ms = ms;
    DeviceChecks::Failure failure = r.checks.run_kept();
    if (failure.step >= 0) {
      at = failure.step;
      throw RunError(failure.message);
    }
  } catch (const std::exception& e) {
    cudaStreamSynchronize(st.stream);
    cudaGetLastError();
    for (size_t b = 0; b < buffers.size(); ++b)
      if (owned_host(static_cast<int>(b))) st.host_pool->release(host[b]);
    throw RunError((at >= 0 ? node_failure(p, steps[at]) : std::string("replaying the run's CUDA graph: ")) + e.what());
  }
  for (size_t b = 0; b < buffers.size(); ++b)
    if (owned_host(static_cast<int>(b)) && !output[b]) st.host_pool->release(std::exchange(host[b], nullptr));
  RunResult result;
  result.peak_bytes = r.peak_bytes;
  result.outputs = hand_back_outputs(p, inputs, host, st.host_pool);
  return result;
}

}  // namespace graphrun::cuda
