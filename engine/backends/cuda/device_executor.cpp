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
  kernels.resize(steps.size());
  epilogues.resize(steps.size());
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
    records.push_back({static_cast<int>(i), since_start_ns(events[2 * i]), since_start_ns(events[2 * i + 1]), 0,
                       live_bytes[i]});
  return records;
}

RunResult DeviceExecutor::State::run_once(const std::map<std::string, TensorData>& inputs, bool record_steps) {
  const ExecutionPlan& p = *plan;
  const Graph& g = p.graph();
  const auto& buffers = p.buffers();
  const auto& steps = p.steps();
  const int n = static_cast<int>(steps.size());
  RunState& rs = *run;
  rs.reset(nullptr, false);
  std::vector<void*> host(buffers.size(), nullptr), dev(buffers.size(), nullptr);
  for (size_t b = 0; b < buffers.size(); ++b) {
    const int node = buffers[b].input_node;
    if (node < 0) continue;
    auto it = inputs.find(g.nodes[node].id);
    if (it == inputs.end())
      throw RunError("graph input '" + g.nodes[node].id + "' was not given (use --input " + g.nodes[node].id + "=FILE)");
    if (it->second.shape != buffers[b].shape)
      throw RunError("graph input '" + g.nodes[node].id + "' has shape " + shape_str(it->second.shape) +
                     ", the graph was planned for " + shape_str(buffers[b].shape));
    host[b] = it->second.data.get();
  }
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
  auto need = [&](void* ptr, int b, const char* side) {
    if (!ptr)
      throw std::logic_error("internal error: buffer " + std::to_string(b) + " has no " + side +
                             " copy where the placement says it has one");
    return ptr;
  };
  // Points step i's tensor headers at `in` / `out` (per port) in memory space `memory`.
  auto point = [&](int i, const std::vector<void*>& in, const std::vector<void*>& out, gr_memory memory) {
    const PlannedStep& s = steps[i];
    const int32_t ordinal = memory == GR_MEMORY_DEVICE ? device.index : 0;
    for (size_t k = 0; k < s.in_buffers.size(); ++k) {
      gr_tensor& t = rs.inputs[s.first_input + k];
      t.data = in[k], t.memory = memory, t.device = ordinal;
    }
    for (size_t k = 0; k < s.out_buffers.size(); ++k) {
      gr_tensor& t = rs.outputs[s.first_output + k];
      t.data = out[k], t.memory = memory, t.device = ordinal;
    }
  };
  auto call_plugin = [&](int i, gr_kernel_fn kernel) {
    const PlannedStep& s = steps[i];
    gr_status status{};
    if (kernel(s.op->desc.user, &rs.nodes[i], rs.output_ptrs.data() + s.first_output,
               static_cast<int32_t>(s.out_buffers.size()), &status) != GR_OK)
      throw RunError(std::string(status.message, strnlen(status.message, sizeof status.message)));
  };
  // Runs step i on the host with its inputs at `in` and outputs at `out` (host memory).
  auto run_on_host = [&](int i, const std::vector<void*>& in, const std::vector<void*>& out) {
    const PlannedStep& s = steps[i];
    point(i, in, out, GR_MEMORY_HOST);
    RunningStepScope running(&rs.running[i]);
    if (s.program)
      expr::eval_tensors(*s.program, g.dtype, std::span<const gr_tensor>(rs.inputs.data() + s.first_input, in.size()),
                         std::span<gr_tensor>(rs.outputs.data() + s.first_output, out.size()), host_parallel_for);
    else
      call_plugin(i, s.op->desc.cpu_kernel);
  };

  // Queues a generated kernel over device pointers `in` then `out` (its parameters).
  auto launch = [&](const LoadedKernel& k, std::vector<void*> in, std::vector<void*> out) {
    std::vector<void*> args;
    for (void*& ptr : in) args.push_back(&ptr);
    for (void*& ptr : out) args.push_back(&ptr);
    const int64_t grid = k.launch.grid_size(32 * int64_t{device.multiprocessors});
    if (grid > 0)
      check(cudaLaunchKernel(reinterpret_cast<const void*>(k.kernel), dim3(static_cast<unsigned>(grid)),
                             dim3(static_cast<unsigned>(k.launch.block_size)), args.data(), 0, stream),
            "cudaLaunchKernel");
  };

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
            run_on_host(i, in, out);
            break;
          }
          case StepKind::kGeneratedKernel:
          case StepKind::kPluginCudaKernel: {
            for (int b : s.in_buffers) in.push_back(need(dev[b], b, "device"));
            for (int b : s.out_buffers) out.push_back(dev[b] = pool->allocate(buffers[b].bytes, &rs.usage));
            if (kinds[i] == StepKind::kGeneratedKernel) {
              launch(kernels[i], in, out);
            } else {
              point(i, in, out, GR_MEMORY_DEVICE);
              Scratch scratch{pool.get(), &rs.usage, {}};
              PluginKernels generated(stream, device.cc_major * 10 + device.cc_minor, i, &rs.nodes[i], checks);
              const DeviceCall call{stream, device.cc_major * 10 + device.cc_minor, &scratch_block, &scratch, &generated};
              rs.running[i].device = &call;
              struct Unset {
                RunningStep& r;
                ~Unset() { r.device = nullptr; }
              } unset{rs.running[i]};
              RunningStepScope running(&rs.running[i]);
              // The epilogue goes to a kernel that applies it itself; for any other it is
              // applied below, on the device (a kernel then sees none).
              if (!cuda_kernel_applies_epilogue(g.nodes[s.node])) rs.nodes[i].epilogue = nullptr;
              call_plugin(i, s.op->desc.cuda_kernel);
              if (epilogues[i].kernel) launch(epilogues[i], {out[0]}, {out[0]});
            }
            check(cudaGetLastError(), "launching the kernel");
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
            run_on_host(i, in, out);
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
    result.outputs.push_back(std::move(t));
  }
  return result;
}

}  // namespace graphrun::cuda
