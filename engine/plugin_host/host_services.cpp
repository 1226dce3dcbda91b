// gr_host: what the engine offers plugins. parallel_for runs fixed-size chunks on oneTBB so
// results never depend on the thread count; programs are the expression language's.
#include "backends/cpu/native_compiler.h"
#include "distributed/world.h"
#include "expr/cpp_source.h"
#include "expr/cuda_source.h"
#include "expr/expr.h"
#include "plugin_host/declared_outputs.h"
#include "plugin_host/program_handle.h"
#include "plugin_host/registry.h"
#include "plugin_host/running_step.h"
#include "scheduler/tsan_annotations.h"
#include "sharding/comm_ops.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <string>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace graphrun {
namespace {

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  void (*body)(void*, int64_t, int64_t), void* context) {
  if (end <= begin) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t chunks = (end - begin + grain - 1) / grain;
  if (chunks == 1) {
    body(context, begin, end);
    return;
  }
  const RunningStep* step = current_step();  // workers report crashes as the caller's node
  // A progress display is watching this run: every op that splits its work through
  // parallel_for shows how far it is, as the fraction of chunks done (one atomic per chunk,
  // and only then).
  const bool report = step && step->progress;
  std::atomic<int64_t> chunks_done{0};
  auto run_chunks = [&](const tbb::blocked_range<int64_t>& r) {
    tsan_take_over();  // TSan annotations: scheduler/tsan_annotations.h
    RunningStepScope scope(step);
    for (int64_t c = r.begin(); c != r.end(); ++c) {
      body(context, begin + c * grain, std::min(end, begin + (c + 1) * grain));
      if (report) {
        const int64_t done = chunks_done.fetch_add(1, std::memory_order_relaxed) + 1;
        step->progress(step->progress_context, step->step, static_cast<double>(done) / static_cast<double>(chunks));
      }
    }
    tsan_hand_off();
  };
  tsan_hand_off();
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, chunks, 1), run_chunks, tbb::simple_partitioner());
  tsan_take_over();
}

}  // namespace
}  // namespace graphrun


namespace graphrun {
namespace {

std::map<std::string, double> node_params(const gr_node* node) {
  std::map<std::string, double> params;
  if (!node) return params;
  for (int i = 0; i < node->num_params; ++i) params[node->param_names[i]] = node->param_values[i];
  return params;
}

gr_program* program_compile(int32_t num_formulas, const char* const* formulas, int32_t num_vars,
                            const char* const* var_names, const gr_node* node, gr_status* status) {
  std::vector<std::string> vars(var_names, var_names + num_vars);
  std::map<std::string, double> params = node_params(node);
  for (const auto& v : vars) params.erase(v);  // a variable shadows a param of the same name
  std::vector<expr::AstPtr> asts;
  for (int32_t k = 0; k < num_formulas; ++k) {
    try {
      asts.push_back(expr::parse(formulas[k], vars, params));
    } catch (const expr::ExprError& e) {
      status->code = GR_USER_ERROR;
      status->offset = e.offset();
      std::snprintf(status->attr, sizeof status->attr, "formula:%d", k);
      std::snprintf(status->message, sizeof status->message, "%s", e.what());
      return nullptr;
    }
  }
  // No exception may leave this C function into the plugin's frames.
  try {
    return new gr_program{expr::Program::compile(asts, vars)};
  } catch (const expr::ExprError& e) {  // e.g. a variable listed twice: the graph's doing
    status->code = GR_USER_ERROR;
    status->offset = -1;
    std::snprintf(status->message, sizeof status->message, "%s", e.what());
  } catch (const std::exception& e) {
    status->code = GR_RUNTIME_ERROR;
    status->offset = -1;
    std::snprintf(status->message, sizeof status->message, "cannot compile the formulas: %s", e.what());
  }
  return nullptr;
}

void program_eval(const gr_program* program, int32_t dtype, int64_t n, const void* const* vars,
                  const int32_t* var_is_scalar, void* const* outs) {
  if (dtype == GR_F64)
    program->program->eval(n, reinterpret_cast<const double* const*>(vars), var_is_scalar,
                           reinterpret_cast<double* const*>(outs));
  else
    program->program->eval(n, reinterpret_cast<const float* const*>(vars), var_is_scalar,
                           reinterpret_cast<float* const*>(outs));
}

void program_free(gr_program* program) { delete program; }

int declare_output(gr_outputs* outputs, const char* name, const gr_tensor* tensor, gr_status* status) {
  auto refuse = [&](const std::string& message) {
    if (status) {
      status->code = GR_USER_ERROR;
      std::snprintf(status->message, sizeof status->message, "%s", message.c_str());
    }
    return static_cast<int>(GR_USER_ERROR);
  };
  if (!outputs || !tensor) return refuse("declare_output: null outputs or tensor");
  if (tensor->struct_size < sizeof(gr_tensor)) return refuse("declare_output: a gr_tensor of an unknown layout");
  if (outputs->tensors.size() >= GR_MAX_OUTPUTS)
    return refuse("more than " + std::to_string(GR_MAX_OUTPUTS) + " outputs declared");
  if (tensor->rank < 0 || tensor->rank > GR_MAX_RANK)
    return refuse("an output of rank " + std::to_string(tensor->rank) + " (the maximum is " +
                  std::to_string(GR_MAX_RANK) + ")");
  for (int i = 0; i < tensor->rank; ++i)
    if (tensor->shape[i] < 0)
      return refuse("an output with a negative dimension (" + std::to_string(tensor->shape[i]) + ")");
  gr_tensor t{};
  t.struct_size = sizeof t;
  t.dtype = tensor->dtype;
  t.rank = tensor->rank;
  std::copy(tensor->shape, tensor->shape + tensor->rank, t.shape);
  outputs->names.emplace_back(name ? name : "");
  outputs->tensors.push_back(t);
  return GR_OK;
}

// Goes to the run of the step this thread runs (the executor's workers and the chunks of
// its parallel_for know it); from any other thread it is dropped. NaN is dropped too.
void report_progress(const gr_node*, double fraction) {
  const RunningStep* step = current_step();
  if (step && step->progress && !std::isnan(fraction))
    step->progress(step->progress_context, step->step, std::clamp(fraction, 0.0, 1.0));
}

// The device services read the CUDA call this thread runs, if any (running_step.h).
const DeviceCall* current_device_call() {
  const RunningStep* step = current_step();
  return step ? step->device : nullptr;
}

void* cuda_stream(const gr_node*) {
  const DeviceCall* call = current_device_call();
  return call ? call->stream : nullptr;
}

void* device_scratch(const gr_node*, size_t bytes, gr_status* status) {
  auto fail = [&](const std::string& message) -> void* {
    if (status) {
      status->code = GR_RUNTIME_ERROR;
      std::snprintf(status->message, sizeof status->message, "%s", message.c_str());
    }
    return nullptr;
  };
  const DeviceCall* call = current_device_call();
  if (!call || !call->scratch) return fail("device_scratch: called outside a CUDA kernel call");
  if (void* p = call->scratch(call->scratch_context, bytes)) return p;
  return fail("device_scratch: the device has no " + std::to_string(bytes) + " bytes free for scratch memory");
}

int32_t device_compute_capability(const gr_node*) {
  const DeviceCall* call = current_device_call();
  return call ? call->compute_capability : 0;
}

size_t program_cpp(const gr_program* program, char* buffer, size_t capacity) {
  try {
    const std::optional<std::string> text = expr::program_cpp_source(*program->program);
    if (!text) return 0;
    if (buffer && text->size() < capacity) std::memcpy(buffer, text->c_str(), text->size() + 1);
    return text->size();
  } catch (const std::exception&) {
    return 0;  // out of memory: the caller keeps the interpreter
  }
}

void* native_function(const char* source, const char* symbol, gr_status* status) {
  try {
    return cpu::native_function(source, symbol);
  } catch (const std::exception& e) {
    // Said once per process: every later kernel falls back the same way, without a word.
    static std::once_flag warned;
    if (std::getenv("GRAPHRUN_CXX") == nullptr || std::strcmp(std::getenv("GRAPHRUN_CXX"), "none") != 0)
      std::call_once(warned, [&] {
        std::fprintf(stderr, "graphrun: no native CPU code (%s); kernels that use it run interpreted "
                             "(same results, slower)\n", e.what());
      });
    if (status) {
      status->code = GR_RUNTIME_ERROR;
      std::snprintf(status->message, sizeof status->message, "%s", e.what());
    }
    return nullptr;
  }
}

int32_t scan_ranks(const gr_node*, int32_t* rank) {
  const RunningStep* step = current_step();
  if (rank) *rank = step ? step->scan_rank : 0;
  return step ? step->scan_ranks : 1;
}

int scan_exchange(const gr_node*, const void* mine, int64_t bytes, const void** all, const int64_t** offsets,
                  gr_status* status) {
  // Host memory for the answer: the kernel's thread's, until its next call.
  thread_local std::vector<std::byte> gathered;
  thread_local std::vector<int64_t> starts;
  const RunningStep* step = current_step();
  try {
    if (bytes < 0) throw std::invalid_argument("scan_exchange: a negative size");
    if (!step || step->scan_ranks <= 1) {
      starts = {0, bytes};
      *all = mine;
      *offsets = starts.data();
      return GR_OK;
    }
    sharding::meet_other_ranks();
    gathered = distributed::all_gather_bytes(mine, static_cast<size_t>(bytes), &starts);
    *all = gathered.data();
    *offsets = starts.data();
    return GR_OK;
  } catch (const std::exception& e) {
    if (status) {
      status->code = GR_RUNTIME_ERROR;
      std::snprintf(status->message, sizeof status->message, "%s", e.what());
    }
    return GR_RUNTIME_ERROR;
  }
}

size_t program_cuda(const gr_program* program, char* buffer, size_t capacity) {
  if (!program) return 0;
  try {
    const std::string text = expr::program_cuda_source(*program->program);
    if (buffer && text.size() < capacity) std::memcpy(buffer, text.c_str(), text.size() + 1);
    return text.size();
  } catch (const std::exception&) {
    return 0;
  }
}

// API 2.5's generated kernels go through the CUDA call this thread runs (DeviceCall::kernels).
template <typename F> int with_kernel_services(const char* what, gr_status* status, F&& f) {
  auto fail = [&](const std::string& message) {
    if (status) {
      status->code = GR_RUNTIME_ERROR;
      status->offset = -1;
      std::snprintf(status->message, sizeof status->message, "%s", message.c_str());
    }
    return static_cast<int>(GR_RUNTIME_ERROR);
  };
  const DeviceCall* call = current_device_call();
  if (!call || !call->kernels) return fail(std::string(what) + ": called outside a CUDA kernel call");
  try {
    f(*call->kernels);
    return GR_OK;
  } catch (const std::exception& e) {
    return fail(std::string(what) + ": " + e.what());
  }
}

void* cuda_function(const gr_node*, const char* source, const char* symbol, gr_status* status) {
  void* kernel = nullptr;
  with_kernel_services("cuda_function", status, [&](DeviceKernelServices& k) {
    if (!source || !symbol) throw std::invalid_argument("a null source or symbol");
    kernel = k.function(source, symbol);
  });
  return kernel;
}

int cuda_launch(const gr_node*, void* kernel, const uint32_t grid[3], const uint32_t block[3], uint32_t shared_bytes,
                void* const* args, gr_status* status) {
  return with_kernel_services("cuda_launch", status, [&](DeviceKernelServices& k) {
    if (!kernel || !grid || !block) throw std::invalid_argument("a null kernel, grid or block");
    k.launch(kernel, grid, block, shared_bytes, args);
  });
}

int cuda_check(const gr_node*, const void* device_bytes, size_t bytes, gr_device_check_fn check, gr_status* status) {
  return with_kernel_services("cuda_check", status, [&](DeviceKernelServices& k) {
    if (!check || (!device_bytes && bytes)) throw std::invalid_argument("a null check or device pointer");
    k.check_after(device_bytes, bytes, check);
  });
}

}  // namespace

const gr_host& host_services() {
  static const gr_host host = {sizeof(gr_host),  GRAPHRUN_API_VERSION, &parallel_for,    &program_compile,
                               &program_eval,     &program_free,        &declare_output,  &report_progress,
                               &cuda_stream,      &device_scratch,      &device_compute_capability,
                               &program_cpp,      &native_function,     &scan_ranks,
                               &scan_exchange,    &program_cuda,        &cuda_function,   &cuda_launch,
                               &cuda_check};
  return host;
}

}  // namespace graphrun
