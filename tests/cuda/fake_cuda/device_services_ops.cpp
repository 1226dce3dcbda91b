// Ops for the device executor's tests on the fake CUDA runtime: their CUDA kernel uses every
// device service of the plugin API (the stream, device scratch, cuda_function, cuda_launch,
// cuda_check), and they take a fused epilogue: scale_checked's is applied by the executor
// after its kernel, scale_checked_epilogue applies its own in its kernel (program_cuda). The
// CPU kernel computes the same, so the CPU executor is their reference.
#include <graphrun/plugin.hpp>

#include <cmath>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>

using graphrun::plugin::Node;
using graphrun::plugin::OpDef;
using graphrun::plugin::OutTensor;
using graphrun::plugin::Outputs;

namespace {

std::string above_limit(int64_t index) { return "an element above the limit at index " + std::to_string(index); }

// The device's answer, read after the stream's work: the first element above the limit, or -1.
void check_first_above(const Node&, std::span<const std::byte> bytes) {
  int64_t first = 0;
  std::memcpy(&first, bytes.data(), sizeof first);
  if (first >= 0) throw std::runtime_error(above_limit(first));
}

const char* kScale = R"cuda(
extern "C" __global__ void scale_by(const T* x, T* y, long long n, T a) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    y[i] = a * x[i];
}
)cuda";

const char* kFirstAbove = R"cuda(
extern "C" __global__ void first_above(const T* x, long long n, T limit, long long* first) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  long long found = -1;
  for (long long i = 0; i < n && found < 0; ++i)
    if (x[i] > limit) found = i;
  *first = found;
}
)cuda";

// scale_by with the node's epilogue applied to each value before its store (an op flagged
// applies_epilogue_on_device: graphrun launches no epilogue kernel after it).
const char* kScaleWithEpilogue = R"cuda(
extern "C" __global__ void scale_by(const T* x, T* y, long long n, T a) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const T value[1] = {a * x[i]};
    T result[1];
    epilogue(value, result);
    y[i] = result[0];
  }
}
)cuda";

template <typename T> void on_device(const Node& node, OutTensor& out) {
  const auto x = node.input("x");
  std::string source = std::string("typedef ") + (sizeof(T) == 8 ? "double" : "float") + " T;\n";
  if (node.has_epilogue())  // only where the op is flagged applies_epilogue_on_device
    source = "#include <graphrun/cuda/elementwise_math.cuh>\nnamespace ew = graphrun::ew;\n" + source +
             "static __device__ __forceinline__ void epilogue(const T* v, T* out) {\n" +
             node.program_cuda(node.epilogue()) + "}\n" + kScaleWithEpilogue + kFirstAbove;
  else
    source += std::string(kScale) + kFirstAbove;
  void* scale = node.cuda_function(source, "scale_by");
  void* find = node.cuda_function(source, "first_above");
  const T* xs = x.data<T>();
  T* ys = out.data<T>();
  long long n = x.numel();
  T a = static_cast<T>(node.attr_float("a")), limit = static_cast<T>(node.attr_float("limit"));
  auto* first = static_cast<long long*>(node.device_scratch(sizeof(long long)));
  if (!node.cuda_stream()) throw std::runtime_error("no stream in a CUDA kernel");
  void* scale_args[] = {&xs, &ys, &n, &a};
  node.cuda_launch(scale, {static_cast<uint32_t>(std::min<long long>((n + 127) / 128, 8) + 1)}, {128}, 0, scale_args);
  void* find_args[] = {&xs, &n, &limit, &first};
  node.cuda_launch(find, {1}, {32}, 0, find_args);
  node.cuda_check<check_first_above>(first, sizeof *first);
}

template <typename T> void on_host(const Node& node, OutTensor& out) {
  const auto x = node.input("x");
  const double a = node.attr_float("a"), limit = node.attr_float("limit");
  for (int64_t i = 0; i < x.numel(); ++i)
    if (x.data<T>()[i] > static_cast<T>(limit)) throw std::runtime_error(above_limit(i));
  for (int64_t i = 0; i < x.numel(); ++i) out.data<T>()[i] = static_cast<T>(a) * x.data<T>()[i];
  node.apply_epilogue(out.data<T>(), x.numel());
}

OpDef scale_checked(const char* name, const char* doc) {
  OpDef op(name, doc);
  op.input("x", "input")
      .output("out", "a * x")
      .attr("a", 1.0, "the factor")
      .attr("limit", HUGE_VAL, "the largest x allowed")
      .supports_epilogue()
      .infer([](const Node& node, Outputs& outs) { outs.add(node.input("x").shape()); })
      .cpu([](const Node& node, std::span<OutTensor> outs) {
        graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() { on_host<T>(node, outs[0]); });
      })
      .cuda([](const Node& node, std::span<OutTensor> outs) {
        graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() { on_device<T>(node, outs[0]); });
      });
  return op;
}

}  // namespace

GRAPHRUN_PLUGIN(reg) {
  OpDef own = scale_checked("scale_checked_epilogue", "scale_checked, applying its epilogue in its own CUDA kernel");
  own.applies_epilogue_on_device();
  return graphrun::plugin::register_ops(
      reg, {scale_checked("scale_checked", "a * x; fails at the first element of x above limit"), std::move(own)});
}
