// graphrun itself on the fake CUDA device (graphrun_on_fake_cuda: tools/graphrun over the fake
// runtime of fake_runtime.h): run --device cuda against the CPU run, --repeat's CUDA graph,
// --profile, --trace, --device auto and explain, as a user sees them on a GPU machine.
#include "support/command.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace graphrun::testing {
namespace {

const std::string kFake = GRAPHRUN_ON_FAKE_CUDA;
const std::string kDevice = "graphrun fake CUDA device (host)";

// The fake's kernels (their source as host code) go to a cache folder of their own.
const TempDir kKernelCache;

// `environment`: NAME=VALUE settings of the fake (fake_runtime.h).
CommandResult fake(std::vector<std::string> args, const std::vector<std::string>& environment = {}) {
  std::vector<std::string> command = {"env", "GRAPHRUN_KERNEL_CACHE=" + kKernelCache.path()};
  command.insert(command.end(), environment.begin(), environment.end());
  command.push_back(kFake);
  command.insert(command.end(), args.begin(), args.end());
  return run_command(command);
}

// x (4099 values of a linspace, written by the CPU), and a graph that reads it (a host step)
// and runs exact elementwise ops on it: the device's results are the CPU's bits.
struct Files {
  TempDir dir;
  std::string graph;
  Files() {
    const std::string make_x = dir.path() + "/make_x.yaml";
    write_text(make_x,
               "format: 1\ngraph: make_x\ndtype: f64\nnodes:\n"
               "  - {id: x, op: linspace, start: -3, stop: 4, num: 4099}\noutputs: [x]\n");
    const CommandResult r = run_graphrun({"run", "-q", "-o", dir.path(), make_x});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    graph = dir.path() + "/chain.yaml";
    write_text(graph,
               "format: 1\ngraph: chain\ndtype: f64\nnodes:\n"
               "  - {id: x, op: read, path: " + dir.path() + "/x.npy}\n"
               "  - {id: a, op: abs, in: [x]}\n"
               "  - {id: y, op: expr, in: {a: a, x: x}, expr: \"where(a > 1, a * 0.5, -x) - clip(x, -1, 2)\"}\n"
               "outputs: [y]\n");
  }
  static void write_text(const std::string& path, const std::string& text) {
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
};

TEST(FakeDeviceCommand, RunGivesTheCpuBits) {
  Files f;
  const CommandResult cpu = run_graphrun({"run", "--device", "cpu", "-q", "-o", f.dir.path() + "/cpu", f.graph});
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  const CommandResult dev = fake({"run", "--device", "cuda", "-o", f.dir.path() + "/cuda", f.graph});
  ASSERT_EQ(dev.exit_code, 0) << dev.err;
  const std::string y = read_text(f.dir.path() + "/cuda/y.npy");
  EXPECT_FALSE(y.empty());
  EXPECT_EQ(y, read_text(f.dir.path() + "/cpu/y.npy"));
}

TEST(FakeDeviceCommand, RepeatsReplayOneCudaGraphAndTheProfileSaysSo) {
  Files f;
  const CommandResult r = fake({"run", "--device", "cuda", "--repeat", "3", "--profile", f.graph});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string all = r.out + r.err;
  EXPECT_NE(all.find("device time: median"), std::string::npos) << all;
  EXPECT_NE(all.find("the CUDA graph alone: copies in and out excluded"), std::string::npos) << all;
  EXPECT_NE(all.find("device: cuda (" + kDevice + ")"), std::string::npos) << all;
  // read runs on the host before each launch; the fused abs and expr are the graph's one step.
  EXPECT_NE(all.find("repeats: replayed as one CUDA graph of 1 step ("), std::string::npos) << all;
  EXPECT_NE(all.find("steps timed in one more run, outside the CUDA graph"), std::string::npos) << all;
  // Unfused: a kernel per node.
  const CommandResult unfused = fake({"run", "--device", "cuda", "--no-fuse", "--repeat", "2", "--profile", f.graph});
  ASSERT_EQ(unfused.exit_code, 0) << unfused.err;
  EXPECT_NE((unfused.out + unfused.err).find("replayed as one CUDA graph of 2 steps"), std::string::npos)
      << unfused.out + unfused.err;
}

// A capture that fails: the repeats run step by step, with the same results, and the
// profile says why.
TEST(FakeDeviceCommand, RepeatsRunStepByStepWhenTheCaptureFails) {
  Files f;
  const CommandResult r = fake({"run", "--device", "cuda", "--repeat", "2", "--profile", "-o", f.dir.path() + "/cuda",
                                f.graph},
                               {"GRAPHRUN_FAKE_CUDA_CAPTURE_FAULT=1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("repeats: step by step: capturing node 'y' failed: "), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find("device time:"), std::string::npos) << r.out;
  const CommandResult cpu = run_graphrun({"run", "--device", "cpu", "-q", "-o", f.dir.path() + "/cpu", f.graph});
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  EXPECT_EQ(read_text(f.dir.path() + "/cuda/y.npy"), read_text(f.dir.path() + "/cpu/y.npy"));
}

TEST(FakeDeviceCommand, TraceShowsTheStreamAndTheHostAsRows) {
  Files f;
  const std::string trace = f.dir.path() + "/trace.json";
  const CommandResult r = fake({"run", "--device", "cuda", "--repeat", "2", "-q", "--trace", trace, f.graph});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string json = read_text(trace);
  EXPECT_NE(json.find("cuda stream (" + kDevice + ")"), std::string::npos) << json.substr(0, 2000);
  EXPECT_NE(json.find("\"host\""), std::string::npos) << json.substr(0, 2000);
  EXPECT_NE(json.find("device memory"), std::string::npos) << json.substr(0, 2000);
  EXPECT_NE(json.find("repeat 2"), std::string::npos) << json.substr(0, 2000);
}

TEST(FakeDeviceCommand, AutoChoosesTheDeviceAndExplainNamesIt) {
  Files f;
  const CommandResult r = fake({"run", "--device", "auto", "--profile", "-q", f.graph});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE((r.out + r.err).find("device: cuda (" + kDevice + ")"), std::string::npos) << r.out + r.err;
  const CommandResult e = fake({"explain", "--device", "cuda", f.graph});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("placement on cuda: " + kDevice), std::string::npos) << e.out;
  EXPECT_EQ(e.out.find("no CUDA device here"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("--repeat: replayed as one CUDA graph"), std::string::npos) << e.out;
}

// A device too small for the graph: refused before anything runs, naming the sizes; no output
// file is written.
TEST(FakeDeviceCommand, AGraphTooLargeForTheDeviceIsRefusedBeforeItRuns) {
  Files f;
  const std::string out = f.dir.path() + "/small";
  const CommandResult r = fake({"run", "--device", "cuda", "-o", out, f.graph}, {"GRAPHRUN_FAKE_CUDA_MEMORY=20000"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.err.find("--device cuda: this graph needs 64.5 KiB of device memory at its peak, more than the 19.5 KiB "
                       "of " + kDevice),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(read_text(out + "/y.npy").empty()) << "an output was written";
}

}  // namespace
}  // namespace graphrun::testing
