// The fake CUDA runtime (fake_runtime.h): the runtime API graphrun's backend calls, over host
// memory. The declarations are CUDA's own (cuda_runtime_api.h), so a signature that drifts
// from the toolkit's does not compile.
#include "cuda/fake_cuda/fake_runtime.h"

#include "backends/cpu/native_compiler.h"
#include "cuda/runtime_emulation.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

using Clock = std::chrono::steady_clock;
using Work = std::function<cudaError_t()>;  // one piece of a stream's work, run now or replayed

struct GraphData {
  std::vector<Work> work;
  std::vector<void*> owned;  // blocks allocated in the capture
};
struct CUgraph_st {
  std::shared_ptr<GraphData> data;
};
struct CUgraphExec_st {
  std::shared_ptr<GraphData> data;
};
struct CUstream_st {
  std::shared_ptr<GraphData> capture;  // while capturing
  bool invalidated = false;
};
struct CUevent_st {
  bool recorded = false;
  Clock::time_point at;
};
struct CUmemPoolHandle_st {};
struct CUlib_st {
  std::string source;
  std::map<std::string, std::unique_ptr<struct CUkern_st>> kernels;
};
// A kernel: binds the values its parameters point at into a launch (grid, block) -> run.
using Bind = void* (*)(void* const* args);
struct CUkern_st {
  Bind bind = nullptr;
};
using Launch = std::function<void(unsigned, unsigned)>;

namespace graphrun::cuda::fake {
namespace {

constexpr size_t kAlignment = 256;  // cudaMalloc's
constexpr int kRuntimeVersion = 13000;

struct Block {
  size_t bytes = 0;
  bool graph = false;  // owned by a captured graph
};

// 1 GiB, or $GRAPHRUN_FAKE_CUDA_MEMORY bytes (for a command run on the fake device).
uint64_t initial_memory() {
  const char* bytes = std::getenv("GRAPHRUN_FAKE_CUDA_MEMORY");
  return bytes ? std::strtoull(bytes, nullptr, 10) : uint64_t{1} << 30;
}

struct Fake {
  std::recursive_mutex mutex;
  cudaError_t last = cudaSuccess;
  std::map<uintptr_t, Block> blocks;  // device blocks by address
  std::map<void*, size_t> pinned;  // cudaMallocHost blocks and their bytes
  std::set<const void*> kernels;  // live kernel handles
  uint64_t memory = initial_memory();
  bool capture_fault = std::getenv("GRAPHRUN_FAKE_CUDA_CAPTURE_FAULT") != nullptr;
  Counters counters;
  CUmemPoolHandle_st pool;
};

Fake& fake() {
  static Fake* f = new Fake;  // never destroyed: the backend's statics outlive this file's
  return *f;
}

cudaError_t fail(cudaError_t e) {
  fake().last = e;
  return e;
}

size_t rounded(size_t bytes) { return (std::max<size_t>(bytes, 1) + kAlignment - 1) / kAlignment * kAlignment; }

void* new_block(size_t bytes, bool graph) {
  Fake& f = fake();
  void* p = std::aligned_alloc(kAlignment, rounded(bytes));
  std::memset(p, 0xff, rounded(bytes));  // uninitialized device memory reads as NaN
  f.blocks[reinterpret_cast<uintptr_t>(p)] = {bytes, graph};
  (graph ? f.counters.graph_bytes : f.counters.device_bytes) += bytes;
  return p;
}

// The live block holding [p, p + bytes), or null.
const Block* block_of(const void* p, size_t bytes) {
  auto& blocks = fake().blocks;
  const auto a = reinterpret_cast<uintptr_t>(p);
  auto it = blocks.upper_bound(a);
  if (it == blocks.begin()) return nullptr;
  --it;
  return a + bytes <= it->first + it->second.bytes ? &it->second : nullptr;
}

void free_block(void* p) {
  Fake& f = fake();
  auto it = f.blocks.find(reinterpret_cast<uintptr_t>(p));
  (it->second.graph ? f.counters.graph_bytes : f.counters.device_bytes) -= it->second.bytes;
  f.blocks.erase(it);
  std::free(p);
}

void drop_graph(GraphData* g) {
  std::lock_guard lock(fake().mutex);
  for (void* p : g->owned) free_block(p);
  delete g;
}

std::shared_ptr<GraphData> new_graph() { return std::shared_ptr<GraphData>(new GraphData, drop_graph); }

// Runs `work` now, or records it when `stream` is capturing.
cudaError_t enqueue(cudaStream_t stream, Work work) {
  if (stream && stream->capture) {
    if (!stream->invalidated) stream->capture->work.push_back(std::move(work));
    return stream->invalidated ? fail(cudaErrorStreamCaptureInvalidated) : cudaSuccess;
  }
  const cudaError_t e = work();
  return e == cudaSuccess ? e : fail(e);
}

cudaError_t invalidate(cudaStream_t stream, cudaError_t e) {
  stream->invalidated = true;
  return fail(e);
}

// ---- kernels: the source compiled as host C++ ----

// The parameter types of `extern "C" __global__ void [__launch_bounds__(..)] name(...)`.
bool kernel_parameters(const std::string& source, const std::string& name, std::vector<std::string>& types) {
  const std::regex kernel("extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\([^)]*\\)\\s*)?" + name +
                          "\\s*\\(([^)]*)\\)");
  std::smatch m;
  if (!std::regex_search(source, m, kernel)) return false;
  const std::string list = m[1];
  size_t start = 0;
  while (start < list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string p = list.substr(start, comma - start);
    // The type is all but the last identifier (the parameter's name).
    size_t end = p.find_last_not_of(" \t\n");
    size_t name_start = p.find_last_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", end);
    types.push_back(p.substr(0, name_start + 1));
    start = comma + 1;
  }
  return true;
}

std::string bind_source(const std::string& source, const std::string& name, const std::vector<std::string>& types) {
  std::string captures, call;
  for (size_t i = 0; i < types.size(); ++i) {
    const std::string p = "p" + std::to_string(i);
    captures += (i ? ", " : "") + p + " = *static_cast<" + types[i] + "*>(args[" + std::to_string(i) + "])";
    call += (i ? ", " : "") + p;
  }
  return "#include <functional>\n" + graphrun::cuda::testing::host_shim_text() + "\n" + source +
         "\n\nextern \"C\" void* graphrun_fake_bind_" + name + "(void* const* args) {\n" +
         "  return new std::function<void(unsigned, unsigned)>([" + captures +
         "](unsigned grid, unsigned block) {\n" +
         "    graphrun::cuda::testing::host_launch(grid, block, [&] { " + name + "(" + call + "); });\n  });\n}\n";
}

}  // namespace

Counters counters() {
  std::lock_guard lock(fake().mutex);
  return fake().counters;
}

void set_capture_fault(bool on) {
  std::lock_guard lock(fake().mutex);
  fake().capture_fault = on;
}

void set_device_memory(uint64_t bytes) {
  std::lock_guard lock(fake().mutex);
  fake().memory = bytes;
}

}  // namespace graphrun::cuda::fake

using namespace graphrun::cuda::fake;

extern "C" {

// ---- the device ----

cudaError_t cudaRuntimeGetVersion(int* v) {
  *v = kRuntimeVersion;
  return cudaSuccess;
}
cudaError_t cudaDriverGetVersion(int* v) {
  *v = kRuntimeVersion;
  return cudaSuccess;
}
cudaError_t cudaGetDeviceCount(int* count) {
  *count = 1;
  return cudaSuccess;
}
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device != 0) return fail(cudaErrorInvalidDevice);
  *prop = cudaDeviceProp{};
  std::snprintf(prop->name, sizeof prop->name, "%s", kDeviceName);
  prop->major = 9;
  prop->minor = 0;
  prop->multiProcessorCount = 2;  // small grids: the kernels' grid-stride loops go round
  std::lock_guard lock(fake().mutex);
  prop->totalGlobalMem = fake().memory;
  return cudaSuccess;
}
cudaError_t cudaSetDevice(int device) { return device == 0 ? cudaSuccess : fail(cudaErrorInvalidDevice); }
cudaError_t cudaGetLastError(void) {
  std::lock_guard lock(fake().mutex);
  return std::exchange(fake().last, cudaSuccess);
}
const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorInvalidDeviceFunction: return "cudaErrorInvalidDeviceFunction";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorStreamCaptureUnsupported: return "cudaErrorStreamCaptureUnsupported";
    case cudaErrorStreamCaptureInvalidated: return "cudaErrorStreamCaptureInvalidated";
    case cudaErrorIllegalAddress: return "cudaErrorIllegalAddress";
    case cudaErrorInvalidPtx: return "cudaErrorInvalidPtx";
    default: return "cudaErrorUnknown";
  }
}
const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorStreamCaptureUnsupported: return "operation not permitted when stream is capturing";
    case cudaErrorStreamCaptureInvalidated: return "operation failed due to a previous error during capture";
    case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
    default: return cudaGetErrorName(e);
  }
}

// ---- streams and events ----

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int) {
  *stream = new CUstream_st;
  return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  delete stream;
  return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  std::lock_guard lock(fake().mutex);
  if (stream && stream->capture) return invalidate(stream, cudaErrorStreamCaptureUnsupported);
  return cudaSuccess;  // its work is done: it ran when it was queued
}
cudaError_t cudaEventCreate(cudaEvent_t* event) {
  *event = new CUevent_st;
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  std::lock_guard lock(fake().mutex);
  return enqueue(stream, [event] {
    event->recorded = true;
    event->at = Clock::now();
    return cudaSuccess;
  });
}
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (!start->recorded || !end->recorded) return fail(cudaErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(end->at - start->at).count();
  return cudaSuccess;
}

// ---- memory ----

cudaError_t cudaDeviceGetDefaultMemPool(cudaMemPool_t* pool, int device) {
  if (device != 0) return fail(cudaErrorInvalidDevice);
  *pool = &fake().pool;
  return cudaSuccess;
}
cudaError_t cudaMemPoolSetAttribute(cudaMemPool_t, cudaMemPoolAttr, void*) { return cudaSuccess; }
cudaError_t cudaDeviceGraphMemTrim(int) { return cudaSuccess; }

cudaError_t cudaMallocAsync(void** ptr, size_t size, cudaStream_t stream) {
  Fake& f = fake();
  std::lock_guard lock(f.mutex);
  if (stream && stream->capture) {  // a graph allocation: the graph's for its lifetime
    if (stream->invalidated) return fail(cudaErrorStreamCaptureInvalidated);
    *ptr = new_block(size, true);
    stream->capture->owned.push_back(*ptr);
    void* p = *ptr;
    stream->capture->work.push_back([p, size] {  // garbage again at each replay
      std::memset(p, 0xff, size);
      return cudaSuccess;
    });
    return cudaSuccess;
  }
  if (f.counters.device_bytes + f.counters.graph_bytes + size > f.memory) return fail(cudaErrorMemoryAllocation);
  *ptr = new_block(size, false);
  return cudaSuccess;
}

cudaError_t cudaFreeAsync(void* ptr, cudaStream_t stream) {
  Fake& f = fake();
  std::lock_guard lock(f.mutex);
  auto it = f.blocks.find(reinterpret_cast<uintptr_t>(ptr));
  if (it == f.blocks.end()) return stream && stream->capture ? invalidate(stream, cudaErrorInvalidValue)
                                                             : fail(cudaErrorInvalidValue);
  if (stream && stream->capture) {
    // Only the graph's own blocks: a graph that freed a block it did not allocate could run once.
    const auto& owned = stream->capture->owned;
    if (std::find(owned.begin(), owned.end(), ptr) == owned.end()) return invalidate(stream, cudaErrorInvalidValue);
    const size_t bytes = it->second.bytes;
    stream->capture->work.push_back([ptr, bytes] {  // freed: what reads it from here on reads NaN
      std::memset(ptr, 0xff, bytes);
      return cudaSuccess;
    });
    return cudaSuccess;
  }
  if (it->second.graph) return fail(cudaErrorInvalidValue);  // the graph's, not the caller's
  free_block(ptr);
  return cudaSuccess;
}

cudaError_t cudaFree(void* ptr) {
  Fake& f = fake();
  std::lock_guard lock(f.mutex);
  auto it = f.blocks.find(reinterpret_cast<uintptr_t>(ptr));
  if (it == f.blocks.end() || it->second.graph) return fail(cudaErrorInvalidValue);
  free_block(ptr);
  return cudaSuccess;
}

cudaError_t cudaMallocHost(void** ptr, size_t size) {
  Fake& f = fake();
  std::lock_guard lock(f.mutex);
  *ptr = std::aligned_alloc(kAlignment, rounded(size));
  f.pinned[*ptr] = size;
  f.counters.pinned_bytes += size;
  return cudaSuccess;
}

cudaError_t cudaFreeHost(void* ptr) {
  Fake& f = fake();
  std::lock_guard lock(f.mutex);
  auto it = f.pinned.find(ptr);
  if (it == f.pinned.end()) return fail(cudaErrorInvalidValue);
  f.counters.pinned_bytes -= it->second;
  f.pinned.erase(it);
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, cudaMemcpyKind kind, cudaStream_t stream) {
  Fake& f = fake();
  std::lock_guard lock(f.mutex);
  if (kind != cudaMemcpyHostToDevice && kind != cudaMemcpyDeviceToHost) return fail(cudaErrorInvalidValue);
  const void* host = kind == cudaMemcpyHostToDevice ? src : dst;
  if (stream && stream->capture) {
    // A pinned host block whole, as a graph's copy node needs.
    const bool pinned = std::any_of(f.pinned.begin(), f.pinned.end(), [&](const auto& block) {
      const char* start = static_cast<const char*>(block.first);
      return host >= start && static_cast<const char*>(host) + count <= start + block.second;
    });
    if (!pinned) return invalidate(stream, cudaErrorStreamCaptureUnsupported);
  }
  return enqueue(stream, [dst, src, count, kind] {
    std::lock_guard copy_lock(fake().mutex);
    if (!block_of(kind == cudaMemcpyHostToDevice ? dst : src, count)) return cudaErrorInvalidValue;
    std::memcpy(dst, src, count);
    ++fake().counters.copies;
    return cudaSuccess;
  });
}

// ---- kernels ----

cudaError_t cudaLibraryLoadData(cudaLibrary_t* library, const void* code, cudaJitOption*, void**, unsigned int,
                                cudaLibraryOption*, void**, unsigned int) {
  *library = new CUlib_st{static_cast<const char*>(code), {}};
  return cudaSuccess;
}

cudaError_t cudaLibraryGetKernel(cudaKernel_t* kernel, cudaLibrary_t library, const char* name) {
  Fake& f = fake();
  std::lock_guard lock(f.mutex);
  auto& k = library->kernels[name];
  if (!k) {
    std::vector<std::string> params;
    if (!kernel_parameters(library->source, name, params)) {
      library->kernels.erase(name);
      return fail(cudaErrorInvalidDeviceFunction);
    }
    try {
      k = std::make_unique<CUkern_st>();
      k->bind = reinterpret_cast<Bind>(graphrun::cpu::native_function(bind_source(library->source, name, params),
                                                                     std::string("graphrun_fake_bind_") + name));
    } catch (const std::exception&) {
      library->kernels.erase(name);
      return fail(cudaErrorInvalidPtx);
    }
    f.kernels.insert(k.get());
  }
  *kernel = k.get();
  return cudaSuccess;
}

cudaError_t cudaLibraryUnload(cudaLibrary_t library) {
  std::lock_guard lock(fake().mutex);
  for (auto& [name, k] : library->kernels) fake().kernels.erase(k.get());
  delete library;
  return cudaSuccess;
}

cudaError_t cudaLaunchKernel(const void* func, dim3 grid, dim3 block, void** args, size_t, cudaStream_t stream) {
  Fake& f = fake();
  std::lock_guard lock(f.mutex);
  if (!f.kernels.count(func)) return fail(cudaErrorInvalidDeviceFunction);
  if (stream && stream->capture && f.capture_fault) return invalidate(stream, cudaErrorStreamCaptureUnsupported);
  if (grid.y * grid.z * block.y * block.z != 1 || grid.x == 0 || block.x == 0 || block.x > 1024)
    return fail(cudaErrorInvalidConfiguration);
  // The parameters' values now, as a launch takes them.
  std::shared_ptr<Launch> launch(static_cast<Launch*>(static_cast<const CUkern_st*>(func)->bind(args)));
  return enqueue(stream, [launch, g = grid.x, b = block.x] {
    (*launch)(g, b);
    std::lock_guard count_lock(fake().mutex);
    ++fake().counters.launches;
    return cudaSuccess;
  });
}

// ---- graphs ----

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode) {
  std::lock_guard lock(fake().mutex);
  if (!stream || stream->capture) return fail(cudaErrorInvalidValue);
  stream->capture = new_graph();
  stream->invalidated = false;
  return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
  std::lock_guard lock(fake().mutex);
  if (!stream || !stream->capture) return fail(cudaErrorInvalidValue);
  std::shared_ptr<GraphData> data = std::move(stream->capture);
  stream->capture.reset();
  if (std::exchange(stream->invalidated, false)) {
    *graph = nullptr;
    return fail(cudaErrorStreamCaptureInvalidated);  // the graph and its blocks are gone
  }
  *graph = new CUgraph_st{std::move(data)};
  return cudaSuccess;
}

cudaError_t cudaGraphGetNodes(cudaGraph_t graph, cudaGraphNode_t*, size_t* count) {
  *count = graph->data->work.size();
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long) {
  *exec = new CUgraphExec_st{graph->data};
  return cudaSuccess;
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
  return cudaSuccess;
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;
  return cudaSuccess;
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
  Fake& f = fake();
  std::lock_guard lock(f.mutex);
  if (stream && stream->capture) return invalidate(stream, cudaErrorStreamCaptureUnsupported);
  ++f.counters.graph_launches;
  for (const Work& w : exec->data->work)
    if (const cudaError_t e = w(); e != cudaSuccess) return fail(e);
  return cudaSuccess;
}

}  // extern "C"
