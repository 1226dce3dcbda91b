// Which runs `--repeat` replays as one CUDA graph (scheduler/graph_capture.h), what explain
// says of it, and the --trace file of a device run (its stream and the host as two rows).
// No GPU needed: the capture plan is a function of the placement, the trace of the records.
#include "driver/explain_placement.h"
#include "driver/report.h"
#include "scheduler/execution_plan.h"
#include "scheduler/graph_capture.h"
#include "scheduler/placement.h"
#include "support/graph_text.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <map>

namespace graphrun {
namespace {

std::unique_ptr<Graph> load(const std::string& nodes) {
  return testing::load_graph_text("format: 1\ngraph: capture\ndtype: f32\ninputs: {x: {shape: [1024]}}\nnodes:\n" + nodes,
                                  {PLACEMENT_TEST_PLUGIN}, {}, false);
}

// The capture of `g` on the CUDA device, with its steps and buffers named by node id.
struct Named {
  GraphCapture capture;
  std::vector<std::string> host_steps, device_steps, copies_in, copies_out;
};
Named capture_of(const Graph& g) {
  const PlacementProblem problem = placement_problem(g);
  Named n{plan_graph_capture(g, problem, place(problem, Device::kCuda)), {}, {}, {}, {}};
  for (int s : n.capture.host_steps) n.host_steps.push_back(g.nodes[problem.steps[s].node].id);
  for (int s : n.capture.device_steps) n.device_steps.push_back(g.nodes[problem.steps[s].node].id);
  for (int b : n.capture.copies_in) n.copies_in.push_back(g.nodes[problem.buffers[b].value.node].id);
  for (int b : n.capture.copies_out) n.copies_out.push_back(g.nodes[problem.buffers[b].value.node].id);
  return n;
}
using Ids = std::vector<std::string>;

std::string capture_line(const Graph& g) {
  const PlacementProblem problem = placement_problem(g);
  return graph_capture_text(g, problem, place(problem, Device::kCuda));
}

TEST(GraphCapture, AChainOnTheDeviceIsOneGraphBetweenItsCopies) {
  auto g = load(R"(  - {id: a, op: copy_with_cuda_kernel, in: [x]}
  - {id: b, op: copy_with_cuda_kernel, in: [a]}
  - {id: c, op: copy_with_cuda_kernel, in: [b]}
outputs: [c]
)");
  const Named n = capture_of(*g);
  EXPECT_FALSE(n.capture.refusal) << *n.capture.refusal;
  EXPECT_EQ(n.device_steps, (Ids{"a", "b", "c"}));
  EXPECT_EQ(n.host_steps, Ids{});
  EXPECT_EQ(n.copies_in, Ids{"x"});
  EXPECT_EQ(n.copies_out, Ids{"c"});
  EXPECT_EQ(capture_line(*g), "--repeat: replayed as one CUDA graph of 3 steps");
}

// Host work on graph inputs alone (a `read`, an op without a CUDA kernel) runs before each
// launch, and its values are copied in with the graph inputs.
TEST(GraphCapture, HostStepsThatNeedNoDeviceValueRunBeforeTheLaunch) {
  auto g = load(R"(  - {id: a, op: copy_with_cuda_kernel, in: [x]}
  - {id: h, op: copy_on_host, in: [x]}
  - {id: k, op: copy_on_host, in: [h]}
  - {id: b, op: copy_with_cuda_kernel, in: [k]}
outputs: [a, b, k]
)");
  const Named n = capture_of(*g);
  EXPECT_FALSE(n.capture.refusal) << *n.capture.refusal;
  EXPECT_EQ(n.host_steps, (Ids{"h", "k"}));
  EXPECT_EQ(n.device_steps, (Ids{"a", "b"}));
  EXPECT_EQ(n.copies_in, (Ids{"x", "k"}));
  EXPECT_EQ(n.copies_out, (Ids{"a", "b"}));
  EXPECT_EQ(capture_line(*g), "--repeat: replayed as one CUDA graph of 2 steps, after 2 host steps run before each launch");
}

// A host step that needs a device value, directly or through another host step, splits the
// device work in two: no single graph.
TEST(GraphCapture, AHostStepBetweenDeviceStepsIsRefusedNamingIt) {
  auto direct = load(R"(  - {id: a, op: copy_with_cuda_kernel, in: [x]}
  - {id: h, op: copy_on_host, in: [a]}
  - {id: b, op: copy_with_cuda_kernel, in: [h]}
outputs: [b]
)");
  const Named n = capture_of(*direct);
  ASSERT_TRUE(n.capture.refusal);
  EXPECT_EQ(*n.capture.refusal, "node 'h' runs on the host and reads 'a', made on the device: the run is enqueued step by step");
  EXPECT_EQ(capture_line(*direct), "--repeat: not replayed as a CUDA graph: " + *n.capture.refusal);

  // At the end too: a host step on a device value needs the device work done first.
  auto at_end = load(R"(  - {id: a, op: copy_with_cuda_kernel, in: [x]}
  - {id: h, op: copy_on_host, in: [a]}
outputs: [h]
)");
  ASSERT_TRUE(capture_of(*at_end).capture.refusal);
}

TEST(GraphCapture, ARunWithNoDeviceStepIsRefused) {
  auto g = load(R"(  - {id: h, op: copy_on_host, in: [x]}
outputs: [h]
)");
  const Named n = capture_of(*g);
  ASSERT_TRUE(n.capture.refusal);
  EXPECT_EQ(*n.capture.refusal, "no step runs on the device");
}

TEST(GraphCapture, ExplainSaysItForTheDeviceOnly) {
  auto g = load(R"(  - {id: a, op: copy_with_cuda_kernel, in: [x]}
outputs: [a]
)");
  const std::string cuda = placement_text(*g, ExplainDevice{Device::kCuda, "", 0, "none in this test"});
  EXPECT_NE(cuda.find("\n--repeat: replayed as one CUDA graph of 1 step\n"), std::string::npos) << cuda;
  const std::string cpu = placement_text(*g, ExplainDevice{Device::kCpu, "", 0, ""});
  EXPECT_EQ(cpu.find("--repeat"), std::string::npos) << cpu;
}

// A device run's trace: the stream and the host are two named rows, each step on the row its
// record names, the counter is device memory. Records as the device executor makes them.
TEST(DeviceTrace, TheStreamAndTheHostAreRowsOfTheirOwn) {
  auto g = load(R"(  - {id: h, op: copy_on_host, in: [x]}
  - {id: a, op: copy_with_cuda_kernel, in: [h]}
  - {id: b, op: copy_with_cuda_kernel, in: [a]}
outputs: [b]
)");
  ExecutionPlan plan(*g, Device::kCuda);
  std::vector<StepRecord> records;
  for (size_t i = 0; i < plan.steps().size(); ++i)
    records.push_back({static_cast<int>(i), static_cast<int64_t>(1000 * i), static_cast<int64_t>(1000 * i + 700),
                       plan.placement().step_device[i] == Device::kCuda ? StepRecord::kCudaStreamRow
                                                                         : StepRecord::kHostRow,
                       4096 * (i + 1)});
  const std::vector<TracedRun> runs{{"warm-up", records}, {"repeat 1", records}};
  const YAML::Node root = YAML::Load(device_trace_json(plan, runs, "NVIDIA H200"));
  std::map<std::pair<int, int>, std::string> rows;
  std::map<std::string, int> row_of_step;
  int counters = 0, events = 0;
  for (const auto& e : root["traceEvents"]) {
    const std::string ph = e["ph"].as<std::string>();
    if (ph == "M" && e["name"].as<std::string>() == "thread_name")
      rows[{e["pid"].as<int>(), e["tid"].as<int>()}] = e["args"]["name"].as<std::string>();
    if (ph == "X") {
      ++events;
      row_of_step[e["name"].as<std::string>()] = e["tid"].as<int>();
    }
    if (ph == "C") {
      ++counters;
      EXPECT_EQ(e["name"].as<std::string>(), "device memory");
    }
  }
  EXPECT_EQ(events, 6);
  EXPECT_EQ(counters, 6);
  EXPECT_EQ(row_of_step, (std::map<std::string, int>{{"h", StepRecord::kHostRow},
                                                     {"a", StepRecord::kCudaStreamRow},
                                                     {"b", StepRecord::kCudaStreamRow}}));
  for (int pid : {1, 2}) {
    EXPECT_EQ(rows[std::pair(pid, StepRecord::kCudaStreamRow)], "cuda stream (NVIDIA H200)");
    EXPECT_EQ(rows[std::pair(pid, StepRecord::kHostRow)], "host");
  }
}

}  // namespace
}  // namespace graphrun
