// Every case of tests/cases/ on the CUDA device against its reference, with the CPU test's
// tolerances (SPEC's f64 1e-12 and f32 1e-5 unless the case's tolerance file says otherwise):
// fused and with --no-fuse, run twice (the same bits each time), every device byte given back
// after each run. In-process (one CUDA context for all cases: a process per run would spend
// the GPU check's time starting CUDA); two cases also through `graphrun run --device cuda -o`.
// Skipped, with the reason, where there is no CUDA device (label gpu).
#include "backends/cuda/device.h"
#include "backends/cuda/device_executor.h"
#include "driver/session.h"
#include "scheduler/graph_capture.h"
#include "scheduler/placement.h"
#include "support/command.h"
#include "support/compare.h"
#include "support/graph_cases.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

#define SKIP_WITHOUT_DEVICE()                                                                            \
  do {                                                                                                   \
    if (!cuda::probe_device().device) GTEST_SKIP() << "no CUDA device: " << cuda::probe_device().reason; \
  } while (0)

// `--set k=v` pairs of the case's args file (the only flag the cases use).
std::vector<std::pair<std::string, std::string>> case_sets(const fs::path& dir) {
  std::vector<std::pair<std::string, std::string>> sets;
  const std::vector<std::string> args = case_args(dir);
  for (size_t k = 0; k + 1 < args.size(); k += 2) {
    EXPECT_EQ(args[k], "--set") << "a flag this test does not pass on: " << args[k];
    const size_t eq = args[k + 1].find('=');
    sets.emplace_back(args[k + 1].substr(0, eq), eq == std::string::npos ? "" : args[k + 1].substr(eq + 1));
  }
  return sets;
}

io::HostArray host_array(const TensorData& t) {
  io::HostArray a;
  a.dtype = t.dtype;
  a.shape = t.shape;
  int64_t n = 1;
  for (int64_t d : t.shape) n *= d;
  if (t.dtype == GR_F64) {
    a.f64.resize(static_cast<size_t>(n));
    std::memcpy(a.f64.data(), t.data.get(), a.f64.size() * sizeof(double));
  } else {
    a.f32.resize(static_cast<size_t>(n));
    std::memcpy(a.f32.data(), t.data.get(), a.f32.size() * sizeof(float));
  }
  return a;
}

// The case's outputs on the device, by the file `run -o` writes them to; runs twice and checks the second run's bits
// and that no device memory is held after either.
std::map<std::string, io::HostArray> run_on_device(const fs::path& dir, bool fuse) {
  Graph graph = load_graph((dir / "graph.yaml").string(), LoadOptions{case_sets(dir), {}, {}});
  const std::map<std::string, TensorData> inputs;  // the cases read their inputs with `read`
  run_passes(graph, inputs, fuse);
  cuda::DeviceExecutor executor(graph);
  const RunResult first = executor.run(inputs);
  EXPECT_EQ(executor.device_bytes_in_use(), 0u) << "device memory held after the run";
  const RunResult second = executor.run(inputs);
  EXPECT_EQ(executor.device_bytes_in_use(), 0u) << "device memory held after the second run";
  std::map<std::string, io::HostArray> got;
  for (size_t k = 0; k < graph.outputs.size(); ++k) {
    const std::string name = output_file(graph.outputs[k].first);
    got[name] = host_array(first.outputs.at(k));
    EXPECT_TRUE(tensors_identical(host_array(second.outputs.at(k)), got[name]))
        << "a second run gave other bits, output " << name << (fuse ? "" : " (--no-fuse)");
  }
  // --repeat's CUDA graph: captured whenever the plan says it can be, replays give the run's
  // bits, and its device memory goes back with it.
  const PlacementProblem problem = placement_problem(executor.plan());
  const GraphCapture planned = plan_graph_capture(graph, problem, executor.plan().placement());
  if (planned.refusal) return got;
  std::unique_ptr<cuda::CapturedRun> replay;
  try {
    replay = executor.capture();
  } catch (const cuda::GraphCaptureRefused& e) {
    ADD_FAILURE() << "the capture failed: " << e.what();
    return got;
  }
  for (int r = 0; r < 2; ++r) {
    const RunResult replayed = replay->run(inputs);
    for (size_t k = 0; k < graph.outputs.size(); ++k) {
      const std::string name = output_file(graph.outputs[k].first);
      EXPECT_TRUE(tensors_identical(host_array(replayed.outputs.at(k)), got[name]))
          << "replay " << r << " of the CUDA graph gave other bits, output " << name << (fuse ? "" : " (--no-fuse)");
    }
  }
  replay.reset();
  EXPECT_EQ(executor.device_bytes_in_use(), 0u) << "device memory held after the CUDA graph was dropped";
  return got;
}

#ifdef GRAPHRUN_FAKE_CUDA
// On the fake CUDA runtime (fake_cuda/fake_runtime.h), ops whose CUDA kernel nvcc built (a
// launch the fake cannot run) are left to the GPU: what runs is elementwise kernels (generated),
// read (on the host) and ops whose kernels are generated at run time through the host (ode).
std::string needs_a_real_device(const fs::path& dir) {
  Graph graph = load_graph((dir / "graph.yaml").string(), LoadOptions{case_sets(dir), {}, {}});
  run_passes(graph, {}, false);
  const ExecutionPlan plan(graph, Device::kCuda);
  for (size_t i = 0; i < plan.steps().size(); ++i) {
    const PlannedStep& s = plan.steps()[i];
    if (plan.placement().step_device[i] == Device::kCuda && !s.program && std::string(s.op->desc.name) != "ode")
      return "op '" + std::string(s.op->desc.name) + "': its CUDA kernel is nvcc's, run on a GPU only";
  }
  return "";
}
#endif

class GpuGraphCase : public ::testing::TestWithParam<std::string> {};

TEST_P(GpuGraphCase, MatchesReferenceOnDevice) {
  SKIP_WITHOUT_DEVICE();
  const fs::path dir = case_dir(GetParam());
#ifdef GRAPHRUN_FAKE_CUDA
  if (const std::string why = needs_a_real_device(dir); !why.empty()) GTEST_SKIP() << why;
#endif
  const gr_dtype dtype = case_dtype(dir);
  const auto [rtol, atol] = case_tolerance(dir, dtype);
  const std::vector<fs::path> expected = case_expected(dir);
  ASSERT_FALSE(expected.empty()) << "no expected/*.npy in " << dir;
  for (const bool fuse : {true, false}) {
    const auto got = run_on_device(dir, fuse);
    for (const auto& ref_path : expected) {
      const std::string name = ref_path.filename().string();
      ASSERT_TRUE(got.count(name)) << "no output " << name;
      EXPECT_TRUE(tensors_close(got.at(name), io::read_tensor(ref_path.string(), dtype), rtol, atol))
          << (fuse ? "fused" : "--no-fuse") << ", output " << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GpuGraphCase, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GpuGraphCase);

// The command line: `run --device cuda -o DIR` writes what the references hold.
class GpuGraphCaseCommand : public ::testing::TestWithParam<std::string> {};

TEST_P(GpuGraphCaseCommand, WritesTheReferenceOutputs) {
  SKIP_WITHOUT_DEVICE();
  const fs::path dir = case_dir(GetParam());
  const gr_dtype dtype = case_dtype(dir);
  const auto [rtol, atol] = case_tolerance(dir, dtype);
  TempDir out;
  std::vector<std::string> args = {"run", (dir / "graph.yaml").string(), "-o", out.path(), "--device", "cuda", "--profile"};
  for (const auto& a : case_args(dir)) args.push_back(a);
  const CommandResult r = run_graphrun(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("device: cuda ("), std::string::npos) << r.err;
  for (const auto& ref_path : case_expected(dir)) {
    const fs::path got = fs::path(out.path()) / ref_path.filename();
    ASSERT_TRUE(fs::exists(got)) << "no output " << ref_path.filename();
    EXPECT_TRUE(tensors_close(io::read_tensor(got.string(), dtype), io::read_tensor(ref_path.string(), dtype), rtol, atol))
        << "output " << ref_path.filename();
  }
}

#ifndef GRAPHRUN_FAKE_CUDA  // (graphrun on the fake device: fake_cuda/test_fake_device_command.cpp)
INSTANTIATE_TEST_SUITE_P(Cases, GpuGraphCaseCommand, ::testing::Values("ew_expr_f64", "calc_fused_f32"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });
#endif
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GpuGraphCaseCommand);

}  // namespace
}  // namespace graphrun::testing
