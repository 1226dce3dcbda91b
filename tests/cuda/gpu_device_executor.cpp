// The device executor in-process: a graph with a graph input (copied in), a fused elementwise
// kernel, a CPU op (copies out and back) and a core op placed on the device without a device
// kernel yet, against the CPU executor; reruns give the same bits; every device byte is given
// back after a run. Skipped, with the reason, where there is no CUDA device.
#include "backends/cuda/device.h"
#include "backends/cuda/device_executor.h"
#include "driver/session.h"
#include "graph/diagnostics.h"
#include "support/command.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace graphrun::testing {
namespace {

constexpr int64_t kSize = 100003;  // not a multiple of a block or of a vector

const char* kGraph = R"yaml(format: 1
graph: gpu_executor
dtype: f64
inputs:
  u: {shape: [100003]}
nodes:
  - {id: x, op: linspace, start: -3, stop: 3, num: 100003}
  - id: a
    op: expr
    in: {x: x, u: u}
    expr: "sin(x) * exp(-u * u) + sqrt(abs(x))"
  - {id: b, op: scale, in: [a], a: 3}
  - {id: c, op: integrate, in: [b], dx: 0.25, initial: 0.5}
  - {id: d, op: expr, in: {c: c, a: a}, expr: "c * 0.5 - a"}
outputs: [a, c, d]
)yaml";

#define SKIP_WITHOUT_DEVICE()                                                                \
  do {                                                                                       \
    if (!cuda::probe_device().device) GTEST_SKIP() << "no CUDA device: " << cuda::probe_device().reason; \
  } while (0)

std::map<std::string, TensorData> make_inputs() {
  TensorData u;
  u.dtype = GR_F64;
  u.shape = {kSize};
  u.data = std::shared_ptr<void>(new double[kSize], [](void* p) { delete[] static_cast<double*>(p); });
  for (int64_t i = 0; i < kSize; ++i) static_cast<double*>(u.data.get())[i] = std::cos(0.001 * static_cast<double>(i));
  return {{"u", u}};
}

std::unique_ptr<Graph> load(const TempDir& dir, const std::map<std::string, TensorData>& inputs, bool fuse) {
  const std::string path = dir.path() + "/graph.yaml";
  std::ofstream(path) << kGraph;
  auto graph = std::make_unique<Graph>(load_graph(path, LoadOptions{}));
  run_passes(*graph, inputs, fuse);
  return graph;
}

int64_t elements(const TensorData& t) {
  int64_t n = 1;
  for (int64_t d : t.shape) n *= d;
  return n;
}

// SPEC's f64 tolerance, relative to the value (or to 1 near zero, where sin's zero lies).
void expect_close(const TensorData& got, const TensorData& ref, const std::string& what) {
  ASSERT_EQ(got.shape, ref.shape) << what;
  const auto* g = static_cast<const double*>(got.data.get());
  const auto* r = static_cast<const double*>(ref.data.get());
  int reported = 0;
  for (int64_t i = 0; i < elements(ref) && reported < 5; ++i)
    if (!(std::abs(g[i] - r[i]) <= 1e-12 * std::max(1.0, std::abs(r[i]))))
      ADD_FAILURE() << what << "[" << i << "]: device " << g[i] << ", cpu " << r[i] << " (" << ++reported << ")";
}

// The same bytes in every output of `got` as in `want`'s.
void expect_same_bits(const RunResult& got, const RunResult& want, const std::string& what) {
  ASSERT_EQ(got.outputs.size(), want.outputs.size()) << what;
  for (size_t k = 0; k < want.outputs.size(); ++k)
    EXPECT_EQ(std::memcmp(got.outputs[k].data.get(), want.outputs[k].data.get(),
                          static_cast<size_t>(elements(want.outputs[k])) * sizeof(double)),
              0)
        << "output " << k << ", " << what;
}

class GpuDeviceExecutor : public ::testing::TestWithParam<bool> {};  // fused or not

TEST_P(GpuDeviceExecutor, MatchesTheCpuExecutorAndGivesBackEveryDeviceByte) {
  SKIP_WITHOUT_DEVICE();
  TempDir dir;
  const auto inputs = make_inputs();
  auto graph = load(dir, inputs, GetParam());
  Executor cpu(*graph, 2);
  const RunResult want = cpu.run(inputs);
  cuda::DeviceExecutor device(*graph);
  EXPECT_EQ(device.device_bytes_in_use(), 0u);
  const RunResult got = device.run(inputs);
  EXPECT_EQ(device.device_bytes_in_use(), 0u) << "the run left device memory held";
  EXPECT_GT(got.peak_bytes, 0u);
  ASSERT_EQ(got.outputs.size(), want.outputs.size());
  const char* names[] = {"a", "c", "d"};
  for (size_t k = 0; k < want.outputs.size(); ++k) expect_close(got.outputs[k], want.outputs[k], names[k]);
}

// Reruns give the same bits; so do the replays of --repeat's CUDA graph, which times the
// graph alone and gives its device memory back when it is dropped.
TEST_P(GpuDeviceExecutor, RerunsAndCudaGraphReplaysGiveTheSameBits) {
  SKIP_WITHOUT_DEVICE();
  TempDir dir;
  const auto inputs = make_inputs();
  auto graph = load(dir, inputs, GetParam());
  cuda::DeviceExecutor device(*graph);
  const RunResult first = device.run(inputs);
  for (int r = 0; r < 3; ++r) {
    expect_same_bits(device.run(inputs), first, "rerun " + std::to_string(r));
    EXPECT_EQ(device.device_bytes_in_use(), 0u);
  }
  std::unique_ptr<cuda::CapturedRun> replay = device.capture();
  EXPECT_GT(replay->graph_nodes(), 0u);
  for (int r = 0; r < 3; ++r) {
    expect_same_bits(replay->run(inputs), first, "replay " + std::to_string(r));
    EXPECT_GT(replay->last_graph_ms(), 0.0);
  }
  EXPECT_GT(device.device_bytes_in_use(), 0u) << "the graph's input and output blocks";
  replay.reset();
  EXPECT_EQ(device.device_bytes_in_use(), 0u);
  expect_same_bits(device.run(inputs), first, "a run after the graph");  // the executor runs as before
}

// The command line: --repeat replays the graph and says so under --profile, with the graph's
// own time; --trace keeps every step of every run, the stream on a row of its own.
TEST(GpuDeviceExecutorCommand, RepeatReplaysAndTraceShowsTheStream) {
  SKIP_WITHOUT_DEVICE();
  TempDir dir;
  const std::string graph = dir.path() + "/g.yaml";
  std::ofstream(graph) << R"yaml(format: 1
graph: replay
dtype: f32
nodes:
  - {id: x, op: linspace, start: -3, stop: 3, num: 4099}
  - {id: y, op: expr, in: {x: x}, expr: "silu(x) * tanh(x)"}
  - {id: s, op: integrate, in: [y], dx: 0.01}
outputs: [s]
)yaml";
  const CommandResult r = run_graphrun({"run", graph, "--device", "cuda", "--repeat", "5", "--profile", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("repeats: replayed as one CUDA graph of "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("device time: median "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("steps timed in one more run"), std::string::npos) << r.err;
  const std::string trace = dir.path() + "/t.json";
  const CommandResult t = run_graphrun({"run", graph, "--device", "cuda", "--repeat", "2", "--trace", trace, "--quiet"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const std::string json = read_text(trace);
  EXPECT_NE(json.find("\"cuda stream ("), std::string::npos) << json.substr(0, 2000);
  EXPECT_NE(json.find("\"repeat 2\""), std::string::npos);
  EXPECT_NE(json.find("\"device memory\""), std::string::npos);
}

TEST(GpuDeviceExecutorErrors, AnInputOfTheWrongShapeIsARunErrorAndHoldsNoDeviceMemory) {
  SKIP_WITHOUT_DEVICE();
  TempDir dir;
  const auto inputs = make_inputs();
  auto graph = load(dir, inputs, true);
  cuda::DeviceExecutor device(*graph);
  auto wrong = inputs;
  wrong["u"].shape = {kSize - 1};
  EXPECT_THROW(device.run(wrong), RunError);
  EXPECT_EQ(device.device_bytes_in_use(), 0u);
  EXPECT_NO_THROW(device.run(inputs));  // the executor is still usable
}

INSTANTIATE_TEST_SUITE_P(Fusion, GpuDeviceExecutor, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "fused" : "unfused"; });

}  // namespace
}  // namespace graphrun::testing
