// The device executor, run here without a GPU, on the fake CUDA runtime (fake_runtime.h): the
// executor's own code (placement's copies in and out, the stream-ordered pool, host steps
// between device steps, plugin CUDA kernels with their device services and epilogues,
// failures, --repeat's CUDA graph capture and its replays) as it will run on a device, with
// the generated kernels' source run on the host thread by thread. Each graph against the CPU
// executor: the same bits where the operations are exact, SPEC's tolerance where a library
// function (the device's, here the host's libm) is involved. Every device byte is given back.
#include "cuda/fake_cuda/fake_runtime.h"

#include "backends/cuda/device.h"
#include "backends/cuda/device_executor.h"
#include "cuda/runtime_emulation.h"
#include "support/graph_text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <regex>
#include <vector>

namespace graphrun::testing {
namespace {

const auto* const kCacheFolder = ::testing::AddGlobalTestEnvironment(new cuda::testing::OwnKernelCacheFolder);

std::unique_ptr<Graph> load(const std::string& yaml, const std::map<std::string, TensorData>& inputs, bool fuse) {
  return load_graph_text(yaml, {SCHEDULER_TEST_PLUGIN, DEVICE_SERVICES_PLUGIN}, inputs, fuse);
}

int64_t elements(const TensorData& t) {
  int64_t n = 1;
  for (int64_t d : t.shape) n *= d;
  return n;
}

size_t dtype_bytes(gr_dtype dtype) { return dtype == GR_F64 ? 8 : 4; }

// `shape` of `dtype` filled by value(i); in a block of its own (each test input is a fresh allocation).
TensorData tensor(gr_dtype dtype, const Shape& shape, double (*value)(int64_t)) {
  TensorData t;
  t.dtype = dtype;
  t.shape = shape;
  const int64_t n = elements(t);
  t.data = std::shared_ptr<void>(::operator new(static_cast<size_t>(std::max<int64_t>(n, 1)) * dtype_bytes(dtype)),
                                 [](void* p) { ::operator delete(p); });
  for (int64_t i = 0; i < n; ++i) {
    if (dtype == GR_F64) static_cast<double*>(t.data.get())[i] = value(i);
    else static_cast<float*>(t.data.get())[i] = static_cast<float>(value(i));
  }
  return t;
}

double wave(int64_t i) { return std::sin(0.37 * static_cast<double>(i)) * 3.0; }
double ramp(int64_t i) { return 0.01 * static_cast<double>(i) - 2.0; }

// The same bytes in every output.
void expect_same_bits(const RunResult& got, const RunResult& want, const std::string& what) {
  ASSERT_EQ(got.outputs.size(), want.outputs.size()) << what;
  for (size_t k = 0; k < want.outputs.size(); ++k) {
    ASSERT_EQ(got.outputs[k].shape, want.outputs[k].shape) << what;
    const size_t bytes = static_cast<size_t>(elements(want.outputs[k])) * dtype_bytes(want.outputs[k].dtype);
    EXPECT_EQ(std::memcmp(got.outputs[k].data.get(), want.outputs[k].data.get(), bytes), 0)
        << "output " << k << " differs from the reference's bits, " << what;
  }
}

// Within `tolerance` of the reference, relative to max(1, |reference|).
void expect_close(const RunResult& got, const RunResult& want, double tolerance, const std::string& what) {
  ASSERT_EQ(got.outputs.size(), want.outputs.size()) << what;
  for (size_t k = 0; k < want.outputs.size(); ++k) {
    const TensorData &g = got.outputs[k], &w = want.outputs[k];
    ASSERT_EQ(g.shape, w.shape) << what;
    int reported = 0;
    for (int64_t i = 0; i < elements(w) && reported < 5; ++i) {
      const double a = g.dtype == GR_F64 ? static_cast<const double*>(g.data.get())[i]
                                         : static_cast<const float*>(g.data.get())[i];
      const double b = w.dtype == GR_F64 ? static_cast<const double*>(w.data.get())[i]
                                         : static_cast<const float*>(w.data.get())[i];
      if (!(std::abs(a - b) <= tolerance * std::max(1.0, std::abs(b))))
        ADD_FAILURE() << what << ": output " << k << "[" << i << "] " << a << " vs " << b << " (" << ++reported << ")";
    }
  }
}

// Nothing held on the fake device: neither by the executor's pool nor by a graph.
void expect_nothing_held(const cuda::DeviceExecutor& device, const std::string& when) {
  EXPECT_EQ(device.device_bytes_in_use(), 0u) << when;
  EXPECT_EQ(cuda::fake::counters().device_bytes, 0u) << when;
  EXPECT_EQ(cuda::fake::counters().graph_bytes, 0u) << when;
}

// Expects `run` to throw RunError with every one of `parts` in its message.
template <typename Run> void expect_run_error(Run&& run, const std::vector<std::string>& parts) {
  std::string what;
  try {
    run();
  } catch (const RunError& e) {
    what = e.what();
  }
  ASSERT_FALSE(what.empty()) << "no RunError";
  for (const std::string& part : parts) EXPECT_NE(what.find(part), std::string::npos) << what;
}

std::string graph_yaml(const std::string& dtype, const std::string& inputs, const std::string& nodes,
                       const std::string& outputs) {
  return "format: 1\ngraph: fake_device\ndtype: " + dtype + "\ninputs:\n" + inputs + "nodes:\n" + nodes +
         "outputs: " + outputs + "\n";
}

// Exact elementwise operations with broadcasting, and a sum of two of them: one fused group,
// or (unfused) a kernel per node. u (3, 1001) and v (1001): 1001 is odd, so the 128-bit path
// has a tail, and a row of v starts unaligned in no buffer but the kernel's index math.
std::string exact_chain(const std::string& dtype) {
  return graph_yaml(dtype, "  u: {shape: [3, 1001]}\n  v: {shape: [1001]}\n",
                    "  - {id: a, op: mul, in: [u, v]}\n"
                    "  - {id: b, op: abs, in: [a]}\n"
                    "  - {id: c, op: expr, in: {b: b, v: v}, expr: \"where(b > 1, b - v, -b) * 0.5 + clip(v, -1, 2)\"}\n"
                    "  - {id: d, op: neg, in: [c]}\n"
                    "  - {id: e, op: add, in: [d, u]}\n",
                    "[e, a]");
}

struct Param {
  const char* dtype;
  bool fuse;
};
std::string param_name(const ::testing::TestParamInfo<Param>& p) {
  return std::string(p.param.dtype) + (p.param.fuse ? "_fused" : "_unfused");
}

class FakeDevice : public ::testing::TestWithParam<Param> {
 protected:
  gr_dtype dtype() const { return std::string(GetParam().dtype) == "f64" ? GR_F64 : GR_F32; }
  std::map<std::string, TensorData> chain_inputs() const {
    return {{"u", tensor(dtype(), {3, 1001}, wave)}, {"v", tensor(dtype(), {1001}, ramp)}};
  }
  std::map<std::string, TensorData> u_only() const { return {{"u", tensor(dtype(), {3, 1001}, wave)}}; }
  // A graph of the test's dtype with the one input u (3, 1001).
  std::string u_graph(const std::string& nodes, const std::string& outputs) const {
    return graph_yaml(GetParam().dtype, "  u: {shape: [3, 1001]}\n", nodes, outputs);
  }
  void check_plugin_kernel(const std::string& op);
};

TEST_P(FakeDevice, TheFakeIsTheDeviceTheExecutorFinds) {
  ASSERT_TRUE(cuda::probe_device().device) << cuda::probe_device().reason;
  EXPECT_EQ(cuda::probe_device().device->name, cuda::fake::kDeviceName);
}

TEST_P(FakeDevice, ExactChainsGiveTheCpuBitsAndGiveBackEveryByte) {
  const auto inputs = chain_inputs();
  auto graph = load(exact_chain(GetParam().dtype), inputs, GetParam().fuse);
  const RunResult want = Executor(*graph, 2).run(inputs);
  cuda::DeviceExecutor device(*graph);
  const auto before = cuda::fake::counters();
  const RunResult got = device.run(inputs);
  expect_same_bits(got, want, "first run");
  expect_nothing_held(device, "after a run");
  EXPECT_GT(got.peak_bytes, 0u);
  const auto after = cuda::fake::counters();
  // A kernel per step: five unfused; fused, fewer (a, an output, ends a group).
  const size_t steps = device.plan().steps().size();
  EXPECT_EQ(after.launches - before.launches, steps);
  if (GetParam().fuse) EXPECT_LT(steps, 5u);
  else EXPECT_EQ(steps, 5u);
  // u and v in; e and a out: four copies.
  EXPECT_EQ(after.copies - before.copies, 4u);
  expect_same_bits(device.run(inputs), want, "rerun");
}

TEST_P(FakeDevice, LibraryFunctionsAreWithinTolerance) {
  const std::string yaml = graph_yaml(GetParam().dtype, "  x: {shape: [4099]}\n",
                                      "  - {id: s, op: silu, in: [x]}\n  - {id: t, op: tanh, in: [x]}\n"
                                      "  - {id: y, op: expr, in: {s: s, t: t, x: x}, expr: \"s * t + 0.5 * exp(-x^2)\"}\n",
                                      "[y]");
  const std::map<std::string, TensorData> inputs = {{"x", tensor(dtype(), {4099}, wave)}};
  auto graph = load(yaml, inputs, GetParam().fuse);
  const RunResult want = Executor(*graph, 2).run(inputs);
  cuda::DeviceExecutor device(*graph);
  expect_close(device.run(inputs), want, dtype() == GR_F64 ? 1e-12 : 1e-5, "silu * tanh + exp");
  expect_nothing_held(device, "after a run");
}

// Edge shapes: a rank-0 input broadcast against a row, an empty tensor, a size-1 one; a
// graph input handed back as an output, and one output named twice.
TEST_P(FakeDevice, EdgeShapesAndOutputsThatAreInputs) {
  const std::string yaml = graph_yaml(GetParam().dtype,
                                      "  s: {shape: []}\n  r: {shape: [5]}\n  z: {shape: [0, 3]}\n  one: {shape: [1]}\n",
                                      "  - {id: a, op: mul, in: [s, r]}\n"
                                      "  - {id: b, op: neg, in: [z]}\n"
                                      "  - {id: c, op: add, in: [one, s]}\n"
                                      "  - {id: d, op: abs, in: [s]}\n",
                                      "{a: a, b: b, c: c, d: d, r: r, again: a}");
  const std::map<std::string, TensorData> inputs = {{"s", tensor(dtype(), {}, wave)},
                                                    {"r", tensor(dtype(), {5}, ramp)},
                                                    {"z", tensor(dtype(), {0, 3}, ramp)},
                                                    {"one", tensor(dtype(), {1}, wave)}};
  auto graph = load(yaml, inputs, GetParam().fuse);
  const RunResult want = Executor(*graph, 2).run(inputs);
  cuda::DeviceExecutor device(*graph);
  expect_same_bits(device.run(inputs), want, "run");
  expect_nothing_held(device, "after a run");
  {
    std::unique_ptr<cuda::CapturedRun> captured = device.capture();
    expect_same_bits(captured->run(inputs), want, "replay");
  }
  expect_nothing_held(device, "after the captured run is dropped");
}

// A host op between device steps: its input copied out, its output copied in.
TEST_P(FakeDevice, HostStepsBetweenDeviceStepsGetTheirCopies) {
  const std::string yaml = graph_yaml(GetParam().dtype, "  u: {shape: [3, 1001]}\n  v: {shape: [1001]}\n",
                                      "  - {id: a, op: mul, in: [u, v]}\n"
                                      "  - {id: h, op: counted_scale, in: [a], factor: 0.25}\n"
                                      "  - {id: e, op: sub, in: [h, v]}\n",
                                      "[e, h]");
  const auto inputs = chain_inputs();
  auto graph = load(yaml, inputs, GetParam().fuse);
  const RunResult want = Executor(*graph, 2).run(inputs);
  cuda::DeviceExecutor device(*graph);
  const RunResult got = device.run(inputs, true);
  expect_same_bits(got, want, "run");
  expect_nothing_held(device, "after a run");
  // Each step is recorded on its row: the host op on the host's.
  ASSERT_EQ(got.records.size(), device.plan().steps().size());
  for (const StepRecord& r : got.records) {
    const std::string& id = graph->nodes[device.plan().steps()[r.step].node].id;
    EXPECT_EQ(r.thread, id == "h" ? StepRecord::kHostRow : StepRecord::kCudaStreamRow) << id;
    EXPECT_LE(r.start_ns, r.end_ns) << id;
  }
}

TEST_P(FakeDevice, AFailingHostStepNamesItsNodeAndGivesBackEveryByte) {
  const std::string yaml = u_graph("  - {id: a, op: abs, in: [u]}\n"
                                   "  - {id: n, op: neg, in: [a]}\n"
                                   "  - {id: check, op: fail_if_negative, in: [n]}\n"
                                   "  - {id: out, op: add, in: [check, a]}\n",
                                   "[out]");
  const auto inputs = u_only();
  auto graph = load(yaml, inputs, GetParam().fuse);
  cuda::DeviceExecutor device(*graph);
  expect_run_error([&] { device.run(inputs); }, {"node 'check'", "negative value"});
  expect_nothing_held(device, "after a failed run");
}

// A plugin's CUDA kernel with scratch, its own kernels and a check; the chain after it fused
// as its epilogue (applied by the executor's kernel after it), or run as kernels of its own.
TEST_P(FakeDevice, PluginKernelsGetTheirDeviceServicesAndEpilogues) {
  for (const std::string op : {"scale_checked", "scale_checked_epilogue"}) {
    SCOPED_TRACE(op);
    check_plugin_kernel(op);
  }
}

void FakeDevice::check_plugin_kernel(const std::string& op) {
  const std::string yaml = u_graph("  - {id: s, op: " + op + ", in: [u], a: -1.5, limit: $limit}\n"
                                   "  - {id: t, op: abs, in: [s]}\n"
                                   "  - {id: y, op: expr, in: {t: t}, expr: \"t * 2 - 1\"}\n",
                                   "[y]");
  const auto inputs = u_only();
  auto graph = load(std::regex_replace(yaml, std::regex("\\$limit"), "10"), inputs, GetParam().fuse);
  if (GetParam().fuse) {
    const auto& s = *std::find_if(graph->nodes.begin(), graph->nodes.end(), [](const Node& n) { return n.id == "s"; });
    ASSERT_TRUE(s.epilogue) << "the chain was meant to be fused into scale_checked";
  }
  const RunResult want = Executor(*graph, 2).run(inputs);
  cuda::DeviceExecutor device(*graph);
  const auto before = cuda::fake::counters();
  expect_same_bits(device.run(inputs), want, "run");
  expect_nothing_held(device, "after a run");
  // The op's two kernels, and the executor's epilogue kernel unless the op applies its own;
  // unfused, a kernel each for abs and expr.
  const uint64_t launches = cuda::fake::counters().launches - before.launches;
  EXPECT_EQ(launches, GetParam().fuse ? (op == "scale_checked" ? 3u : 2u) : 4u);

  // Over the limit (wave reaches 3 at index 4): the device check fails the run at its node.
  auto strict = load(std::regex_replace(yaml, std::regex("\\$limit"), "2.9"), inputs, GetParam().fuse);
  cuda::DeviceExecutor failing(*strict);
  expect_run_error([&] { failing.run(inputs); }, {"node 's'", "an element above the limit at index 4"});
  expect_nothing_held(failing, "after a failed check");
}

// No generated kernel at all: the plan's steps are plugin kernels alone.
TEST_P(FakeDevice, AGraphOfPluginKernelsAlone) {
  const std::string yaml = u_graph("  - {id: s, op: scale_checked, in: [u], a: 3}\n"
                                   "  - {id: t, op: scale_checked, in: [s], a: -0.5}\n",
                                   "[t]");
  const auto inputs = u_only();
  auto graph = load(yaml, inputs, GetParam().fuse);
  cuda::DeviceExecutor device(*graph);
  expect_same_bits(device.run(inputs), Executor(*graph, 2).run(inputs), "run");
  expect_nothing_held(device, "after a run");
}

TEST_P(FakeDevice, OutOfDeviceMemoryNamesTheSize) {
  const auto inputs = chain_inputs();
  auto graph = load(exact_chain(GetParam().dtype), inputs, GetParam().fuse);
  cuda::DeviceExecutor device(*graph);
  cuda::fake::set_device_memory(3 * 1001 * dtype_bytes(dtype()) + 1000);  // u, not u and v
  expect_run_error([&] { device.run(inputs); },
                   {"out of device memory: cannot allocate " + std::to_string(1001 * dtype_bytes(dtype())) + " bytes"});
  cuda::fake::set_device_memory(uint64_t{1} << 30);
  expect_nothing_held(device, "after running out of memory");
  expect_same_bits(device.run(inputs), Executor(*graph, 2).run(inputs), "a run after");
}

// --repeat's CUDA graph: the replays give the run's bits, run the graph's work once each, and
// its memory goes back when it is dropped. A freed block is poisoned at its point of each
// replay, so a step reading one after its last consumer would show as NaN.
TEST_P(FakeDevice, CapturedRunsReplayWithTheRunsBits) {
  for (const auto& [yaml, inputs] : std::vector<std::pair<std::string, std::map<std::string, TensorData>>>{
           {exact_chain(GetParam().dtype), chain_inputs()},
           {u_graph("  - {id: h, op: counted_scale, in: [u], factor: 3}\n"  // a host step before the launch
                    "  - {id: s, op: scale_checked, in: [h], a: 0.5}\n"
                    "  - {id: y, op: expr, in: {s: s, u: u}, expr: \"s - u * u\"}\n",
                    "[y, h]"),
            u_only()}}) {
    SCOPED_TRACE(yaml);
    auto graph = load(yaml, inputs, GetParam().fuse);
    cuda::DeviceExecutor device(*graph);
    const RunResult first = device.run(inputs);
    expect_same_bits(first, Executor(*graph, 2).run(inputs), "run");
    {
      std::unique_ptr<cuda::CapturedRun> captured = device.capture();
      EXPECT_GT(captured->graph_nodes(), 0u);
      const auto before = cuda::fake::counters();
      for (int r = 0; r < 2; ++r) expect_same_bits(captured->run(inputs), first, "replay " + std::to_string(r));
      EXPECT_EQ(cuda::fake::counters().graph_launches - before.graph_launches, 2u);
      EXPECT_GE(captured->last_graph_ms(), 0.0);
      // New inputs, the same graph.
      auto other = inputs;
      other["u"] = tensor(dtype(), {3, 1001}, ramp);
      expect_same_bits(captured->run(other), Executor(*graph, 2).run(other), "replay with other inputs");
    }
    expect_nothing_held(device, "after the captured run is dropped");
  }
}

TEST_P(FakeDevice, AReplaysFailedCheckNamesItsNode) {
  const std::string yaml = u_graph("  - {id: s, op: scale_checked, in: [u], a: 2, limit: 100}\n"
                                   "  - {id: y, op: neg, in: [s]}\n",
                                   "[y]");
  const auto inputs = u_only();
  auto graph = load(yaml, inputs, GetParam().fuse);
  cuda::DeviceExecutor device(*graph);
  device.run(inputs);
  std::unique_ptr<cuda::CapturedRun> captured = device.capture();
  captured->run(inputs);
  auto over = inputs;
  over["u"] = tensor(dtype(), {3, 1001}, [](int64_t i) { return i == 2000 ? 1000.0 : 1.0; });
  expect_run_error([&] { captured->run(over); }, {"node 's'", "an element above the limit at index 2000"});
  expect_same_bits(captured->run(inputs), device.run(inputs), "a replay after");
}

// A capture that fails (a launch the capture cannot take) is refused, naming the node; what
// the graph had allocated is gone with it, and runs and later captures go on.
TEST_P(FakeDevice, AFailedCaptureIsRefusedAndLeavesNothingHeld) {
  const std::string yaml = u_graph("  - {id: s, op: scale_checked, in: [u], a: 2}\n"
                                   "  - {id: y, op: neg, in: [s]}\n",
                                   "[y]");
  const auto inputs = u_only();
  auto graph = load(yaml, inputs, GetParam().fuse);
  cuda::DeviceExecutor device(*graph);
  const RunResult first = device.run(inputs);
  cuda::fake::set_capture_fault(true);
  std::string refusal;
  try {
    device.capture();
  } catch (const cuda::GraphCaptureRefused& e) {
    refusal = e.what();
  }
  cuda::fake::set_capture_fault(false);
  EXPECT_NE(refusal.find("capturing node 's' failed: "), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("cudaErrorStreamCaptureUnsupported"), std::string::npos) << refusal;
  expect_nothing_held(device, "after a failed capture");
  expect_same_bits(device.run(inputs), first, "a run after");
  std::unique_ptr<cuda::CapturedRun> captured = device.capture();
  expect_same_bits(captured->run(inputs), first, "a replay of a later capture");
}

// A host step that reads a device value cannot be in a graph: the capture is refused, naming
// it, before anything is allocated.
TEST_P(FakeDevice, AHostStepBetweenDeviceStepsRefusesTheCapture) {
  const std::string yaml = u_graph("  - {id: a, op: abs, in: [u]}\n"
                                   "  - {id: h, op: counted_scale, in: [a], factor: 2}\n"
                                   "  - {id: y, op: neg, in: [h]}\n",
                                   "[y]");
  const auto inputs = u_only();
  auto graph = load(yaml, inputs, GetParam().fuse);
  cuda::DeviceExecutor device(*graph);
  try {
    device.capture();
    ADD_FAILURE() << "captured";
  } catch (const cuda::GraphCaptureRefused& e) {
    EXPECT_NE(std::string(e.what()).find("node 'h'"), std::string::npos) << e.what();
  }
  expect_nothing_held(device, "after a refused capture");
}

INSTANTIATE_TEST_SUITE_P(Graphs, FakeDevice,
                         ::testing::Values(Param{"f64", true}, Param{"f64", false}, Param{"f32", true},
                                           Param{"f32", false}),
                         param_name);

}  // namespace
}  // namespace graphrun::testing
