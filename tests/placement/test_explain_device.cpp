// `graphrun explain --device cuda` on the example graphs and on a graph with a host op
// between device steps: a placement line per step, every transfer with its size, the peaks,
// exit 0 without a device; `--device cpu` is explain as it was; `run --device cuda` exits 3.
#include "support/command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The lines of a section of explain: those after `header` that start with two spaces.
std::vector<std::string> section(const std::string& text, const std::string& header) {
  std::vector<std::string> out;
  bool in = false;
  for (const auto& line : lines_of(text)) {
    if (line.rfind(header, 0) == 0) {
      in = true;
      continue;
    }
    if (in && line.rfind("  ", 0) != 0) break;
    if (in) out.push_back(line);
  }
  return out;
}

TEST(ExplainDevice, ExampleGraphsShowPlacementAndEveryOutputCopiedOutWithItsSize) {
  int graphs = 0;
  for (const auto& entry : fs::directory_iterator(std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/examples")) {
    if (entry.path().extension() != ".yaml") continue;
    ++graphs;
    const std::string path = entry.path().string();
    CommandResult r = run_graphrun({"explain", "--device", "cuda", path});
    ASSERT_EQ(r.exit_code, 0) << path << "\n" << r.err;
    EXPECT_TRUE(r.out.find("placement on cuda: no CUDA device here: ") != std::string::npos ||
                r.out.find("placement on cuda: NVIDIA") != std::string::npos)
        << r.out;
    // One placement line per step of the order.
    const std::vector<std::string> order = section(r.out, "order:");
    std::vector<std::string> steps;
    for (const auto& line : order)
      if (line.find(" input ") == std::string::npos) steps.push_back(line);
    std::map<std::string, std::string> device_of;  // node id -> cuda | cpu
    const std::regex placed(R"(^\s+\d+\. (\S+)\s+(cuda|cpu)\s+\S+)");
    std::smatch m;
    for (const auto& line : section(r.out, "placement on cuda"))
      if (std::regex_search(line, m, placed)) device_of[m[1]] = m[2];
    EXPECT_EQ(device_of.size(), steps.size()) << r.out;
    // Each output made on the device is copied out once, with its bytes: numel x dtype size.
    const size_t element = r.out.find("(f64)") != std::string::npos ? 8 : 4;
    const std::vector<std::string> copies = section(r.out, "transfers:");
    const std::regex output(R"(^\s+\S+ <- (\S+):\S+ \(([\d, ]*)\))");
    for (const auto& line : section(r.out, "outputs:")) {
      ASSERT_TRUE(std::regex_search(line, m, output)) << line;
      const std::string node = m[1];
      size_t numel = 1;
      std::stringstream dims(m[2]);
      for (std::string d; std::getline(dims, d, ',');) numel *= std::stoul(d);
      if (device_of[node] != "cuda") continue;
      const std::string size = "(" + std::to_string(numel * element) + " bytes)";
      int found = 0;
      for (const auto& copy : copies)
        if (copy.find("to host  " + node + " ") != std::string::npos && copy.find(size) != std::string::npos) ++found;
      EXPECT_EQ(found, 1) << path << ": output node " << node << " of " << size << "\n" << r.out;
    }
    EXPECT_NE(r.out.find("memory: device peak "), std::string::npos) << r.out;
  }
  EXPECT_GE(graphs, 4);
}

TEST(ExplainDevice, HostOpBetweenDeviceStepsIsShownWithItsTransfers) {
  TempDir dir;
  const std::string path = dir.path() + "/middle.yaml";
  std::ofstream(path) << "format: 1\ngraph: middle\ndtype: f64\ninputs: {x: {shape: [8, 1000]}}\nnodes:\n"
                         "  - {id: a, op: square, in: [x]}\n  - {id: d, op: copy_on_host, in: [a]}\n"
                         "  - {id: e, op: neg, in: [d]}\noutputs: [e]\n";
  CommandResult r = run_graphrun({"explain", "--device", "cuda", "--no-fuse", "--plugin", PLACEMENT_TEST_PLUGIN, path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> steps = section(r.out, "placement on cuda");
  ASSERT_EQ(steps.size(), 3u) << r.out;
  EXPECT_NE(steps[0].find("a                cuda  square"), std::string::npos) << r.out;
  EXPECT_NE(steps[1].find("d                cpu   copy_on_host  (no CUDA kernel: runs on the host)"), std::string::npos)
      << r.out;
  EXPECT_NE(steps[2].find("e                cuda  neg"), std::string::npos) << r.out;
  const std::vector<std::string> copies = section(r.out, "transfers:");
  const std::vector<std::string> expected = {
      "to cuda  x                62.5 KiB (64000 bytes)  before   1. a",
      "to host  a                62.5 KiB (64000 bytes)  after    1. a",
      "to cuda  d                62.5 KiB (64000 bytes)  before   3. e",
      "to host  e                62.5 KiB (64000 bytes)  after    3. e",
  };
  ASSERT_GE(copies.size(), expected.size()) << r.out;
  for (size_t k = 0; k < expected.size(); ++k) EXPECT_EQ(copies[k], "  " + expected[k]) << r.out;
  EXPECT_NE(r.out.find("total: 125.0 KiB (128000 bytes) to the device, 125.0 KiB (128000 bytes) to the host"),
            std::string::npos)
      << r.out;
}

TEST(ExplainDevice, UnknownSizesAreSaidSo) {
  TempDir dir;
  const std::string path = dir.path() + "/open.yaml";
  std::ofstream(path) << "format: 1\ngraph: open\ndtype: f32\ninputs: {x: {shape: [-1]}}\nnodes:\n"
                         "  - {id: a, op: neg, in: [x]}\noutputs: [a]\n";
  CommandResult r = run_graphrun({"explain", "--device", "cuda", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("to cuda  x                ? bytes"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("device peak"), std::string::npos) << r.out;
  // The kernel's shapes are baked into its source: it waits for the input's size.
  EXPECT_NE(r.out.find("kernel of a:\n// generated once the inputs' sizes are known"), std::string::npos) << r.out;
}

TEST(ExplainDevice, PrintsTheKernelOfEachElementwiseStepOnTheDevice) {
  TempDir dir;
  const std::string path = dir.path() + "/chain.yaml";
  std::ofstream(path) << "format: 1\ngraph: chain\ndtype: f64\ninputs: {x: {shape: [3, 5]}}\nnodes:\n"
                         "  - {id: a, op: exp, in: [x]}\n  - {id: b, op: mul, in: [a, x]}\n"
                         "  - {id: s, op: sum, in: [b], axis: 0}\n  - {id: t, op: tanh, in: [s]}\noutputs: [t]\n";
  CommandResult r = run_graphrun({"explain", "--device", "cuda", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The fused exp·x group and the lone tanh each get their kernel, in f64, with their shapes.
  size_t kernels = 0;
  for (size_t at = r.out.find("\nkernel of "); at != std::string::npos; at = r.out.find("\nkernel of ", at + 1)) ++kernels;
  EXPECT_EQ(kernels, 2u) << r.out;
  EXPECT_NE(r.out.find("ew::exp("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ew::tanh("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("15 elements"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("5 elements"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("const double* in0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kernel of t:"), std::string::npos) << r.out;
}

// An op with a CUDA kernel and an epilogue (the elementwise chain fusion folded into it):
// on the device the chain is a generated kernel run in place after the op's, and explain
// prints it under the op's name, over the op's output shape.
TEST(ExplainDevice, PrintsTheEpilogueKernelOfAnOpOnTheDevice) {
  TempDir dir;
  const std::string path = dir.path() + "/epilogue.yaml";
  std::ofstream(path) << "format: 1\ngraph: epilogue\ndtype: f32\ninputs: {x: {shape: [4, 100]}}\nnodes:\n"
                         "  - {id: s, op: integrate, in: [x]}\n  - {id: e, op: exp, in: [s]}\n"
                         "  - {id: n, op: neg, in: [e]}\noutputs: [n]\n";
  CommandResult r = run_graphrun({"explain", "--device", "cuda", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  if (r.out.find("cuda  integrate+epilogue") == std::string::npos)
    GTEST_SKIP() << "integrate has no CUDA kernel in this build:\n" << r.out;
  const size_t at = r.out.find("epilogue kernel of s (in place, after its op's CUDA kernel):\n");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string source = r.out.substr(at);
  EXPECT_NE(source.find("400 elements"), std::string::npos) << source;
  EXPECT_NE(source.find("ew::exp("), std::string::npos) << source;
  EXPECT_NE(source.find("const float* in0"), std::string::npos) << source;
  EXPECT_NE(source.find("__global__"), std::string::npos) << source;
  EXPECT_EQ(r.out.find("\nkernel of "), std::string::npos) << "no other elementwise step is left:\n" << r.out;
  EXPECT_EQ(r.out.find("folded into its CUDA kernel"), std::string::npos) << r.out;
}

// An op flagged GR_OP_CUDA_EPILOGUE (derivative: applies_epilogue_on_device) applies its
// epilogue in its own CUDA kernel: explain prints no epilogue kernel for it, one line instead,
// and another op's epilogue in the same graph still gets its kernel.
TEST(ExplainDevice, SaysAnEpilogueIsFoldedIntoTheOpsCudaKernel) {
  TempDir dir;
  const std::string path = dir.path() + "/folded.yaml";
  std::ofstream(path) << "format: 1\ngraph: folded\ndtype: f64\ninputs: {x: {shape: [4, 100]}}\nnodes:\n"
                         "  - {id: d, op: derivative, in: [x]}\n  - {id: e, op: exp, in: [d]}\n"
                         "  - {id: n, op: neg, in: [e]}\n  - {id: s, op: integrate, in: [x]}\n"
                         "  - {id: m, op: neg, in: [s]}\noutputs: [n, m]\n";
  CommandResult r = run_graphrun({"explain", "--device", "cuda", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  if (r.out.find("cuda  derivative+epilogue") == std::string::npos)
    GTEST_SKIP() << "derivative has no CUDA kernel in this build:\n" << r.out;
  EXPECT_NE(r.out.find("\nepilogue of d: folded into its CUDA kernel\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("epilogue kernel of d"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("ew::exp("), std::string::npos) << "d's chain has no kernel of its own:\n" << r.out;
  EXPECT_NE(r.out.find("epilogue kernel of s (in place, after its op's CUDA kernel):\n"), std::string::npos) << r.out;
}

TEST(ExplainDevice, CpuIsExplainAsItWas) {
  const std::string path = std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/examples/mlp_layer.yaml";
  CommandResult plain = run_graphrun({"explain", path});
  CommandResult cpu = run_graphrun({"explain", "--device", "cpu", path});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  EXPECT_EQ(plain.out, cpu.out);
  EXPECT_EQ(plain.out.find("placement"), std::string::npos) << plain.out;
  CommandResult bad = run_graphrun({"explain", "--device", "tpu", path});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
}

TEST(ExplainDevice, RunOnCudaWithoutADeviceExitsThree) {
  CommandResult probe = run_graphrun({"explain", "--device", "cuda",
                                      std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/examples/waves.yaml"});
  if (probe.out.find("no CUDA device here") == std::string::npos) GTEST_SKIP() << "a CUDA device is present";
  CommandResult r = run_graphrun({"run", "--device", "cuda", std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/examples/waves.yaml"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("no CUDA device"), std::string::npos) << r.err;
}

// What a device run cannot honour yet is a usage error (exit 2) before any device is looked
// for, so a script learns it on any machine; --device auto runs such a run on the CPU.
TEST(ExplainDevice, FlagsTheDeviceCannotHonourAreUsageErrorsWithOrWithoutADevice) {
  const std::string graph = std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/examples/waves.yaml";
  TempDir dir;
  for (std::vector<std::string> flag : {std::vector<std::string>{"--report", dir.path() + "/r.html"},
                                        std::vector<std::string>{"--check-finite"}}) {
    std::vector<std::string> args = {"run", "--device", "cuda", graph, "--quiet"};
    args.insert(args.end(), flag.begin(), flag.end());
    CommandResult r = run_graphrun(args);
    EXPECT_EQ(r.exit_code, 2) << flag[0] << ": " << r.err;
    EXPECT_NE(r.err.find(flag[0] + " is not available for runs on the CUDA device yet (use --device cpu)"),
              std::string::npos)
        << r.err;
    args[2] = "auto";
    EXPECT_EQ(run_graphrun(args).exit_code, 0) << flag[0];
  }
}

// --trace runs on the device (its stream as a row of its own): no usage error; without a
// device, `--device cuda` exits 3 as any device run does, and writes no trace.
TEST(ExplainDevice, TraceIsAcceptedForTheDevice) {
  const std::string graph = std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/examples/waves.yaml";
  TempDir dir;
  // A bad output flag is a usage error before any device is looked for.
  CommandResult folder = run_graphrun({"run", "--device", "cuda", graph, "--quiet", "--trace", dir.path()});
  EXPECT_EQ(folder.exit_code, 2) << folder.err;
  CommandResult probe = run_graphrun({"explain", "--device", "cuda", graph});
  if (probe.out.find("no CUDA device here") == std::string::npos) GTEST_SKIP() << "a CUDA device is present";
  CommandResult r = run_graphrun({"run", "--device", "cuda", graph, "--quiet", "--trace", dir.path() + "/t.json"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("no CUDA device"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/t.json"));
}

TEST(ExplainDevice, AutoPlansForTheDeviceWhenOneIsHereElseSaysWhyNot) {
  const std::string graph = std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/examples/waves.yaml";
  CommandResult probe = run_graphrun({"explain", "--device", "cuda", graph});
  const bool device = probe.out.find("no CUDA device here") == std::string::npos;
  CommandResult r = run_graphrun({"explain", "--device", "auto", graph});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  if (device) {
    EXPECT_NE(r.out.find("placement on cuda: "), std::string::npos) << r.out;
  } else {
    EXPECT_EQ(r.out.find("placement on"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("device: cpu (--device auto: no CUDA device: "), std::string::npos) << r.out;
  }
}

// The seed's story and the Mamba graphs run on the device end to end: every node but `read`
// (which reads a file) is placed on cuda, the only copies in are of graph inputs and of
// what `read` gave, and the only copies out are of graph outputs: nothing goes back and forth
// between nodes.
TEST(ExplainDevice, SeedSsmAndMambaGraphsRunWhollyOnTheDevice) {
  std::vector<fs::path> graphs = {fs::path(GRAPHRUN_SOURCE_DIR) / "graphs/mamba/block.yaml",
                                  fs::path(GRAPHRUN_SOURCE_DIR) / "graphs/mamba/stack.yaml",
                                  fs::path(GRAPHRUN_SOURCE_DIR) / "graphs/ssm/duality.yaml"};
  for (const auto& entry : fs::directory_iterator(fs::path(GRAPHRUN_SOURCE_DIR) / "graphs/seed"))
    if (entry.path().extension() == ".yaml") graphs.push_back(entry.path());
  ASSERT_GE(graphs.size(), 9u);
  const std::regex placed(R"(^\s+\d+\. (\S+)\s+(cuda|cpu)\s+(\S+))");
  const std::regex copy(R"(^\s+to (cuda|host)\s+(\S+?)(:\S+)?\s)");
  for (const fs::path& graph : graphs) {
    CommandResult r = run_graphrun({"explain", "--device", "cuda", graph.string()});
    ASSERT_EQ(r.exit_code, 0) << graph << "\n" << r.err;
    std::set<std::string> read_nodes, input_nodes, output_nodes;
    std::smatch m;
    int steps = 0;
    for (const auto& line : section(r.out, "placement on cuda")) {
      if (!std::regex_search(line, m, placed)) continue;
      ++steps;
      if (m[3] == "read") read_nodes.insert(m[1]);
      else EXPECT_EQ(m[2], "cuda") << graph << ": " << line;
    }
    EXPECT_GT(steps, 0) << r.out;
    for (const auto& line : section(r.out, "order:"))
      if (std::regex_search(line, m, std::regex(R"(^\s+\S+ (\S+)\s+input\b)"))) input_nodes.insert(m[1]);
    for (const auto& line : section(r.out, "outputs:"))
      if (std::regex_search(line, m, std::regex(R"(<- ([^:\s]+))"))) output_nodes.insert(m[1]);
    for (const auto& line : section(r.out, "transfers:")) {
      if (!std::regex_search(line, m, copy)) continue;
      const std::string value = m[2];
      if (m[1] == "cuda")
        EXPECT_TRUE(read_nodes.count(value) || input_nodes.count(value)) << graph << ": a copy in between nodes: " << line;
      else
        EXPECT_TRUE(output_nodes.count(value)) << graph << ": a copy out between nodes: " << line;
    }
  }
}

}  // namespace
}  // namespace graphrun::testing
