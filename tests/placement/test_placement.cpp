// Placement on small graphs through the real loader and passes: where steps run, the
// transfers (which buffer, which way, how many bytes, before which step), where buffers
// live, device and host peaks by liveness, refusal by device memory, and the device
// predicate following the op's descriptor.
#include "driver/explain_placement.h"
#include "driver/session.h"
#include "scheduler/buffer_type.h"
#include "scheduler/device_support.h"
#include "scheduler/execution_plan.h"
#include "scheduler/memory_budget.h"
#include "scheduler/placement.h"
#include "support/graph_text.h"
#include "support/small_graphs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace graphrun {
namespace {

// Loads `yaml` with the placement test plugin and runs the passes (fusion off unless `fuse`).
std::unique_ptr<Graph> load(const std::string& yaml, bool fuse = false) {
  return testing::load_graph_text(yaml, {PLACEMENT_TEST_PLUGIN}, {}, fuse);
}

int node_of(const Graph& g, const std::string& id) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].id == id && !g.nodes[i].removed) return static_cast<int>(i);
  ADD_FAILURE() << "no node " << id;
  return -1;
}

int step_of(const Graph& g, const PlacementProblem& problem, const std::string& id) {
  const int node = node_of(g, id);
  for (size_t s = 0; s < problem.steps.size(); ++s)
    if (problem.steps[s].node == node) return static_cast<int>(s);
  ADD_FAILURE() << "no step " << id;
  return -1;
}

int buffer_of(const Graph& g, const PlacementProblem& problem, const std::string& id) {
  const ValueRef ref{node_of(g, id), 0};
  for (size_t b = 0; b < problem.buffers.size(); ++b)
    if (problem.buffers[b].value == ref) return static_cast<int>(b);
  ADD_FAILURE() << "no buffer " << id;
  return -1;
}

// "x->dev@0 4096": one transfer as text, so a failing comparison shows the whole list.
std::string text(const Graph& g, const PlacementProblem& problem, const Transfer& t) {
  return g.nodes[problem.buffers[t.buffer].value.node].id +
         (t.direction == TransferDirection::kToDevice ? "->dev@" : "->host@") + std::to_string(t.before_step) + " " +
         std::to_string(t.bytes);
}
std::vector<std::string> transfers(const Graph& g, const PlacementProblem& problem, const Placement& p) {
  std::vector<std::string> out;
  for (const auto& t : p.transfers) out.push_back(text(g, problem, t));
  return out;
}

// f32 [1024]: every buffer 4096 bytes, a whole number of host and device blocks.
constexpr uint64_t kBlock = 4096;

const char* kChainFromInput = R"(format: 1
graph: chain
dtype: f32
inputs: {x: {shape: [1024]}}
nodes:
  - {id: a, op: neg, in: [x]}
  - {id: b, op: square, in: [a]}
  - {id: c, op: exp, in: [b]}
outputs: [c]
)";

TEST(Placement, ChainRunsOnTheDeviceWithOneCopyInAndOneOut) {
  auto g = load(kChainFromInput);
  const PlacementProblem problem = placement_problem(*g);
  ASSERT_EQ(problem.steps.size(), 3u);
  const Placement p = place(problem, Device::kCuda);
  for (Device d : p.step_device) EXPECT_EQ(d, Device::kCuda);
  EXPECT_EQ(transfers(*g, problem, p), (std::vector<std::string>{"x->dev@0 4096", "c->host@3 4096"}));
  // Intermediates live on the device only.
  for (const char* id : {"a", "b"}) {
    const BufferPlacement& where = p.buffers[buffer_of(*g, problem, id)];
    EXPECT_EQ(where.home, Device::kCuda) << id;
    EXPECT_TRUE(where.on_device) << id;
    EXPECT_FALSE(where.on_host) << id;
  }
  // x in; x a; a b; b c: two blocks at most on the device; the copy of c on the host.
  EXPECT_EQ(p.device_peak, 2 * kBlock);
  EXPECT_EQ(p.host_peak, kBlock);
  EXPECT_EQ(p.bytes_to_device(), kBlock);
  EXPECT_EQ(p.bytes_to_host(), kBlock);
}

TEST(Placement, FusedChainIsOneDeviceStep) {
  auto g = load(kChainFromInput, /*fuse=*/true);
  const PlacementProblem problem = placement_problem(*g);
  ASSERT_EQ(problem.steps.size(), 1u);
  const Placement p = place(problem, Device::kCuda);
  EXPECT_EQ(p.step_device[0], Device::kCuda);
  ASSERT_EQ(p.transfers.size(), 2u);
  EXPECT_EQ(p.transfers[0].direction, TransferDirection::kToDevice);
  EXPECT_EQ(p.transfers[1].direction, TransferDirection::kToHost);
}

TEST(Placement, CpuTargetKeepsEverythingOnTheHost) {
  auto g = load(kChainFromInput);
  const PlacementProblem problem = placement_problem(*g);
  const Placement p = place(problem, Device::kCpu);
  EXPECT_TRUE(p.transfers.empty());
  for (Device d : p.step_device) EXPECT_EQ(d, Device::kCpu);
  for (const auto& b : p.buffers) {
    EXPECT_EQ(b.home, Device::kCpu);
    EXPECT_FALSE(b.on_device);
  }
  EXPECT_EQ(p.device_peak, 0u);
}

// The test plugin's copy_on_host has no CUDA kernel: it runs on the host between two device steps.
const char* kCpuOpInTheMiddle = R"(format: 1
graph: middle
dtype: f64
inputs: {x: {shape: [8, 1000]}}
nodes:
  - {id: a, op: square, in: [x]}
  - {id: d, op: copy_on_host, in: [a]}
  - {id: e, op: neg, in: [d]}
outputs: [e]
)";

TEST(Placement, HostOpBetweenDeviceStepsCopiesOutAndBackIn) {
  auto g = load(kCpuOpInTheMiddle);
  const PlacementProblem problem = placement_problem(*g);
  const Placement p = place(problem, Device::kCuda);
  EXPECT_EQ(p.step_device[step_of(*g, problem, "a")], Device::kCuda);
  EXPECT_EQ(p.step_device[step_of(*g, problem, "d")], Device::kCpu);
  EXPECT_EQ(p.step_device[step_of(*g, problem, "e")], Device::kCuda);
  // 8 x 1000 doubles = 64000 bytes each: x in; a out after its step; d in before e; e out.
  EXPECT_EQ(transfers(*g, problem, p),
            (std::vector<std::string>{"x->dev@0 64000", "a->host@1 64000", "d->dev@2 64000", "e->host@3 64000"}));
  const BufferPlacement& a = p.buffers[buffer_of(*g, problem, "a")];
  EXPECT_TRUE(a.on_device && a.on_host);
  EXPECT_EQ(a.home, Device::kCuda);
  const BufferPlacement& d = p.buffers[buffer_of(*g, problem, "d")];
  EXPECT_EQ(d.home, Device::kCpu);
  EXPECT_TRUE(d.on_device && d.on_host);
  // Device: x+a at step a, a dropped once copied out (no device reader left); d, then d+e.
  const uint64_t block = device_block_bytes(64000);
  EXPECT_EQ(p.device_peak, 2 * block);
  // Host: a's copy + d during d; then d (until copied in) and e's copy.
  EXPECT_EQ(p.host_peak, 2 * BufferPool::block_bytes(64000));
}

TEST(Placement, OutputAlsoReadOnTheDeviceIsCopiedOutOnceAndStays) {
  auto g = load(R"(format: 1
graph: both
dtype: f32
inputs: {x: {shape: [1024]}}
nodes:
  - {id: a, op: neg, in: [x]}
  - {id: b, op: square, in: [a]}
outputs: [a, b]
)");
  const PlacementProblem problem = placement_problem(*g);
  const Placement p = place(problem, Device::kCuda);
  EXPECT_EQ(transfers(*g, problem, p), (std::vector<std::string>{"x->dev@0 4096", "a->host@1 4096", "b->host@2 4096"}));
  const BufferPlacement& a = p.buffers[buffer_of(*g, problem, "a")];
  EXPECT_TRUE(a.on_device && a.on_host);
  // a's device copy lives on until b has read it: x a, then a b.
  EXPECT_EQ(p.device_peak, 2 * kBlock);
  EXPECT_EQ(p.host_peak, 2 * kBlock);  // both outputs kept on the host
}

TEST(Placement, InputReadOnlyByAHostOpGetsNoDeviceCopy) {
  auto g = load(R"(format: 1
graph: host_input
dtype: f64
inputs: {x: {shape: [100]}}
nodes:
  - {id: d, op: copy_on_host, in: [x]}
  - {id: e, op: neg, in: [d]}
outputs: [e]
)");
  const PlacementProblem problem = placement_problem(*g);
  const Placement p = place(problem, Device::kCuda);
  const BufferPlacement& x = p.buffers[buffer_of(*g, problem, "x")];
  EXPECT_FALSE(x.on_device);
  EXPECT_TRUE(x.on_host);
  EXPECT_EQ(transfers(*g, problem, p), (std::vector<std::string>{"d->dev@1 800", "e->host@2 800"}));
}

const char* kDiamond = testing::kDiamondGraph;

TEST(Placement, DevicePeakFollowsLivenessOnADiamond) {
  if (!CORE_OPS_HAVE_CUDA_KERNELS) GTEST_SKIP() << "a build without CUDA: random and add have no CUDA kernel";
  auto g = load(kDiamond);
  const PlacementProblem problem = placement_problem(*g);
  const Placement p = place(problem, Device::kCuda);
  EXPECT_EQ(transfers(*g, problem, p), (std::vector<std::string>{"c->host@4 4096"}));
  // x; x a; x a b (x freed after b); a b c: three blocks at most.
  EXPECT_EQ(p.device_peak, 3 * kBlock);
  EXPECT_EQ(p.host_peak, kBlock);
}

TEST(Placement, WiderDiamondPeakCountsEveryLiveBranch) {
  // Four branches of x all live before the sum: x + 4 branches, then the adds.
  auto g = load(R"(format: 1
graph: wide
dtype: f32
nodes:
  - {id: x, op: random, shape: [1024], seed: 1}
  - {id: a, op: neg, in: [x]}
  - {id: b, op: square, in: [x]}
  - {id: c, op: exp, in: [x]}
  - {id: d, op: sin, in: [x]}
  - {id: ab, op: add, in: [a, b]}
  - {id: cd, op: add, in: [c, d]}
  - {id: s, op: add, in: [ab, cd]}
outputs: [s]
)");
  const PlacementProblem problem = placement_problem(*g);
  const Placement p = place(problem, Device::kCuda);
  EXPECT_EQ(p.device_peak, 5 * kBlock);  // x a b c d at step d
}

TEST(Placement, CpuHostPeakIsTheSequentialPeakOfThePlan) {
  for (const char* yaml : {kDiamond, kChainFromInput, kCpuOpInTheMiddle}) {
    auto g = load(yaml);
    ExecutionPlan plan(*g);
    EXPECT_EQ(place(placement_problem(*g), Device::kCpu).host_peak, plan.sequential_peak_bytes()) << yaml;
  }
}

TEST(Placement, GraphAndPlanNumberStepsAndBuffersAlike) {
  for (const char* yaml : {kDiamond, kCpuOpInTheMiddle}) {
    auto g = load(yaml);
    ExecutionPlan plan(*g, Device::kCuda);
    const PlacementProblem from_graph = placement_problem(*g), from_plan = placement_problem(plan);
    ASSERT_EQ(from_graph.steps.size(), from_plan.steps.size());
    for (size_t s = 0; s < from_graph.steps.size(); ++s) {
      EXPECT_EQ(from_graph.steps[s].node, from_plan.steps[s].node);
      EXPECT_EQ(from_graph.steps[s].reads, from_plan.steps[s].reads);
      EXPECT_EQ(from_graph.steps[s].writes, from_plan.steps[s].writes);
    }
    ASSERT_EQ(from_graph.buffers.size(), from_plan.buffers.size());
    for (size_t b = 0; b < from_graph.buffers.size(); ++b) {
      EXPECT_EQ(from_graph.buffers[b].value, from_plan.buffers[b].value);
      EXPECT_EQ(from_graph.buffers[b].bytes, from_plan.buffers[b].bytes);
      EXPECT_EQ(from_graph.buffers[b].graph_output, from_plan.buffers[b].graph_output);
    }
    // The plan records each buffer's memory space: where its producer runs.
    for (size_t b = 0; b < plan.buffers().size(); ++b)
      EXPECT_EQ(plan.buffers()[b].memory,
                plan.placement().buffers[b].home == Device::kCuda ? GR_MEMORY_DEVICE : GR_MEMORY_HOST);
    EXPECT_EQ(plan.buffers()[from_plan.buffers.size() - 1].memory, GR_MEMORY_DEVICE);  // e or c: a device op's
  }
}

TEST(Placement, RefusedWhenThePeakExceedsTheDeviceMemory) {
  auto g = load(kDiamond);
  const Placement p = place(placement_problem(*g), Device::kCuda);
  ASSERT_EQ(p.device_peak, 3 * kBlock);
  EXPECT_FALSE(device_memory_refusal(p, p.device_peak, "Test GPU"));
  const std::optional<std::string> refusal = device_memory_refusal(p, p.device_peak - 1, "Test GPU");
  ASSERT_TRUE(refusal);
  EXPECT_NE(refusal->find(human_bytes(p.device_peak)), std::string::npos) << *refusal;
  EXPECT_NE(refusal->find(human_bytes(p.device_peak - 1)), std::string::npos) << *refusal;
  EXPECT_NE(refusal->find("Test GPU"), std::string::npos) << *refusal;
}

TEST(PlacementText, NamesTheDeviceAndRefusesAGraphLargerThanItsMemory) {
  auto g = load(kDiamond);
  const std::string fits = placement_text(*g, {Device::kCuda, "Test GPU", 3 * kBlock, ""});
  EXPECT_NE(fits.find("placement on cuda: Test GPU, 12.0 KiB of memory"), std::string::npos) << fits;
  EXPECT_NE(fits.find("memory: device peak 12.0 KiB (graph inputs' device copies included), host peak 4.0 KiB"), std::string::npos) << fits;
  EXPECT_EQ(fits.find("refused"), std::string::npos) << fits;
  const std::string small = placement_text(*g, {Device::kCuda, "Test GPU", 3 * kBlock - 1, ""});
  EXPECT_NE(small.find("  refused: this graph needs 12.0 KiB (12288 bytes) of device memory at its peak, more than "
                       "the 12.0 KiB (12287 bytes) of Test GPU"),
            std::string::npos)
      << small;
  const std::string absent = placement_text(*g, {Device::kCuda, "", 0, "no driver"});
  EXPECT_NE(absent.find("placement on cuda: no CUDA device here: no driver; the plan is what a device would run"),
            std::string::npos)
      << absent;
}

TEST(PlacementText, PrintsEachFusedKernelThroughTheHook) {
  auto g = load(kChainFromInput, /*fuse=*/true);
  const std::string without = placement_text(*g, {Device::kCuda, "", 0, "none"});
  EXPECT_EQ(without.find("kernel of"), std::string::npos) << without;
  int calls = 0;
  const std::string with = placement_text(*g, {Device::kCuda, "", 0, "none"}, [&](const Graph&, const Node& node) {
    ++calls;
    EXPECT_EQ(node.kind, NodeKind::kFused);
    return "__global__ void k_" + node.id + "() {}";
  });
  EXPECT_EQ(calls, 1);
  EXPECT_NE(with.find("kernel of c:\n__global__ void k_c() {}\n"), std::string::npos) << with;
}

TEST(DeviceSupport, FollowsTheOpDescriptor) {
  auto g = load(R"(format: 1
graph: desc
dtype: f32
inputs: {x: {shape: [1024]}}
nodes:
  - {id: a, op: copy_with_cuda_kernel, in: [x]}
  - {id: b, op: copy_on_host, in: [a]}
  - {id: c, op: sum, in: [b]}
  - {id: d, op: derivative, in: [b]}
  - {id: r, op: relu, in: [d]}
outputs: [c, r]
)");
  EXPECT_TRUE(has_cuda_kernel(g->nodes[node_of(*g, "a")]));   // desc.cuda_kernel
  EXPECT_FALSE(has_cuda_kernel(g->nodes[node_of(*g, "b")]));  // none
  // A core op: its plugin gives a cuda_kernel in a CUDA build.
  EXPECT_EQ(has_cuda_kernel(g->nodes[node_of(*g, "c")]), static_cast<bool>(CORE_OPS_HAVE_CUDA_KERNELS));
  // A calculus op, which has one in a CUDA build too.
  EXPECT_EQ(has_cuda_kernel(g->nodes[node_of(*g, "d")]), static_cast<bool>(CORE_OPS_HAVE_CUDA_KERNELS));
  EXPECT_TRUE(has_cuda_kernel(g->nodes[node_of(*g, "r")]));   // elementwise
  EXPECT_FALSE(has_cuda_kernel(g->nodes[node_of(*g, "x")]));  // a graph input
  Node split = g->nodes[node_of(*g, "a")];
  split.scan_ranks = 2;  // its scan over MPI ranks trades carries on the host
  EXPECT_FALSE(has_cuda_kernel(split));
  const PlacementProblem problem = placement_problem(*g);
  const Placement p = place(problem, Device::kCuda);
  EXPECT_EQ(p.step_device[step_of(*g, problem, "a")], Device::kCuda);
  EXPECT_EQ(p.step_device[step_of(*g, problem, "b")], Device::kCpu);
}

TEST(DeviceSupport, ReadRunsOnTheHostAndItsResultIsCopiedIn) {
  const std::string dir = std::filesystem::temp_directory_path() / ("graphrun_placement_read_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/v.csv") << "1\n2\n3\n";
  const std::string path = dir + "/g.yaml";
  std::ofstream(path) << "format: 1\ngraph: r\ndtype: f64\nnodes:\n  - {id: v, op: read, path: v.csv}\n"
                         "  - {id: s, op: square, in: [v]}\noutputs: [s]\n";
  Graph g = load_graph(path, {});
  run_passes(g, {}, false);
  std::filesystem::remove_all(dir);
  const PlacementProblem problem = placement_problem(g);
  const Placement p = place(problem, Device::kCuda);
  EXPECT_EQ(p.step_device[step_of(g, problem, "v")], Device::kCpu);
  EXPECT_EQ(transfers(g, problem, p), (std::vector<std::string>{"v->dev@1 24", "s->host@2 24"}));
}

}  // namespace
}  // namespace graphrun
